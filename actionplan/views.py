import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from actionplan import action_export, papers, pdf, word
from actionplan.action_export import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from actionplan.filters import ActionFilter, visible_owners
from actionplan.forms import (
    ActionForm,
    AsAtForm,
    BoardReportForm,
    CorrectionForm,
    ExceptionReportForm,
    ProgressUpdateForm,
)
from actionplan.models import Action, MeetingPaper, Plan, ProgressUpdate, StaleAction
from actionplan.publishing import publishing_context
from actionplan.reports import BoardReport, Dashboard, ExceptionReport, MyActions
from actionplan.rounds import action_decisions, my_rounds
from config.presentation import date_params


def _get_plan_for_user(request, slug):
    plan = get_object_or_404(Plan.objects.select_related("board"), slug=slug)
    if not Plan.objects.visible_to(request.user).filter(pk=plan.pk).exists():
        raise PermissionDenied("This plan has not been shared with you.")
    return plan


def _get_action_for_user(request, pk, write=False, edit=False):
    """The action, if this user may see it (and update it with write=True, edit it with edit=True)."""
    action = get_object_or_404(Action.objects.select_related("plan", "priority", "parent"), pk=pk)
    if edit and not action.can_be_edited_by(request.user):
        raise PermissionDenied("Only the plan's admins can edit this action.")
    if write and not action.can_be_updated_by(request.user):
        raise PermissionDenied("You can only update actions you are responsible or accountable for.")
    if not Plan.objects.visible_to(request.user).filter(pk=action.plan_id).exists():
        raise PermissionDenied("This plan has not been shared with you.")
    return action


def plan_list(request):
    plans = Plan.objects.visible_to(request.user)
    return render(request, "actionplan/plan_list.html", {"plans": plans})


def plan_detail(request, slug):
    """The whole plan, each action's RAG and delivery status as at ?as_at (default today)."""
    plan = _get_plan_for_user(request, slug)
    context = _as_at(request)
    priorities = plan.outline(context["as_at"])
    actions = [action for priority in priorities for key in priority.key_actions for action in (key, *key.subs)]
    return render(
        request,
        "actionplan/plan_detail.html",
        {
            **context,
            "plan": plan,
            "priorities": priorities,
            "progress_reported": max((a.last_reported_on for a in actions if a.last_reported_on), default=None),
            "can_import": Plan.objects.administered_by(request.user).filter(pk=plan.pk).exists(),
            **publishing_context(request, plan),
        },
    )


def _as_at(request):
    """The "as at" date picker's context: ?as_at (default today), its form, and whether it is today."""
    form = AsAtForm(request.GET)
    as_at = form.date()
    return {"as_at": as_at, "as_at_form": form, "is_today": as_at == timezone.localdate()}


def signed_in(request):
    """Where signing in lands: an officer on My actions, members and admins on the dashboard."""
    user = request.user
    officer = (
        not user.is_superuser and not Plan.objects.administered_by(user).exists() and Action.objects.has_any_mine(user)
    )
    return redirect("actionplan:my_actions" if officer else "actionplan:dashboard")


def _short_address(request, *forms):
    """A redirect to the same page with dates typed as Day/Month/Year boxes given as one ISO
    parameter each (?as_at=2018-04-03), so filtered pages have short addresses to share; else None."""
    query = request.GET
    for form in forms:
        params = date_params(form, query)
        if params is not None:
            query = QueryDict(params)
    if query is request.GET:
        return None
    return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")


def dashboard(request):
    """The HWB's view: every plan's RAG picture, and one plan's in detail, on a chosen date."""
    context = _as_at(request)
    if redirect_to := _short_address(request, context["as_at_form"]):
        return redirect_to
    dashboard = Dashboard.build(
        Plan.objects.visible_to(request.user),
        request.GET.get("plan"),
        context["as_at"],
        _page_number(request.GET.get("page")),
    )
    board = dashboard.chosen.board if dashboard.chosen else None
    return render(
        request,
        "actionplan/dashboard.html",
        {
            **context,
            "plans": dashboard.plans,
            "plans_page": dashboard.page,
            "chosen": dashboard.chosen,
            "detail": dashboard.detail,
            # The papers of the board's meeting on or after the date shown.
            "papers_meeting": board.meetings.upcoming(context["as_at"]).order_by("date").first() if board else None,
            "meetings": dashboard.meetings,
        },
    )


