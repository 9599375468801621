"""Public pages of published plans: for anyone, without signing in (README, "Public pages").

A plan admin publishes a plan (publish_plan); until then every page here is a 404. What is shown
is the plan, its priorities and actions with their delivery status, RAG (ActionQuerySet.with_rag,
as every page), owners by role and organisation (people's names only where the plan allows), the
original and revised dates, and the words of the public updates (ProgressUpdateQuerySet.public:
the plan file's and the signed-off ones). Never drafts, delegates, the audit trail or an e-mail
address: the templates are given nothing else.

Every page here is the same for everyone, signed in or not: it is rendered without the request
(no user, no session, no CSRF cookie), so a browser or shared cache may keep it. Each carries an
ETag and Last-Modified from the latest change of what it shows (the history tables) and the day
(statuses move with the date); a conditional GET is answered 304, and a changed page is rendered
once and then served from the cache.
"""

import datetime
import hashlib
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db.models import Max, Prefetch, Value
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition, require_safe

from actionplan import pdf
from actionplan.models import Action, MeetingPaper, Owner, Plan, ProgressUpdate, StrategicPriority
from actionplan.status import RagSummary
from partnerships.models import Meeting, Partnership

# Bump when the public templates change, so browsers holding an ETag fetch the new markup.
MARKUP_VERSION = 1
# Rendered pages are kept in the cache under their ETag this long (a new change is a new key).
RENDERED_SECONDS = 24 * 60 * 60


# -- Who may see what ------------------------------------------------------------------------------


def owner_label(owner, names_shown):
    """How the public pages name an owner: a group or organisation by its name; a person by role
    and organisation, and by name only where the plan shows names."""
    organisation = owner.organisation.code if owner.organisation_id else ""
    if owner.kind != Owner.Kind.PERSON:
        return owner.name
    if names_shown:
        details = ", ".join(part for part in (owner.role, organisation) if part)
        return f"{owner.name} ({details})" if details else owner.name
    if owner.role:
        return f"{owner.role} ({organisation})" if organisation else owner.role
    return f"An officer of {organisation}" if organisation else "A named officer"


def public_boards():
    """The boards with a public profile (PartnershipQuerySet.public): those assuring a published plan
    (a public paper is a published plan's, so it adds no board)."""
    return Partnership.objects.public()


def published_papers(board):
    """The board's meeting papers anyone may read (MeetingPaperQuerySet.public), newest first."""
    papers = MeetingPaper.objects.public().without_files().filter(meeting__partnership=board)
    return list(papers.select_related("meeting__partnership", "plan").order_by("-meeting__date", "plan__title"))


def latest_change(plans):
    """When anything the public pages show of these plans last changed: the plans, their
    priorities, actions (owners and dates included) and progress updates, and the owners named in
    them, from their history. One query."""
    ids = plans.order_by().values("pk")
    histories = [
        Plan.history.filter(id__in=ids),
        StrategicPriority.history.filter(plan_id__in=ids),
        Action.history.filter(plan_id__in=ids),
        ProgressUpdate.history.filter(action_id__in=Action.objects.filter(plan__in=ids).values("pk")),
        Owner.history.filter(id__in=Owner.objects.named_in(Plan.objects.filter(pk__in=ids)).values("pk")),
    ]
    latest = [
        history.order_by().annotate(one=Value(1)).values("one").annotate(at=Max("history_date")).values("at")
        for history in histories
    ]
    times = [at for (at,) in latest[0].union(*latest[1:], all=True).values_list("at") if at is not None]
    return max(times, default=None)


# -- Pages that any cache may keep -----------------------------------------------------------------


@dataclass
class Freshness:
    """A public page's validators: its ETag, and when it last changed."""

    etag: str
    last_modified: datetime.datetime

    @classmethod
    def of(cls, what, changed, today):
        """For the page `what` (a string naming the page), whose data last changed at `changed`, on
        `today`: the day counts as a change, as statuses move with the date."""
        midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
        last_modified = max(changed or midnight, midnight)
        # The stylesheets' names change with their content in production: old markup names old files.
        styles = staticfiles_storage.url("app.css")
        key = f"{what}|{last_modified.isoformat()}|{today}|{styles}|{MARKUP_VERSION}"
        return cls(etag=hashlib.sha256(key.encode()).hexdigest()[:32], last_modified=last_modified)


