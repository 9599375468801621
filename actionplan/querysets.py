"""The QuerySets of actionplan, and the rules of an action's status as SQL.

ActionQuerySet is where delivery status, RAG, staleness, slippage and whose an action is are
decided, for pages, jobs, exports and reports alike. models.py imports this module, so the models
are imported inside the functions that need them.
"""

import datetime
from collections import defaultdict

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
from django.utils import timezone

from actionplan.status import RAG, DeliveryStatus, RagSummary


class PlanQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Plans `user` was given (any role) or owns an action in; all of them for a superuser."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from actionplan.models import Action, PlanMembership

        given = PlanMembership.objects.filter(user=user).values("plan")
        owned = Action.objects.updatable_by(user).values("plan")
        return self.filter(Q(pk__in=given) | Q(pk__in=owned))

    def administered_by(self, user):
        from actionplan.models import PlanMembership

        if user.is_superuser:
            return self
        return self.filter(memberships__user=user, memberships__role=PlanMembership.Role.ADMIN)

    def rag_summary(self, on):
        """RAG counts over every action of these plans on `on` (one query)."""
        from actionplan.models import Action

        return Action.objects.filter(plan__in=self.values("pk")).rag_summary(on)

    def with_rag_summaries(self, on):
        """These plans as a list, each with `.summary`: the RagSummary of its actions on `on`
        (empty for a plan with none). Two queries."""
        from actionplan.models import Action

        plans = list(self)
        found = Action.objects.filter(plan__in=[plan.pk for plan in plans]).rag_summary_by("plan", on)
        for plan in plans:
            plan.summary = found.get(plan.pk, RagSummary())
        return plans


class OwnerQuerySet(models.QuerySet):
    def people(self):
        return self.filter(kind=self.model.Kind.PERSON)

    def groups(self):
        return self.filter(kind=self.model.Kind.GROUP)

    def organisations(self):
        return self.filter(kind=self.model.Kind.ORGANISATION)


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
    from actionplan.models import Plan

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
    from actionplan.models import ProgressUpdate

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
    from actionplan.models import Action

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
        from actionplan.models import Plan

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
        responsible = self.model.responsible.through.objects
        accountable = self.model.accountable.through.objects
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
        return self.filter(Exists(self.model.delegates.through.objects.filter(action=OuterRef("pk"), user=user)))

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
        from actionplan.models import Plan

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
        from actionplan.models import OverdueFlag

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
        from actionplan.models import ProgressUpdate

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
    from actionplan.models import Owner

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


class ProgressUpdateQuerySet(models.QuerySet):
    def latest_per_action(self, as_at=None):
        """Only the newest update of each action, as it stood on `as_at` (one correlated subquery)."""
        newest = self.model.objects.filter(action=OuterRef("action"))
        if as_at is not None:
            newest = newest.filter(reported_on__lte=as_at)
        newest = newest.order_by("-reported_on", "-created_at", "-pk")
        return self.filter(pk=Subquery(newest.values("pk")[:1]))

    def imported(self):
        return self.filter(imported=True)


class OverdueFlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(cleared_at__isnull=True)

    def refresh(self, on, now):
        """Flag every action overdue on `on` and clear the flags of those that no longer are.

        Set-based, in one transaction: one UPDATE clears, one INSERT … SELECT flags, whatever the
        number of actions. A flag is for one missed date: completing the action or revising its
        date clears it, and missing a revised date raises a new one. Returns (flagged, cleared).
        """
        from actionplan.models import Action

        overdue = Action.objects.overdue(on).order_by()
        with transaction.atomic():
            cleared = (
                self.open()
                .exclude(Exists(overdue.filter(pk=OuterRef("action_id"), current_due_date=OuterRef("due_date"))))
                .update(cleared_at=now)
            )
            new = overdue.exclude(Exists(self.model.objects.open().filter(action=OuterRef("pk")))).values(
                flag_action=F("pk"), flag_due_date=F("current_due_date")
            )
            select_sql, params = new.query.sql_with_params()
            table = connection.ops.quote_name(self.model._meta.db_table)
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