ACTIONS_PER_PAGE = 50


def action_list(request):
    """Actions filtered as the URL says, as they stood on ?as_at; CSV or XLSX of exactly those rows."""
    context = _as_at(request)
    on = context["as_at"]
    visible = Action.objects.visible_to(request.user)
    filters = ActionFilter(request.GET, queryset=visible.with_rag(on).select_related("plan"), request=request)
    if redirect_to := _short_address(request, context["as_at_form"], filters.form):
        return redirect_to
    actions = filters.qs
    if context["as_at_form"].errors:
        actions = actions.none()  # an invalid date fails safe, as an invalid filter does
    if not request.GET.get("sort"):
        actions = actions.order_by("plan__title", "position")
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return _export_actions(actions, on, export)
    # Each row shows its owners and its picture, not its progress text or milestones.
    page = Paginator(actions.with_owners(), ACTIONS_PER_PAGE).get_page(_page_number(request.GET.get("page")))
    return render(
        request,
        "actionplan/action_list.html",
        {
            **context,
            "filter": filters,
            "filters_applied": any(request.GET.get(name) for name in filters.filters if name != "sort"),
            "page": page,
            "owners": visible_owners(request).only("code", "name"),
            "in_round": "return_status" in actions.query.annotations,
        },
    )


def _page_number(text):
    """?page as a number of at least 1 (?page=0 and ?page=-1 are page 1; Paginator would show the last)."""
    try:
        return max(1, int(text))
    except (TypeError, ValueError):
        return 1


