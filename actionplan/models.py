import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, validate_email
from django.db import connection, models, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from partnerships.models import Organisation, Partnership


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Plans `user` was given (any role) or owns an action in; all of them for a superuser."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        given = PlanMembership.objects.filter(user=user).values("plan")
        owned = Action.objects.updatable_by(user).values("plan")
        return self.filter(Q(pk__in=given) | Q(pk__in=owned))

    def administered_by(self, user):
        if user.is_superuser:
            return self
        return self.filter(memberships__user=user, memberships__role=PlanMembership.Role.ADMIN)

    def rag_summary(self, on):
        """RAG counts over every action of these plans on `on` (one query)."""
        return Action.objects.filter(plan__in=self.values("pk")).rag_summary(on)

    def with_rag_summaries(self, on):
        """These plans as a list, each with `.summary`: the RagSummary of its actions on `on`
        (empty for a plan with none). Two queries."""
        plans = list(self)
        found = Action.objects.filter(plan__in=[plan.pk for plan in plans]).rag_summary_by("plan", on)
        for plan in plans:
            plan.summary = found.get(plan.pk, RagSummary())
        return plans


class Plan(models.Model):
    """An agreed plan whose delivery a board assures, e.g. the CQC Local System Review action plan."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    full_title = models.CharField(max_length=300, blank=True)
    # The assuring board as the paper names it, and the board itself where partnerships hold it.
    board_name = models.CharField("board (as written)", max_length=200, blank=True)
    board = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        help_text="The board that assures this plan.",
    )
    review_date = models.DateField(null=True, blank=True)
    review_period = models.CharField(max_length=100, blank=True)
    plan_date = models.DateField(null=True, blank=True)
    reporting_date = models.DateField(
        null=True, blank=True, help_text="The date the plan's imported progress texts were reported."
    )
    background = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True)
    # What this plan calls its levels: CQC says "strategic priority", HIC says "section".
    priority_label = models.CharField(max_length=50, default="Strategic priority")
    action_label = models.CharField(max_length=50, default="Key action")
    sub_action_label = models.CharField(max_length=50, default="Sub-action")
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="plans")
    due_soon_days = models.PositiveSmallIntegerField(default=30)
    stale_after_days = models.PositiveSmallIntegerField(default=60)

    objects = PlanQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("actionplan:plan", args=[self.slug])

    def outline(self):
        """Priorities, each with .key_actions, each with .subs: the whole plan in a fixed number of queries."""
        actions = list(self.actions.for_display())
        children = defaultdict(list)
        for action in actions:
            children[action.parent_id].append(action)
        for action in actions:
            action.subs = children[action.pk]
        by_priority = defaultdict(list)
        for action in children[None]:
            by_priority[action.priority_id].append(action)
        priorities = list(self.priorities.all())
        for priority in priorities:
            priority.key_actions = by_priority[priority.pk]
        return priorities


class PlanMembership(models.Model):
    """A user's role in one plan. Officers may also act on actions they own without one."""

    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer (HWB member)"
        OFFICER = "officer", "Officer"
        ADMIN = "admin", "Plan admin"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="one_role_per_plan")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} of {self.plan}"


class StrategicPriority(models.Model):
    """The top level of a plan (CQC: strategic priorities A–O; HIC: sections)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="priorities")
    code = models.CharField(max_length=20)
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position"]
        verbose_name_plural = "strategic priorities"
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_priority_code")]

    def __str__(self):
        return f"{self.code}) {self.text[:80]}"


def split_email_list(text):
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def validate_email_list(text):
    for address in split_email_list(text):
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(f"“{address}” is not an e-mail address.", code="invalid") from None


class OwnerQuerySet(models.QuerySet):
    def people(self):
        return self.filter(kind=Owner.Kind.PERSON)

    def groups(self):
        return self.filter(kind=Owner.Kind.GROUP)

    def organisations(self):
        return self.filter(kind=Owner.Kind.ORGANISATION)

    def named_in(self, plans):
        """Owners accountable or responsible for an action of `plans` (a Plan queryset): the
        people a reader of those plans may see listed, and no one from a plan they cannot see."""
        actions = Action.objects.filter(plan__in=plans)
        return self.filter(Q(pk__in=actions.values("accountable")) | Q(pk__in=actions.values("responsible")))


class Owner(models.Model):
    """Whoever can be accountable or responsible for an action: a person, a group or an organisation."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        GROUP = "group", "Group"
        ORGANISATION = "organisation", "Organisation"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Initials for people ("DHa" and "DHe" differ only in case and are different people), the
    # name for groups, the code for organisations. Compared exactly, never case-folded.
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="owners"
    )
    email = models.EmailField(blank=True)
    # Groups ("Chief Executives", "System Flow Executive") have no address of their own: their
    # reminders go to everyone on this list.
    contact_emails = models.TextField(
        "contact e-mail addresses",
        blank=True,
        validators=[validate_email_list],
        help_text="For a group or organisation: the addresses its reminders go to, one a line.",
    )
    # Reminders only: escalations of long-overdue actions go to accountable owners regardless.
    reminders_opt_out = models.BooleanField(
        "no reminder e-mails",
        default=False,
        help_text="Stop the daily reminder e-mails. Escalations of overdue actions are still sent.",
    )
    # The sign-in of the person, for officers: they may update the actions this owner holds.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owner"
    )

    objects = OwnerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "code"]

    def __str__(self):
        return self.code if self.kind == self.Kind.GROUP else f"{self.code} ({self.name})"

    def email_addresses(self):
        """Where this owner's e-mail goes: their address, their sign-in's, and any contact list."""
        addresses = [self.email, *split_email_list(self.contact_emails)]
        if self.user_id and self.user.email:
            addresses.append(self.user.email)
        return list(dict.fromkeys(a.strip() for a in addresses if a and a.strip()))