def public_page(find):
    """A public view: `find(request, **kwargs)` gives (Freshness, what the view needs) or raises
    Http404; the view gets what it needs and returns the page's HTML. Conditional GETs are answered
    304; a page already rendered for this ETag comes from the cache."""

    def decorator(render_page):
        def found(request, kwargs):
            if not hasattr(request, "public_found"):
                request.public_found = find(request, **kwargs)
            return request.public_found

        def etag(request, **kwargs):
            return found(request, kwargs)[0].etag

        def last_modified(request, **kwargs):
            return found(request, kwargs)[0].last_modified

        @condition(etag_func=etag, last_modified_func=last_modified)
        def view(request, **kwargs):
            freshness, needed = found(request, kwargs)
            key = f"public-page:{freshness.etag}"
            html = cache.get(key)
            if html is None:
                html = render_page(needed)
                cache.set(key, html, RENDERED_SECONDS)
            return HttpResponse(html)

        @login_not_required
        @require_safe
        @wraps(render_page)
        def public_view(request, **kwargs):
            response = view(request, **kwargs)
            if response.status_code in (200, 304):
                patch_cache_control(response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE)
            return response

        return public_view

    return decorator


def _published_plan(slug):
    return get_object_or_404(Plan.objects.published().select_related("board"), slug=slug)


def _find_plan(request, slug):
    plan = _published_plan(slug)
    today = timezone.localdate()
    what = f"plan:{plan.pk}:{plan.public_names}"
    return Freshness.of(what, latest_change(Plan.objects.filter(pk=plan.pk)), today), (plan, today)


def _find_action(request, slug, pk):
    plan = _published_plan(slug)
    action = get_object_or_404(plan.actions.select_related("parent"), pk=pk)
    today = timezone.localdate()
    changed = latest_change(Plan.objects.filter(pk=plan.pk))
    return Freshness.of(f"action:{action.pk}:{plan.public_names}", changed, today), (plan, action, today)


def _find_board(request, slug):
    board = get_object_or_404(public_boards(), slug=slug)
    today = timezone.localdate()
    family = Partnership.objects.family_ids(board)
    plans = Plan.objects.published().filter(board__in=family)
    changed = max(
        [t for t in (latest_change(plans), _board_changed(family)) if t is not None],
        default=None,
    )
    return Freshness.of(f"board:{board.pk}", changed, today), (board, plans, today)


def _find_index(request):
    today = timezone.localdate()
    # Any plan's change may publish or withdraw one: the list's history is every plan's.
    changed = max(
        [t for t in (latest_change(Plan.objects.published()), _plans_changed()) if t is not None], default=None
    )
    return Freshness.of("index", changed, today), today


def _board_changed(family):
    board_history = Partnership.history.filter(id__in=family).aggregate(at=Max("history_date"))["at"]
    meetings = Meeting.history.filter(partnership_id__in=family)
    # A paper published for one of its meetings is listed on the board's page.
    papers = MeetingPaper.objects.public().filter(meeting__partnership_id__in=family)
    times = (
        board_history,
        meetings.aggregate(at=Max("history_date"))["at"],
        papers.aggregate(at=Max("published_at"))["at"],
    )
    return max([t for t in times if t], default=None)


def _plans_changed():
    return Plan.history.aggregate(at=Max("history_date"))["at"]


# -- The pages ---------------------------------------------------------------------------------------


def _public_actions(plan, today):
    """The plan's actions as the public pages show them: the RAG picture today, owners, milestones
    and the latest public update (`public_updates`)."""
    latest = ProgressUpdate.objects.latest_public_per_action()
    return (
        plan.actions.with_rag(today)
        .with_owners()
        .select_related("priority")
        .prefetch_related("milestones", Prefetch("progress_updates", latest, to_attr="public_updates"))
    )