def _export_actions(actions, on, export):
    filename = f"actions-as-at-{on:%Y-%m-%d}.{export}"
    if export == "csv":
        response = StreamingHttpResponse(action_export.actions_csv(actions, on), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    workbook = action_export.actions_xlsx(actions, on)
    return FileResponse(workbook, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def board_report(request, slug, as_pdf=False):
    """A plan's progress paper on ?as_at (or the chosen meeting), changes since ?since. For a
    meeting whose paper is published (and the previous meeting as the comparison), the published
    paper: what the board was given, read from its snapshot."""
    plan = _get_plan_for_user(request, slug)
    form = BoardReportForm(plan, request.GET)
    if redirect_to := _short_address(request, form):
        return redirect_to
    on, since = form.dates()
    report, published = None, None
    if form.is_valid() and not form.cleaned_data.get("since"):
        published = MeetingPaper.objects.published().filter(plan=plan, meeting__date=on).first()
    if published is not None:
        data, status = published.data, published.status
    else:
        report = BoardReport.build(plan, on, since)
        data, status = papers.plan_progress_data(report), MeetingPaper.Status.DRAFT
    if as_pdf:
        if published is not None:
            return pdf.pdf_response(bytes(published.pdf), f"{plan.slug}-progress-{on:%Y-%m-%d}.pdf")
        try:
            content = pdf.paper_pdf(data, status)
        except pdf.PdfUnavailable:
            return pdf.unavailable_response()
        return pdf.pdf_response(content, f"{plan.slug}-board-report-{on:%Y-%m-%d}.pdf")
    context = {
        "plan": plan,
        "report": report,
        "paper": data,
        "published": published,
        "form": form,
        "web": True,
        "as_at": on,
    }
    return render(request, "actionplan/board_report.html", context)


def my_actions(request):
    """An officer's actions in the order they need them (MyActions), each with its update form a
    click away; after an update, which was saved and the next that needs one."""
    on = timezone.localdate()
    mine = MyActions.build(request.user, on)
    updated = mine.find(request.session.pop(JUST_UPDATED, None) or 0)
    return render(
        request,
        "actionplan/my_actions.html",
        {
            "groups": mine.groups,
            "today": on,
            "has_person": hasattr(request.user, "owner"),
            "updated": updated,
            "next_action": mine.next_to_update(after=updated) if updated else None,
            **my_rounds(request.user, on),
        },
    )


def action_detail(request, pk):
    """An action as it stood on ?as_at (default today): status, RAG, staleness and the progress
    reported by then, from the same rules as every list (ActionQuerySet.with_rag)."""
    action = _get_action_for_user(request, pk)
    context = _as_at(request)
    on = context["as_at"]
    action = Action.objects.with_rag(on).for_display(on).get(pk=action.pk)
    updates = list(action.progress_updates.reported_by(on).select_related("author", "signed_off_by", "returned_by"))
    sub_actions = list(action.sub_actions.with_rag(on).for_display(on))
    can_edit = action.can_be_edited_by(request.user)
    now = timezone.now()
    latest = updates[0] if updates else None
    return render(
        request,
        "actionplan/action_detail.html",
        {
            **context,
            "action": action,
            "plan": action.plan,
            "updates": updates,
            "later_updates": 0 if context["is_today"] else action.progress_updates.filter(reported_on__gt=on).count(),
            "sub_actions": sub_actions,
            "sub_action_dates": action.sub_action_dates() if action.inherits_dates_from_sub_actions else None,
            "can_update": action.can_be_updated_by(request.user),
            "can_edit": can_edit,
            # Only today's page offers the author a correction: a past position shows history.
            "correctable": latest
            if context["is_today"] and latest and latest.can_be_corrected_by(request.user, now)
            else None,
            "audit_trail": action.audit_trail() if can_edit else None,
            **action_decisions(request.user, action, updates, on),
        },
    )


# The session key My actions reads once, after an update: the action just updated.
JUST_UPDATED = "just_updated_action"


@require_http_methods(["GET", "POST"])
def add_update(request, pk):
    action = _get_action_for_user(request, pk, write=True)
    conflict = None
    on = timezone.localdate()
    if request.method == "POST":
        form = ProgressUpdateForm(request.POST, on=on)
        if form.is_valid():
            try:
                action.add_progress_update(
                    author=request.user,
                    on=on,
                    seen_version=form.cleaned_data["version"],
                    **form.update_fields(),
                )
            except StaleAction as stale:
                conflict = action.changes_since(stale.seen_version)
                action.refresh_from_db(fields=["version"])
                # Keep what the user typed, but make them look at the other change first.
                data = request.POST.copy()
                data["version"] = action.version
                form = ProgressUpdateForm(data, on=on)
            else:
                # An officer goes back to My actions, where the next action that needs them is.
                if Action.objects.mine(request.user).filter(pk=action.pk).exists():
                    request.session[JUST_UPDATED] = action.pk
                    return redirect("actionplan:my_actions")
                messages.success(request, f"Your progress update on {action.code} has been saved.")
                return redirect("actionplan:action", pk=action.pk)
    else:
        form = ProgressUpdateForm(initial={"version": action.version}, on=on)
    status = 409 if conflict is not None else (400 if form.errors else 200)
    return render(
        request, "actionplan/update_form.html", {"action": action, "form": form, "conflict": conflict}, status=status
    )


@require_http_methods(["GET", "POST"])
def correct_update(request, pk):
    update = get_object_or_404(ProgressUpdate.objects.select_related("action__plan"), pk=pk)
    action = _get_action_for_user(request, update.action_id, write=True)
    if not update.can_be_corrected_by(request.user, timezone.now()):
        raise PermissionDenied("Only the author can correct an update, and only their latest, for a short while.")
    form = CorrectionForm(request.POST or None, initial={"narrative": update.narrative})
    if request.method == "POST" and form.is_valid():
        update.correct(form.cleaned_data["narrative"], timezone.now())
        messages.success(request, "Your correction has been saved. The original wording stays in the audit trail.")
        return redirect("actionplan:action", pk=action.pk)
    return render(
        request,
        "actionplan/correct_update.html",
        {"action": action, "update": update, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def edit_action(request, pk):
    action = _get_action_for_user(request, pk, edit=True)
    conflict = None
    if request.method == "POST":
        form = ActionForm(request.POST, instance=action, user=request.user)
        if form.is_valid():
            with transaction.atomic():
                if action.claim_version(form.cleaned_data["version"]):
                    action = form.save(commit=False)
                    action.apply_completion_date(form.completion)
                    action.save()
                    form.save_m2m()
                    messages.success(request, f"{action.code} has been saved.")
                    return redirect("actionplan:action", pk=action.pk)
            action.refresh_from_db()
            conflict = action.changes_since(form.cleaned_data["version"])
            data = request.POST.copy()
            data["version"] = action.version
            form = ActionForm(data, instance=action, user=request.user)
    else:
        form = ActionForm(instance=action, initial={"version": action.version}, user=request.user)
    status = 409 if conflict is not None else (400 if form.errors else 200)
    return render(
        request, "actionplan/action_form.html", {"action": action, "form": form, "conflict": conflict}, status=status
    )


# -- Plans in and out of spreadsheets -------------------------------------------------------------

PLAN_DOWNLOADS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def download_plan(request, slug, fmt):
    """The plan in the spreadsheet template, for anyone who can read the plan."""
    from django.http import Http404

    from actionplan.exporters import dump_plan

    if fmt not in PLAN_DOWNLOADS:
        raise Http404("No such download format.")
    plan = _get_plan_for_user(request, slug)
    response = HttpResponse(dump_plan(plan, fmt), content_type=PLAN_DOWNLOADS[fmt])
    response["Content-Disposition"] = f'attachment; filename="{plan.slug}.{fmt}"'
    return response


@csrf_exempt  # the token is checked below, once the user may upload at all (the check reads the body)
@require_http_methods(["GET", "POST"])
def upload_plan(request):
    """Step 1: upload a plan file; if it is valid, show what importing it would change.

    Who may upload is asked before a byte of the file is read; the file goes straight into its own
    private upload directory (uploads.PlanUploadHandler) and is deleted unless the request keeps it.
    """
    from actionplan import uploads

    if not uploads.may_upload(request.user):
        # Django's 403 page would check the CSRF token, and so read the body: the file stays unread.
        request.csrf_processing_done = True
        raise PermissionDenied("Only plan admins can import plans.")
    handler = uploads.PlanUploadHandler(request)
    request.upload_handlers = [handler]
    try:
        return _upload_plan(request, handler)
    finally:
        handler.discard_unkept()


@csrf_protect
def _upload_plan(request, handler):
    from actionplan import uploads
    from actionplan.forms import PlanUploadForm

    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = uploads.keep(request, handler)
        if uploads.is_large(handler.path):
            uploads.queue_check(token, request.user)
            return redirect("actionplan:plan_upload_progress", token=token)
        return _upload_outcome(request, token, uploads.check(token, request.user))
    return render(request, "actionplan/upload_plan.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["POST"])
def confirm_plan_upload(request, token):
    """Step 2: import the previewed file. It is checked again: the plan may have changed meanwhile."""
    from actionplan import uploads

    path = uploads.path_for(request, token)
    if path is None:
        messages.error(request, "That upload has expired or was already imported. Please upload the file again.")
        return redirect("actionplan:upload_plan")
    if uploads.is_large(path):
        if (uploads.read_outcome(token) or {}).get("state") != uploads.PENDING:  # not twice
            uploads.queue_check(token, request.user, confirm=True)
        return redirect("actionplan:plan_upload_progress", token=token)
    return _upload_outcome(request, token, uploads.check(token, request.user, confirm=True))


@require_http_methods(["GET"])
def plan_upload_progress(request, token):
    """While the worker checks (or imports) a big upload: "Check again" until it has finished."""
    from actionplan import uploads

    if uploads.path_for(request, token) is None:
        messages.error(request, "That upload has expired or was already imported. Please upload the file again.")
        return redirect("actionplan:upload_plan")
    outcome = uploads.read_outcome(token)
    if outcome is None or outcome["state"] == uploads.PENDING:
        confirming = bool(outcome and outcome["confirm"])
        return render(request, "actionplan/upload_progress.html", {"token": token, "confirming": confirming})
    return _upload_outcome(request, token, outcome)


def _upload_outcome(request, token, outcome):
    """The page for what checking (or importing) an upload came to (uploads.check)."""
    from actionplan import uploads
    from actionplan.forms import PlanUploadForm

    if outcome["state"] == "valid":
        context = {"report": uploads.preview_report(outcome), "token": token, "file_name": outcome["file_name"]}
        return render(request, "actionplan/upload_preview.html", {**context, "is_new": outcome["is_new"]})
    uploads.discard(request, token)
    if outcome["state"] == "forbidden":
        raise PermissionDenied("Only a plan's admins can import it; only a superuser can add a new plan.")
    if outcome["state"] == "imported":
        messages.success(request, outcome["message"])
        return redirect(outcome["plan_url"])
    return render(
        request,
        "actionplan/upload_plan.html",
        {"form": PlanUploadForm(), "problems": outcome["problems"]},
        status=400,
    )


# -- A board's exception report -----------------------------------------------------------------


def exception_report(request, slug):
    """Everything Red, overdue or slipping that a board assures (ExceptionReport), with the
    actions of only the plans this user may see."""
    from partnerships.models import Partnership

    board = get_object_or_404(Partnership, slug=slug)
    form = ExceptionReportForm(request.GET or None)
    if redirect_to := _short_address(request, form):
        return redirect_to
    valid = form.is_valid() if form.is_bound else True
    choice = form.cleaned_data if form.is_bound and valid else {}
    report = ExceptionReport.build(
        board, choice.get("on") or timezone.localdate(), choice.get("period"), Action.objects.visible_to(request.user)
    )
    return render(
        request,
        "actionplan/exception_report.html",
        {"form": form, **vars(report), "as_at": report.on},
        status=400 if form.is_bound and not valid else 200,
    )


# -- Board meetings and their papers ------------------------------------------------------------


def _get_meeting(slug, date):
    from partnerships.models import Meeting

    try:
        day = datetime.date.fromisoformat(date)
    except ValueError:
        raise Http404("No such meeting.") from None
    return get_object_or_404(Meeting.objects.select_related("partnership"), partnership__slug=slug, date=day)


def _get_paper_for_user(request, slug, date, kind, plan_slug=None, write=False):
    """(meeting, plan, paper or None) if this user may read (and, with write=True, generate and
    publish) the paper; otherwise 403."""
    meeting = _get_meeting(slug, date)
    board = meeting.partnership
    plan = None
    if kind == MeetingPaper.Kind.PLAN_PROGRESS:
        plan = get_object_or_404(Plan, slug=plan_slug)
        if plan not in papers.assured_plans(board):
            raise Http404(f"{board.label} does not assure that plan.")
    if not papers.may_read(request.user, board, plan, kind):
        raise PermissionDenied("This paper covers plans that have not been shared with you.")
    if write and not papers.may_publish(request.user, board, plan):
        raise PermissionDenied("Only the board's plan admins can make and publish its papers.")
    paper = MeetingPaper.objects.filter(meeting=meeting, kind=kind, plan=plan).first()
    return meeting, plan, paper


def meeting_detail(request, slug, date):
    """A board meeting's papers: each with its status, its page and downloads, and for the board's
    admins the buttons that make and publish them; and what changed since the previous meeting."""
    meeting = _get_meeting(slug, date)
    board = meeting.partnership
    made = {(p.kind, p.plan_id): p for p in MeetingPaper.objects.filter(meeting=meeting).without_files()}
    visible = set(Plan.objects.visible_to(request.user).values_list("pk", flat=True))
    rows = [
        (MeetingPaper.Kind.PLAN_PROGRESS, plan, made.get((MeetingPaper.Kind.PLAN_PROGRESS, plan.pk)))
        for plan in papers.assured_plans(board)
        if plan.pk in visible
    ]
    for kind in (MeetingPaper.Kind.EXCEPTIONS, MeetingPaper.Kind.PERFORMANCE):
        if papers.may_read(request.user, board, None, kind):
            rows.append((kind, None, made.get((kind, None))))
    meetings = list(board.meetings.order_by("date"))
    index = meetings.index(meeting)
    return render(
        request,
        "actionplan/meeting.html",
        {
            "meeting": meeting,
            "board": board,
            "rows": [
                {
                    "kind": kind,
                    "label": MeetingPaper.Kind(kind).label,
                    "plan": plan,
                    "paper": paper,
                    "may_publish": papers.may_publish(request.user, board, plan),
                    "slug": papers.KIND_SLUGS.get(kind),
                }
                for kind, plan, paper in rows
            ],
            "previous": meetings[index - 1] if index else None,
            "next": meetings[index + 1] if index + 1 < len(meetings) else None,
        },
    )


def paper_detail(request, slug, date, kind, plan_slug=None, fmt=None):
    """A paper as a page, a PDF or a Word file: a published paper's stored files (the same bytes
    every time); a draft's made from its data; with no draft, from the picture as it stands now."""
    meeting, plan, paper = _get_paper_for_user(request, slug, date, kind, plan_slug)
    data = paper.data if paper else papers.build(meeting, kind, plan)
    status = paper.status if paper else MeetingPaper.Status.DRAFT
    name = f"{meeting.partnership.slug}-{meeting.date:%Y-%m-%d}-{plan.slug if plan else papers.KIND_SLUGS[kind]}"
    published = paper is not None and paper.is_published
    if fmt == "pdf":
        if published:
            return pdf.pdf_response(bytes(paper.pdf), f"{name}.pdf")
        try:
            return pdf.pdf_response(pdf.paper_pdf(data, status), f"{name}.pdf")
        except pdf.PdfUnavailable:
            return pdf.unavailable_response()
    if fmt == "docx":
        content = bytes(paper.docx) if published else word.paper_docx(data, status)
        response = HttpResponse(content, content_type=word.CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.docx"'
        return response
    return render(
        request,
        "actionplan/paper.html",
        {
            "meeting": meeting,
            "board": meeting.partnership,
            "plan": plan,
            "kind": kind,
            "kind_slug": papers.KIND_SLUGS.get(kind),
            "paper": data,
            "made": paper,
            "may_publish": papers.may_publish(request.user, meeting.partnership, plan),
            "web": True,
            # The paper's position is the meeting's: its links to actions show them as they stood then.
            "as_at": meeting.date,
        },
    )


@require_http_methods(["POST"])
def generate_paper(request, slug, date, kind, plan_slug=None):
    meeting, plan, paper = _get_paper_for_user(request, slug, date, kind, plan_slug, write=True)
    try:
        papers.generate(meeting, kind, plan, request.user)
    except papers.AlreadyPublished:
        messages.error(request, "This paper is published: it cannot be made again.")
    else:
        messages.success(request, "The draft has been made from the picture as it stands now.")
    return redirect(_paper_url(meeting, kind, plan))


@require_http_methods(["POST"])
def publish_paper(request, slug, date, kind, plan_slug=None):
    meeting, plan, paper = _get_paper_for_user(request, slug, date, kind, plan_slug, write=True)
    if paper is None:
        messages.error(request, "Make the draft before publishing it.")
    elif papers.publish(paper, request.user):
        messages.success(request, "The paper is published. Later corrections will not change it.")
    else:
        messages.error(request, "This paper was already published.")
    return redirect(_paper_url(meeting, kind, plan))


def _paper_url(meeting, kind, plan):
    from django.urls import reverse

    args = [meeting.partnership.slug, meeting.date.isoformat()]
    if plan is not None:
        return reverse("actionplan:plan_paper", args=[*args, plan.slug])
    return reverse("actionplan:board_paper", args=[*args, papers.KIND_SLUGS[kind]])


def meeting_changes(request, slug, date):
    """What changed since the board's previous meeting, for members: the actions of the plans it
    assures (those shared with this user) whose RAG, status or dates changed between the two
    meetings' pictures, and the new exceptions."""
    meeting = _get_meeting(slug, date)
    board = meeting.partnership
    previous = board.meetings.filter(date__lt=meeting.date).order_by("-date").first()
    visible = Plan.objects.visible_to(request.user)
    plans = [plan for plan in papers.assured_plans(board) if visible.filter(pk=plan.pk).exists()]
    changes = papers.changes_between(plans, previous.date, meeting.date) if previous else None
    return render(
        request,
        "actionplan/meeting_changes.html",
        {"meeting": meeting, "board": board, "previous": previous, "changes": changes},
    )