# Due soon with no progress update this recent makes an action Amber.
RECENT_UPDATE_DAYS = 30


# Each plan chooses its own windows around a date: (field, direction from the date).
PLAN_WINDOWS = {"due_soon_by": ("due_soon_days", +1), "stale_before": ("stale_after_days", -1)}


def _plan_windows(on):
    """{"due_soon_by": on + the action's plan's due_soon_days, "stale_before": on − its
    stale_after_days} as date expressions, from one query.

    Where every plan chose the same window the date is a constant; otherwise the few distinct
    values become one CASE on the action's plan.
    """
    chosen = list(Plan.objects.order_by().values_list(*[f for f, _ in PLAN_WINDOWS.values()]).distinct())
    windows = {}
    for i, (name, (days_field, direction)) in enumerate(PLAN_WINDOWS.items()):
        default = Plan._meta.get_field(days_field).default
        days = sorted({row[i] for row in chosen}) or [default]

        def date(days, direction=direction):
            return Value(on + direction * datetime.timedelta(days=days), output_field=DateField())

        windows[name] = (
            date(days[0])
            if len(days) == 1
            else Case(
                *[When(**{f"plan__{days_field}": d}, then=date(d)) for d in days],
                default=date(default),
            )
        )
    return windows


def _latest_updates(as_at):
    """{which: an action's (OuterRef("pk")) updates of that kind, newest first}: "update" (any),
    "revision" (giving a revised due date) and "completion" (saying Complete), as they stood on
    `as_at` (None: all of them)."""
    updates = ProgressUpdate.objects.filter(action=OuterRef("pk"))
    if as_at is not None:
        updates = updates.filter(reported_on__lte=as_at)
    latest = updates.order_by("-reported_on", "-created_at", "-pk")
    return {
        "update": latest,
        "revision": latest.filter(revised_due_date__isnull=False),
        "completion": latest.filter(rag=RAG.COMPLETE),
    }


# with_progress() annotation → (which latest update, the field of it).
PROGRESS_FROM = {
    "latest_rag": ("update", "rag"),
    "last_reported_on": ("update", "reported_on"),
    "revised_due_date": ("revision", "revised_due_date"),
    "completed_on": ("completion", "completed_on"),
}


def _latest_progress(as_at):
    """What each action's progress updates say, as they stood on `as_at` (None: all of them), as
    one subquery per annotation: what refresh_progress() writes (an UPDATE cannot join)."""
    latest = _latest_updates(as_at)
    return {name: Subquery(latest[which].values(field)[:1]) for name, (which, field) in PROGRESS_FROM.items()}


def _latest_progress_joined(as_at):
    """The same as _latest_progress(as_at), read through a join to each action's latest update
    (and latest revision, latest completion): {alias: FilteredRelation}, {annotation: column}.

    The RAG rules read these values a dozen times; a subquery would run again for each, a
    joined column is fetched once per action."""
    joins = {
        f"{which}_as_at": FilteredRelation(
            "progress_updates", condition=Q(progress_updates__pk=Subquery(updates.values("pk")[:1]))
        )
        for which, updates in _latest_updates(as_at).items()
    }
    return joins, {name: F(f"{which}_as_at__{field}") for name, (which, field) in PROGRESS_FROM.items()}


# with_progress() annotation → the Action field that keeps it for the current picture.
PROGRESS_CACHE = {
    "latest_rag": "progress_rag",
    "last_reported_on": "progress_reported_on",
    "revised_due_date": "progress_revised_due_date",
    "completed_on": "progress_completed_on",
}


def _delivery_conditions(on, due_soon_by):
    """{DeliveryStatus: condition on with_progress() annotations}, first match wins; otherwise
    on track. The one statement of what complete, undated, overdue and due soon mean.
    (`due_soon_by`: _plan_windows(on)["due_soon_by"].)"""
    return {
        DeliveryStatus.COMPLETE: Q(latest_rag=RAG.COMPLETE),
        DeliveryStatus.NO_DATE: Q(current_due_date__isnull=True),
        DeliveryStatus.OVERDUE: Q(current_due_date__lt=on),
        DeliveryStatus.DUE_SOON: Q(current_due_date__lte=due_soon_by),
    }


def _names_own(role):
    """Whether the action names owners of its own in `role` ("accountable" or "responsible");
    a sub-action that names none takes its key action's."""
    return Exists(getattr(Action, role).through.objects.filter(action=OuterRef("pk")))


# Slippage: the revised completion date (with_progress) is later than the original.
SLIPPED = Q(revised_due_date__gt=F("due_date"))


# The per-owner counts: name → (role whose owners a sub-action may take from its key action,
# the action's own key, its key action's).
OWNER_KEYS = {
    "accountable": ("accountable", "accountable", "parent__accountable"),
    "responsible": ("responsible", "responsible", "parent__responsible"),
    "organisation": ("responsible", "responsible__organisation", "parent__responsible__organisation"),
}


class ActionQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Actions in the plans `user` may see (Plan.objects.visible_to)."""
        return self.filter(plan__in=Plan.objects.visible_to(user).values("pk"))

    def key_actions(self):
        return self.filter(parent__isnull=True)

    def sub_actions(self):
        return self.filter(parent__isnull=False)

    def no_date_set(self):
        return self.filter(due_date__isnull=True)

    def accountable_is(self, owner):
        """Actions `owner` is accountable for, counting sub-actions that inherit their key action's."""
        return self._inheriting("accountable", Q(accountable=owner), Q(parent__accountable=owner))

    def responsible_is(self, owner):
        """Actions `owner` is responsible for, counting sub-actions that inherit their key action's."""
        return self._inheriting("responsible", Q(responsible=owner), Q(parent__responsible=owner))

    def responsible_organisation_is(self, organisation):
        """Actions whose responsible owners (own, else the key action's) belong to `organisation`."""
        return self._inheriting(
            "responsible",
            Q(responsible__organisation=organisation),
            Q(parent__responsible__organisation=organisation),
        )

    def _inheriting(self, role, own, inherited):
        # A sub-action naming no owners in `role` takes its key action's.
        return (
            self.alias(**{f"has_own_{role}": _names_own(role)})
            .filter(own | (inherited & Q(**{f"has_own_{role}": False})))
            .distinct()
        )

    def rag_summaries_by_owner(self, on):
        """{"accountable": {owner pk: RagSummary}, "responsible": {owner pk: …}, "organisation":
        {organisation pk: …}}: the RAG picture on `on` of the actions each owner is accountable or
        responsible for, and of those each organisation's people are responsible for. Sub-actions
        naming no owners count under their key action's; an action with two owners counts once
        for each. One query: each action's picture beside its owners, added up here."""
        owners = {
            # Joined, the action's own owners in `role` are there (not null) exactly when it names some.
            name: Case(When(**{f"{role}__isnull": False}, then=F(own)), default=F(inherited))
            for name, (role, own, inherited) in OWNER_KEYS.items()
        }
        rows = self.with_rag(on).order_by().values_list("pk", *RagSummary.GROUPS, *owners.values())
        # The joins repeat an action once per combination of its owners: count each pair once.
        pictures, pairs = {}, {name: set() for name in owners}
        for pk, *picture_and_owners in rows:
            pictures[pk] = picture_and_owners[: len(RagSummary.GROUPS)]
            for name, owner in zip(owners, picture_and_owners[len(RagSummary.GROUPS) :], strict=True):
                if owner is not None:
                    pairs[name].add((owner, pk))
        found = {name: defaultdict(RagSummary) for name in owners}
        for name, owned in pairs.items():
            for owner, pk in owned:
                found[name][owner].add(*pictures[pk], 1)
        return {name: dict(summaries) for name, summaries in found.items()}

    def owned_by(self, user):
        """Actions the user's person is responsible or accountable for (sub-actions inherit)."""
        responsible = Action.responsible.through.objects
        accountable = Action.accountable.through.objects
        return self.filter(
            Q(Exists(responsible.filter(action=OuterRef("pk"), owner__user=user)))
            | Q(Exists(accountable.filter(action=OuterRef("pk"), owner__user=user)))
            | Q(Exists(accountable.filter(action=OuterRef("parent"), owner__user=user)))
            | (
                Q(Exists(responsible.filter(action=OuterRef("parent"), owner__user=user)))
                & ~Q(_names_own("responsible"))
            )
        )

    def delegated_to(self, user):
        return self.filter(Exists(Action.delegates.through.objects.filter(action=OuterRef("pk"), user=user)))

    def mine(self, user):
        """What "My actions" lists: owned by the user's person, or delegated to the user."""
        return self.owned_by(user) | self.delegated_to(user)

    def updatable_by(self, user):
        """Actions the user may add progress updates to."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.mine(user) | self.editable_by(user)

    def editable_by(self, user):
        """Actions the user may edit (title, owners, dates, delegation): plan admins and superusers."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(plan__in=Plan.objects.administered_by(user).values("pk"))

    def with_progress(self, as_at=None):
        """Annotate what the progress updates say, as they stood on `as_at` (default: all of them).

        latest_rag, last_reported_on, revised_due_date (the latest revision), completed_on (when
        the latest update says Complete) and current_due_date (revised, else original). Today and
        later read the copy kept on each action (refresh_progress); past dates ask the updates.
        """
        actions = self
        if as_at is None or as_at >= timezone.localdate():
            latest = {name: F(field) for name, field in PROGRESS_CACHE.items()}
        else:
            joins, latest = _latest_progress_joined(as_at)
            actions = actions.alias(**joins)
        return actions.annotate(**latest).annotate(current_due_date=Coalesce("revised_due_date", "due_date"))

    def refresh_progress(self):
        """Copy what the latest progress updates say onto these actions, for with_progress()."""
        return self.update(**{PROGRESS_CACHE[name]: value for name, value in _latest_progress(None).items()})

    def with_delivery_status(self, on, conditions=None):
        """Annotate `delivery_status` (a DeliveryStatus value) as it stood on date `on`.

        Complete if the latest update says so; else no date; else overdue once the current due
        date has passed; due soon within the plan's due_soon_days; otherwise on track.
        (`conditions`: _delivery_conditions(on, …), when the caller already has them.)
        """
        status = conditions or _delivery_conditions(on, _plan_windows(on)["due_soon_by"])
        return self.with_progress(as_at=on).annotate(
            status_on=Value(on, output_field=DateField()),
            delivery_status=Case(
                *[When(condition, then=Value(value)) for value, condition in status.items()],
                default=Value(DeliveryStatus.ON_TRACK),
            ),
        )

    def with_rag(self, on):
        """Annotate the RAG picture on date `on`: delivery_status, plus

        derived_rag: Complete; Overdue → Red; Due soon with no update in the last
            RECENT_UPDATE_DAYS → Amber; else Green.
        rag: the latest update's RAG where the officer gave one, else the derived one.
        rag_disagrees: the officer's RAG is rosier than the derived one (Green or Amber where
            the dates say Red, Green where they say Amber).
        is_stale: not complete and no update for more than the plan's stale_after_days.
        has_slipped: the revised completion date is later than the original.

        On a queryset that already has the picture on `on` this adds nothing, so a page can
        annotate once and count, list and filter from the same queryset cheaply.
        """
        if self.has_rag(on):
            return self
        # Conditions, not references to other annotations, so the SQL stays small: Django
        # writes a referenced annotation out again in full each time (and compiles it again).
        windows = _plan_windows(on)
        status = _delivery_conditions(on, windows["due_soon_by"])
        recent = on - datetime.timedelta(days=RECENT_UPDATE_DAYS)
        red = status[DeliveryStatus.OVERDUE]
        amber = status[DeliveryStatus.DUE_SOON] & (Q(last_reported_on__isnull=True) | Q(last_reported_on__lt=recent))
        derived = Case(
            When(status[DeliveryStatus.COMPLETE], then=Value(RAG.COMPLETE)),
            When(red, then=Value(RAG.RED)),
            When(amber, then=Value(RAG.AMBER)),
            default=Value(RAG.GREEN),
        )
        never_or_before = Q(last_reported_on__isnull=True) | Q(last_reported_on__lt=windows["stale_before"])
        return self.with_delivery_status(on, status).annotate(
            derived_rag=derived,
            rag=Coalesce(NullIf("latest_rag", Value("")), derived),
            # Officer Green or Amber is never Complete, so the derived RAG is Red or Amber exactly
            # when `red` or `amber` holds.
            rag_disagrees=Case(
                When(Q(latest_rag=RAG.GREEN) & (red | amber), then=Value(True)),
                When(Q(latest_rag=RAG.AMBER) & red, then=Value(True)),
                default=Value(False),
            ),
            is_stale=Case(
                When(status[DeliveryStatus.COMPLETE], then=Value(False)),
                When(never_or_before, then=Value(True)),
                default=Value(False),
            ),
            has_slipped=Case(When(SLIPPED, then=Value(True)), default=Value(False)),
        )

    def has_rag(self, on):
        """Whether with_rag(on) has been applied to this queryset."""
        status_on = self.query.annotations.get("status_on")
        return "rag" in self.query.annotations and getattr(status_on, "value", None) == on

    def stale(self, on):
        return self.with_rag(on).filter(is_stale=True)

    def overdue(self, on):
        return self.with_delivery_status(on).filter(delivery_status=DeliveryStatus.OVERDUE)

    def due_soon(self, on):
        return self.with_delivery_status(on).filter(delivery_status=DeliveryStatus.DUE_SOON)

    def complete(self, on):
        return self.with_delivery_status(on).filter(delivery_status=DeliveryStatus.COMPLETE)

    def with_overdue_since(self):
        """Annotate `overdue_since`: the first day overdue, from the open OverdueFlag (None if none)."""
        missed = OverdueFlag.objects.open().filter(action=OuterRef("pk")).values("due_date")[:1]
        return self.annotate(overdue_since=Cast(Subquery(missed) + datetime.timedelta(days=1), DateField()))

    def slipped(self, as_at=None):
        """Actions whose revised completion date is later than the original."""
        return self.with_progress(as_at).filter(SLIPPED)

    def exceptions(self):
        """What a board is asked to look at (on a with_rag queryset): not complete, and Red,
        overdue, slipped or stale."""
        return self.exclude(delivery_status=DeliveryStatus.COMPLETE).filter(
            Q(rag=RAG.RED) | Q(delivery_status=DeliveryStatus.OVERDUE) | SLIPPED | Q(is_stale=True)
        )

    def rag_summary(self, on):
        """How many of these actions are Red, Amber, Green, Complete, Not started on `on`, and how
        many are overdue, due soon, undated, stale, slipped or reported rosier than their dates
        (one query)."""
        return self._summaries_by(None, on).get(None, RagSummary())

    def rag_summary_by(self, field, on):
        """{value of `field`: RagSummary}, e.g. rag_summary_by("priority", on), in one query."""
        return self._summaries_by(F(field), on)

    def _summaries_by(self, key, on):
        # Group by the RAG picture's few annotations (each compiled once) and add up in Python:
        # a COUNT(FILTER …) per figure would repeat the whole RAG expression a dozen times.
        keys = [] if key is None else [key]
        rows = self.with_rag(on).order_by().values_list(*RagSummary.GROUPS, *keys).annotate(n=Count("pk"))
        size = len(RagSummary.GROUPS)
        summaries = defaultdict(RagSummary)
        for row in rows:
            group = row[size] if keys else None
            if not keys or group is not None:
                summaries[group].add(*row[:size], row[-1])
        return dict(summaries)

    def with_owners(self):
        """Fetch with each action what accountable_owners() and responsible_owners() read."""
        return self.select_related("parent").prefetch_related(*_owner_lookups())

    def for_display(self, as_at=None):
        """Everything a page shows for each action (latest update as it stood on `as_at`), in a
        fixed number of queries."""
        latest = ProgressUpdate.objects.latest_per_action(as_at)
        return (
            self.with_owners()
            .select_related("priority")
            .prefetch_related(
                "milestones",
                Prefetch("progress_updates", latest, to_attr="latest_updates"),
            )
        )