def _label_owners(actions, plan):
    for action in actions:
        action.public_accountable = [owner_label(o, plan.public_names) for o in action.accountable_owners()]
        action.public_responsible = [owner_label(o, plan.public_names) for o in action.responsible_owners()]
        action.public_update = action.public_updates[0] if action.public_updates else None


@public_page(_find_index)
def index(today):
    plans = Plan.objects.published().select_related("board").order_by("title").with_rag_summaries(today)
    boards = public_boards().order_by("position", "name")
    return render_to_string("actionplan/public/index.html", {"plans": plans, "boards": boards, "today": today})


@public_page(_find_plan)
def plan_page(needed):
    plan, today = needed
    priorities = plan.outline(today, _public_actions(plan, today))
    actions = [a for p in priorities for k in p.key_actions for a in (k, *k.subs)]
    _label_owners(actions, plan)
    summary = RagSummary()
    for action in actions:
        summary.add([getattr(action, name) for name in RagSummary.GROUPS], 1)
    return render_to_string(
        "actionplan/public/plan.html", {"plan": plan, "priorities": priorities, "summary": summary, "today": today}
    )


@public_page(_find_action)
def action_page(needed):
    plan, action, today = needed
    shown = _public_actions(plan, today).get(pk=action.pk)
    subs = list(_public_actions(plan, today).filter(parent=action))
    _label_owners([shown, *subs], plan)
    updates = list(shown.progress_updates.public().newest_first())
    return render_to_string(
        "actionplan/public/action.html",
        {"plan": plan, "action": shown, "sub_actions": subs, "updates": updates, "today": today},
    )


@public_page(_find_board)
def board_page(needed):
    board, plans, today = needed
    plans = plans.select_related("board").order_by("title").with_rag_summaries(today)
    return render_to_string(
        "actionplan/public/board.html",
        {
            "board": board,
            "plans": plans,
            "rag_summary": Partnership.rolled_up(plans),
            "papers": published_papers(board),
            "upcoming_meetings": list(board.meetings.upcoming(today)),
            "today": today,
        },
    )


# -- For search engines --------------------------------------------------------------------------


class PublishedPlanSitemap(Sitemap):
    def items(self):
        return Plan.objects.published().order_by("slug")

    def location(self, plan):
        return plan.get_public_url()

    def lastmod(self, plan):
        return latest_change(Plan.objects.filter(pk=plan.pk))


class PublishedActionSitemap(Sitemap):
    def items(self):
        return Action.objects.filter(plan__in=Plan.objects.published()).select_related("plan").order_by("pk")

    def location(self, action):
        return reverse("public:action", args=[action.plan.slug, action.pk])


class PublicBoardSitemap(Sitemap):
    def items(self):
        return public_boards().order_by("slug")

    def location(self, board):
        return reverse("public:board", args=[board.slug])


SITEMAPS = {"plans": PublishedPlanSitemap, "actions": PublishedActionSitemap, "boards": PublicBoardSitemap}


@login_not_required
@require_safe
def sitemap_xml(request):
    return sitemap(request, sitemaps=SITEMAPS)


@login_not_required
@require_safe
def robots_txt(request):
    """Search engines may read the public pages and the help; everything else needs sign-in."""
    lines = [
        "User-agent: *",
        f"Allow: {reverse('public:index')}",
        f"Allow: {reverse('help:help')}",
        "Disallow: /",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@login_not_required
@require_safe
def paper_pdf(request, pk):
    """A published plan's published meeting paper, as the board was given it (the stored PDF)."""
    paper = get_object_or_404(MeetingPaper.objects.public().select_related("meeting__partnership", "plan"), pk=pk)
    name = f"{paper.meeting.partnership.slug}-{paper.meeting.date:%Y-%m-%d}-{paper.plan.slug}.pdf"
    response = pdf.pdf_response(bytes(paper.pdf), name)
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE)
    return response


app_name = "public"
urlpatterns = [
    path("", index, name="index"),
    path("plans/<slug:slug>/", plan_page, name="plan"),
    path("plans/<slug:slug>/actions/<int:pk>/", action_page, name="action"),
    path("boards/<slug:slug>/", board_page, name="board"),
    path("papers/<int:pk>.pdf", paper_pdf, name="paper_pdf"),
]