def _owner_lookups(as_lists=False):
    """Prefetches of each action's and its key action's owners, kept in the related managers or,
    `as_lists`, as plain lists (`fetched_<role>`, which Action._named reads)."""
    return [
        Prefetch(
            lookup,
            Owner.objects.select_related("organisation"),
            to_attr=f"fetched_{lookup.split('__')[-1]}" if as_lists else None,
        )
        for lookup in ("accountable", "responsible", "parent__accountable", "parent__responsible")
    ]


def prefetch_owners(actions):
    """What accountable_owners() and responsible_owners() read, for actions already fetched
    (with their parent), e.g. several short lists at once. Kept as plain lists: much cheaper
    than filling every action's related managers."""
    prefetch_related_objects(actions, *_owner_lookups(as_lists=True))


class Action(models.Model):
    """A key action (A1…O3) or, when it has a parent, one of its sub-actions (i, ii, …)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    priority = models.ForeignKey(StrategicPriority, on_delete=models.CASCADE, related_name="actions")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="sub_actions")
    # The full reference users quote: "A1", or "G2 vi" for a sub-action.
    code = models.CharField(max_length=30)
    # The number as the plan file writes it within its parent: "A1", or "vi".
    number = models.CharField(max_length=20)
    title = models.TextField()
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    accountable = models.ManyToManyField(Owner, blank=True, related_name="accountable_for")
    responsible = models.ManyToManyField(Owner, blank=True, related_name="responsible_for")
    # The deadline as the paper gives it ("19/07/18 (HWB)", "TBC subject to completion of review")
    # and the date derived from it (see actionplan.completion_dates). Blank text on a sub-action
    # means it inherits its key action's date.
    completion_date_text = models.CharField("completion date (as written)", max_length=200, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # Users a plan admin has asked to report on this action, besides its owners.
    delegates = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="delegated_actions")
    # "Which actions are meant to move this indicator": declared per action in the plan file.
    indicators = models.ManyToManyField(
        "indicators.Indicator",
        blank=True,
        related_name="actions",
        help_text="The performance indicators this action is meant to move.",
    )
    # Bumped by every progress update and edit: a save from a page showing an older version is
    # a conflict, never a silent overwrite.
    version = models.PositiveIntegerField(default=1)
    # What the latest progress updates say, kept in step by ProgressUpdate saves and deletes so
    # the dashboard reads today's picture without going through every update (with_progress).
    # NULL: no update at all; "": the latest update gave no RAG (the derived one applies).
    progress_rag = models.CharField(max_length=20, blank=True, null=True, editable=False)  # noqa: DJ001
    progress_reported_on = models.DateField(null=True, blank=True, editable=False)
    progress_revised_due_date = models.DateField(null=True, blank=True, editable=False)
    progress_completed_on = models.DateField(null=True, blank=True, editable=False)

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[accountable, responsible, delegates],
        excluded_fields=["progress_rag", "progress_reported_on", "progress_revised_due_date", "progress_completed_on"],
    )

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_action_code")]
        indexes = [models.Index(fields=["plan", "due_date"])]

    def __str__(self):
        return f"{self.code} {self.title[:80]}"

    def get_absolute_url(self):
        return f"{self.plan.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self):
        return "action-" + self.code.replace(" ", "-")

    @property
    def is_sub_action(self):
        return self.parent_id is not None

    @property
    def inherits_completion_date(self):
        return self.is_sub_action and not self.completion_date_text

    def responsible_owners(self):
        """Own responsible owners, or the key action's where a sub-action names none."""
        return self._own_or_key_actions("responsible")

    def accountable_owners(self):
        """Own accountable owners, or the key action's where a sub-action names none."""
        return self._own_or_key_actions("accountable")

    def _own_or_key_actions(self, role):
        own = self._named(role)
        if own or self.parent is None:
            return own
        return self.parent._named(role)

    def _named(self, role):
        # prefetch_owners() leaves plain lists; otherwise ask the related manager (prefetched or not).
        fetched = getattr(self, f"fetched_{role}", None)
        return fetched if fetched is not None else list(getattr(self, role).all())

    def can_be_updated_by(self, user):
        return Action.objects.updatable_by(user).filter(pk=self.pk).exists()

    def can_be_edited_by(self, user):
        return Action.objects.editable_by(user).filter(pk=self.pk).exists()

    def delivery_status(self, on):
        return Action.objects.with_delivery_status(on).values_list("delivery_status", flat=True).get(pk=self.pk)

    def status_on(self, on):
        """This action with every status annotation of ActionQuerySet.with_rag as it stood on `on`."""
        return Action.objects.with_rag(on).get(pk=self.pk)

    @property
    def days_overdue(self):
        """Days past the current due date on the status date (needs with_delivery_status)."""
        if self.delivery_status == DeliveryStatus.OVERDUE:
            return (self.status_on - self.current_due_date).days
        return 0

    @property
    def days_slipped(self):
        """Days the revised date is later than the original (needs with_progress annotations)."""
        if self.revised_due_date and self.due_date and self.revised_due_date > self.due_date:
            return (self.revised_due_date - self.due_date).days
        return 0

    def claim_version(self, seen_version):
        """Move the action on from the version the user saw; False if someone else got there first."""
        claimed = Action.objects.filter(pk=self.pk, version=seen_version).update(version=F("version") + 1)
        if claimed:
            self.version = seen_version + 1
        return bool(claimed)

    def add_progress_update(self, *, author, on, seen_version, **fields):
        """Append an officer's update, or raise StaleAction if the action changed since they looked."""
        with transaction.atomic():
            if not self.claim_version(seen_version):
                raise StaleAction(self, seen_version)
            if fields.get("rag") == RAG.COMPLETE:
                fields.setdefault("completed_on", on)
            return self.progress_updates.create(author=author, reported_on=on, action_version=self.version, **fields)

    def apply_completion_date(self, completion):
        """Set the as-written date and what derives from it: due date and milestones.

        Blank on a sub-action inherits the key action's date; blank on a key action with dated
        sub-actions is due when the last of them is.
        """
        self.completion_date_text = completion.text
        self.due_date = completion.due_date
        if not completion.text and self.parent_id:
            self.due_date = self.parent.due_date
        elif not completion.text:
            self.due_date = max((s.due_date for s in self.sub_actions.all() if s.due_date), default=None)
        self.replace_milestones(completion.milestones if completion.has_milestones else [])

    def replace_milestones(self, milestones):
        """Make the milestones (label, due_date) exactly these; False if they already were."""
        existing = [(m.label, m.due_date) for m in self.milestones.all()]
        wanted = [(m.label, m.due_date) for m in milestones]
        if existing == wanted:
            return False
        self.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(action=self, label=label, due_date=due, position=i) for i, (label, due) in enumerate(wanted)
        )
        return True

    # What the audit trail compares between versions of an action, in the users' words.
    AUDITED_FIELDS = {
        "title": "Title",
        "description": "Description",
        "completion_date_text": "Completion date",
        "due_date": "Due date",
    }
    AUDITED_OWNERS = {
        "accountable": ("owner", "Accountable"),
        "responsible": ("owner", "Responsible"),
        "delegates": ("user", "Delegated to"),
    }

    def audit_trail(self):
        """Every change to this action and its progress updates, newest first: who, when, old → new.

        Built from django-simple-history's records in a fixed number of queries.
        """
        records = list(self.history.select_related("history_user").order_by("history_date", "history_id"))
        owners = defaultdict(list)
        for name, (target, _) in self.AUDITED_OWNERS.items():
            through = apps.get_model("actionplan", f"HistoricalAction_{name}")
            for row in through.objects.filter(history__in=[r.history_id for r in records]).select_related(target):
                owners[name, row.history_id].append(str(getattr(row, target)))
        # One save writes a record for the row and one per changed owner list: a burst of records
        # by the same user at the same version is one change.
        bursts = []
        for record in records:
            last = bursts[-1][-1] if bursts else None
            if (
                last is not None
                and last.history_user_id == record.history_user_id
                and last.version == record.version
                and record.history_date - bursts[-1][0].history_date < datetime.timedelta(seconds=5)
            ):
                bursts[-1].append(record)
            else:
                bursts.append([record])
        entries, previous = [], None
        for burst in bursts:
            first, record = burst[0], burst[-1]
            if previous is None:
                entries.append(AuditEntry(first.history_date, first.history_user, "Action created", [], record.version))
            else:
                changes = [
                    (label, getattr(previous, name), getattr(record, name))
                    for name, label in self.AUDITED_FIELDS.items()
                    if getattr(previous, name) != getattr(record, name)
                ]
                for name, (_, label) in self.AUDITED_OWNERS.items():
                    old, new = sorted(owners[name, previous.history_id]), sorted(owners[name, record.history_id])
                    if old != new:
                        changes.append((label, ", ".join(old) or "none", ", ".join(new) or "none"))
                if changes:
                    entries.append(
                        AuditEntry(first.history_date, first.history_user, "Action edited", changes, record.version)
                    )
            previous = record

        update_records = ProgressUpdate.history.filter(action_id=self.pk).select_related("history_user")
        last_text = {}
        for record in update_records.order_by("history_date", "history_id"):
            if record.history_type == "+":
                what = "Progress update imported" if record.imported else "Progress update added"
                changes = [(label, "", value) for label, value in record.instance.summary() if value]
                entries.append(
                    AuditEntry(record.history_date, record.history_user, what, changes, record.action_version)
                )
            elif record.history_type == "~" and last_text.get(record.id) != record.narrative:
                entries.append(
                    AuditEntry(
                        record.history_date,
                        record.history_user,
                        "Progress update corrected",
                        [("Progress", last_text.get(record.id), record.narrative)],
                        record.action_version,
                    )
                )
            last_text[record.id] = record.narrative
        entries.sort(key=lambda entry: entry.when, reverse=True)
        return entries

    def changes_since(self, version):
        """What others changed after the version this user saw: shown to them on a conflict."""
        return [entry for entry in self.audit_trail() if entry.version > version]

    def latest_update(self):
        """The newest progress update; uses the for_display() prefetch when present."""
        if hasattr(self, "latest_updates"):
            return self.latest_updates[0] if self.latest_updates else None
        return self.progress_updates.first()


class Milestone(models.Model):
    """One of several dated steps in a completion date, e.g. "22/03/18 (draft for HWB)"."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    label = models.CharField(max_length=100, blank=True)
    due_date = models.DateField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["action", "position"]

    def __str__(self):
        return f"{self.due_date:%d %B %Y} ({self.label})" if self.label else f"{self.due_date:%d %B %Y}"


@dataclass
class AuditEntry:
    when: datetime.datetime
    who: object
    what: str
    changes: list = field(default_factory=list)
    version: int = 0

    @property
    def who_display(self):
        if self.who is None:
            return "System (import)"
        return self.who.get_full_name() or self.who.get_username()


@dataclass
class RagSummary:
    """Counts of actions by RAG, plus the exceptions a board asks about. Summaries add up."""

    red: int = 0
    amber: int = 0
    green: int = 0
    complete: int = 0
    not_started: int = 0
    total: int = 0
    overdue: int = 0
    due_soon: int = 0
    no_date: int = 0
    stale: int = 0
    slipped: int = 0
    disagreements: int = 0

    # The with_rag() annotations a summary is counted from.
    GROUPS = ("rag", "delivery_status", "is_stale", "has_slipped", "rag_disagrees")

    def add(self, rag, delivery_status, is_stale, has_slipped, rag_disagrees, n):
        """Count `n` actions with this RAG picture."""
        setattr(self, rag, getattr(self, rag) + n)
        if delivery_status in (DeliveryStatus.OVERDUE, DeliveryStatus.DUE_SOON, DeliveryStatus.NO_DATE):
            setattr(self, delivery_status, getattr(self, delivery_status) + n)
        self.total += n
        self.stale += n if is_stale else 0
        self.slipped += n if has_slipped else 0
        self.disagreements += n if rag_disagrees else 0

    def __add__(self, other):
        return RagSummary(**{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__})

    def segments(self):
        """(RAG, count, percent of total as CSS writes it) in the order the dashboard stacks them,
        without empty ones."""
        return [
            (RAG(rag), getattr(self, rag), f"{100 * getattr(self, rag) / self.total:.2f}")
            for rag in RAG_ORDER
            if getattr(self, rag)
        ]

    def rag_counts(self):
        """(RAG, count) for every RAG, for tables with a column per colour."""
        return [(RAG(rag), getattr(self, rag)) for rag in RAG_ORDER]


class StaleAction(Exception):
    """Someone else updated or edited the action since this user loaded it."""

    def __init__(self, action, seen_version):
        self.action = action
        self.seen_version = seen_version
        super().__init__(f"{action.code} changed since version {seen_version}")


class RAG(models.TextChoices):
    """What an officer reports: Red / Amber / Green, plus Complete and Not started."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    COMPLETE = "complete", "Complete"
    NOT_STARTED = "not_started", "Not started"

    @classmethod
    def for_status(cls, words):
        """The RAG a paper's status words mean ("Good progress" is Green), or None if unknown."""
        words = " ".join(str(words).split()).lower()
        return STATUS_WORDS.get(words) or next((c for c in cls if words in (c.value, c.label.lower())), None)


# Status words the papers use, and what they mean in the product's RAG. "Some progress" is Amber:
# the HIC paper adds "but all organisations need to demonstrate progress". The rest report work
# under way with no risk named, so Green; Red is never inferred from words.
STATUS_WORDS = {
    "complete": RAG.COMPLETE,
    "completed": RAG.COMPLETE,
    "in progress": RAG.GREEN,
    "good progress": RAG.GREEN,
    "ccg progress": RAG.GREEN,
    "on track": RAG.GREEN,
    "some progress": RAG.AMBER,
    "not started": RAG.NOT_STARTED,
}


# The order RAG counts are shown and stacked in: worst first.
RAG_ORDER = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.COMPLETE, RAG.NOT_STARTED]


class DeliveryStatus(models.TextChoices):
    COMPLETE = "complete", "Complete"
    OVERDUE = "overdue", "Overdue"
    DUE_SOON = "due_soon", "Due soon"
    ON_TRACK = "on_track", "On track"
    NO_DATE = "no_date", "No date set"


class ProgressUpdateQuerySet(models.QuerySet):
    def latest_per_action(self, as_at=None):
        """Only the newest update of each action, as it stood on `as_at` (one correlated subquery)."""
        newest = ProgressUpdate.objects.filter(action=OuterRef("action"))
        if as_at is not None:
            newest = newest.filter(reported_on__lte=as_at)
        newest = newest.order_by("-reported_on", "-created_at", "-pk")
        return self.filter(pk=Subquery(newest.values("pk")[:1]))

    def imported(self):
        return self.filter(imported=True)


def keep_reported_progress(collector, field, sub_objs, using):
    """ProgressUpdate.action's on_delete. Deleting an action (or its key action, priority or plan)
    would take its progress updates with it: refused while officers have reported any, wherever
    the delete comes from (admin page, bulk action, inline, shell). The plan file's own imported
    text goes with the action, as the importer removes actions no longer in the file."""
    reported = [update for update in sub_objs if not update.imported]
    if reported:
        raise models.ProtectedError(
            "Progress updates are history: an action with officers' progress updates cannot be deleted.", reported
        )
    models.CASCADE(collector, field, sub_objs, using)


class ProgressUpdate(models.Model):
    """A dated progress narrative for an action. Append-only: history is never rewritten."""

    action = models.ForeignKey(Action, on_delete=keep_reported_progress, related_name="progress_updates")
    reported_on = models.DateField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    narrative = models.TextField()
    rag = models.CharField("RAG status", max_length=20, choices=RAG.choices, blank=True)
    percent_complete = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100, message="Percentage complete must be between 0 and 100.")],
    )
    # Slippage is recorded, never overwritten: the action keeps its original due date and the
    # latest revision here is its current one.
    revised_due_date = models.DateField("revised completion date", null=True, blank=True)
    revision_reason = models.TextField("reason for the revised date", blank=True)
    completed_on = models.DateField(null=True, blank=True)
    # True for the "current progress" text that came from the plan file: the importer owns it.
    imported = models.BooleanField(default=False)
    # The status as the paper worded it ("Good progress", "CCG progress"); `rag` holds what it means.
    status_text = models.CharField("status (as reported)", max_length=100, blank=True)
    # The action's version this update created (see Action.version).
    action_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    corrected_at = models.DateTimeField(null=True, blank=True)

    objects = ProgressUpdateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_on", "-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "-reported_on"])]

    def __str__(self):
        return f"{self.action.code} {self.reported_on:%d/%m/%Y}"

    def summary(self):
        """(label, value) pairs describing the update, for the audit trail."""
        return [
            ("RAG", self.get_rag_display() if self.rag else ""),
            ("Progress", self.narrative),
            ("Percentage complete", f"{self.percent_complete}%" if self.percent_complete is not None else ""),
            ("Revised completion date", self.revised_due_date.strftime("%-d %B %Y") if self.revised_due_date else ""),
            ("Reason", self.revision_reason),
        ]

    def can_be_corrected_by(self, user, now):
        """Authors may fix a typo in their own latest update for a short while; then it is history."""
        window = datetime.timedelta(minutes=settings.PROGRESS_CORRECTION_MINUTES)
        return (
            not self.imported
            and self.author_id == user.pk
            and now - self.created_at <= window
            and self.action.latest_update() == self
        )

    @property
    def author_display(self):
        if self.author is None:
            return "Author unknown"
        return self.author.get_full_name() or self.author.get_username()


@receiver([post_save, post_delete], sender=ProgressUpdate)
def _keep_action_progress(sender, instance, **kwargs):
    Action.objects.filter(pk=instance.action_id).refresh_progress()


@receiver(pre_delete, sender=ProgressUpdate)
def _refuse_deleting_reported_progress(sender, instance, **kwargs):
    """An officer's update is never deleted, even directly (ProgressUpdate.objects….delete())."""
    if not instance.imported:
        raise models.ProtectedError(
            f"Progress updates are history: {instance} by {instance.author_display} cannot be deleted.", [instance]
        )


# -- Overdue flags, reminders and digests (the daily jobs: actionplan/reminders.py, tasks.py) ----


class OverdueFlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(cleared_at__isnull=True)

    def refresh(self, on, now):
        """Flag every action overdue on `on` and clear the flags of those that no longer are.

        Set-based, in one transaction: one UPDATE clears, one INSERT … SELECT flags, whatever the
        number of actions. A flag is for one missed date: completing the action or revising its
        date clears it, and missing a revised date raises a new one. Returns (flagged, cleared).
        """
        overdue = Action.objects.overdue(on).order_by()
        with transaction.atomic():
            cleared = (
                self.open()
                .exclude(Exists(overdue.filter(pk=OuterRef("action_id"), current_due_date=OuterRef("due_date"))))
                .update(cleared_at=now)
            )
            new = overdue.exclude(Exists(OverdueFlag.objects.open().filter(action=OuterRef("pk")))).values(
                flag_action=F("pk"), flag_due_date=F("current_due_date")
            )
            select_sql, params = new.query.sql_with_params()
            table = connection.ops.quote_name(OverdueFlag._meta.db_table)
            with connection.cursor() as cursor:
                # ON CONFLICT: a second run at the same moment meets the one-open-flag index and
                # adds nothing, rather than failing.
                cursor.execute(
                    f"INSERT INTO {table} (action_id, due_date, flagged_at) "
                    f"SELECT overdue.flag_action, overdue.flag_due_date, %s FROM ({select_sql}) AS overdue "
                    "WHERE true ON CONFLICT DO NOTHING",
                    (now, *params),
                )
                flagged = cursor.rowcount
        return flagged, cleared


class OverdueFlag(models.Model):
    """An action became overdue: the due date it missed, when the job saw it, when it stopped being."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="overdue_flags")
    due_date = models.DateField("due date missed")
    flagged_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    objects = OverdueFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-flagged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["action"], condition=Q(cleared_at__isnull=True), name="one_open_overdue_flag"
            )
        ]

    def __str__(self):
        return f"{self.action.code} overdue since {self.overdue_since:%d/%m/%Y}"

    @property
    def overdue_since(self):
        """The first day the action was overdue: the day after the date it missed."""
        return self.due_date + datetime.timedelta(days=1)


class SentNotification(models.Model):
    """One reminder or escalation about one action to one owner, recorded so it is sent only once.

    `period` says which one: the due date for the 30/7/1-day reminders, the first day of the
    overdue week, staleness period or escalation month. A job claims a reminder by inserting its
    row (the unique constraint turns away a re-run, a retry or a second beat) and sends only what
    it claimed. A claim is a lease: one still without `sent_at` after LEASE belongs to a run that
    died (a crash, a hung mail server), and the next run claims it again and sends it.
    """

    LEASE = datetime.timedelta(minutes=15)

    class Kind(models.TextChoices):
        DUE_30 = "due_30", "Due within 30 days"
        DUE_7 = "due_7", "Due within 7 days"
        DUE_1 = "due_1", "Due tomorrow or today"
        OVERDUE = "overdue", "Overdue"
        STALE = "stale", "No recent progress update"
        ESCALATION = "escalation", "Overdue for more than 28 days (escalated)"

    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="notifications")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period = models.DateField()
    # The run that claimed it, and when (renewed just before its e-mail is sent); sent_at is set
    # once the e-mail went.
    claim = models.UUIDField(db_index=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["owner", "action", "kind", "period"], name="notify_once")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.action.code} to {self.owner.code}"


class BoardDigest(models.Model):
    """A digest of a plan's changes e-mailed to its plan admins; the next one starts where it ended."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="digests")
    sent_on = models.DateField()
    since = models.DateTimeField()
    until = models.DateTimeField()
    sent_to = models.TextField(blank=True)

    class Meta:
        ordering = ["-until"]
        get_latest_by = "until"
        constraints = [models.UniqueConstraint(fields=["plan", "sent_on"], name="one_digest_a_day")]

    def __str__(self):
        return f"{self.plan} digest {self.sent_on:%d/%m/%Y}"
