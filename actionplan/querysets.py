"""The QuerySets of actionplan, and the rules of an action's status as SQL.

ActionQuerySet is where delivery status, RAG, staleness, slippage and whose an action is are
decided, for pages, jobs, exports and reports alike. models.py imports this module, so the models
are imported inside the functions that need them.
"""

from __future__ import annotations

import datetime
import functools
import operator
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Self, TypeVar

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
from django.db.models.expressions import Expression
from django.db.models.functions import Cast, Coalesce, NullIf

from actionplan.search import search_words
from actionplan.status import RAG, DeliveryStatus, RagSummary, ReturnStatus, ReturnSummary

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from actionplan.models import (  # noqa: F401 (QuerySet bases)
        Action,
        ApiToken,
        MeetingPaper,
        OverdueFlag,
        Owner,
        Plan,
        ProgressUpdate,
        UpdateRound,
    )
    from partnerships.models import Organisation

    AnyUser = User | AnonymousUser

# Owner pks or owners (counted_owners works on either).
Owned = TypeVar("Owned", bound=Collection[Any])


# What tally_by_owner adds up: each has GROUPS (the annotations it counts) and add().
Summary = TypeVar("Summary", RagSummary, ReturnSummary)


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, user: AnyUser) -> Self:
        """Plans `user` was given (any role), owns an action in, or assures as a board's admin
        (through its sub-boards too); all of them for a superuser."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from actionplan.models import Action, PlanMembership
        from partnerships.models import Partnership

        given = PlanMembership.objects.filter(user=user).values("plan")
        owned = Action.objects.updatable_by(user).values("plan")
        assured = Partnership.objects.administered_by(user).values("pk")
        return self.filter(Q(pk__in=given) | Q(pk__in=owned) | Q(board__in=assured))

    def administered_by(self, user: AnyUser) -> Self:
        from actionplan.models import PlanMembership

        if user.is_superuser:
            return self
        return self.filter(memberships__user=user, memberships__role=PlanMembership.Role.ADMIN)

    def published(self) -> Self:
        """Plans whose admins chose to publish them: public pages, and the API without a token."""
        return self.filter(is_published=True)

    def readable_by(self, user: AnyUser) -> Self:
        """What `user` may read through the API and the action filters: signed in, the plans
        visible_to them (in full, as their pages show them); signed out, the published plans (as
        their public pages show them)."""
        return self.visible_to(user) if user.is_authenticated else self.published()

    def publishable_by(self, user: AnyUser) -> Self:
        """Plans `user` may publish or withdraw: their plan admins, the admins of the board that
        assures them (through its parent boards too), and superusers."""
        if not user.is_authenticated:
            return self.none()
        from partnerships.models import Partnership

        assured = Partnership.objects.administered_by(user).values("pk")
        return self.filter(Q(pk__in=self.administered_by(user).values("pk")) | Q(board__in=assured))

    def rag_summary(self, on: datetime.date) -> RagSummary:
        """RAG counts over every action of these plans on `on` (one query)."""
        from actionplan.models import Action

        return Action.objects.filter(plan__in=self.values("pk")).rag_summary(on)

    def with_rag_summaries(self, on: datetime.date) -> list[Plan]:
        """These plans as a list, each with `.summary`: the RagSummary of its actions on `on`
        (empty for a plan with none), and `.frozen_paper`: the published plan progress paper for
        a meeting on `on` whose snapshot that summary was read from (None: worked out). Three or
        four queries."""
        from actionplan.models import Action, MeetingPaper

        plans = list(self)
        frozen = MeetingPaper.objects.frozen_for([plan.pk for plan in plans], on)
        found: dict[Any, RagSummary] = {}
        if frozen:
            found |= Action.objects.filter(plan__in=list(frozen)).rag_summary_by("plan", on, frozen.values())
        if rest := [plan.pk for plan in plans if plan.pk not in frozen]:
            found |= Action.objects.filter(plan__in=rest).rag_summary_by("plan", on)
        for plan in plans:
            plan.summary = found.get(plan.pk, RagSummary())
            plan.frozen_paper = frozen.get(plan.pk)
        return plans


class OwnerQuerySet(models.QuerySet["Owner"]):
    def people(self) -> Self:
        return self.filter(kind=self.model.Kind.PERSON)

    def groups(self) -> Self:
        return self.filter(kind=self.model.Kind.GROUP)

    def named_in(self, plans: models.QuerySet[Plan]) -> Self:
        """Owners accountable or responsible for an action of `plans` (a Plan queryset): the
        people a reader of those plans may see listed, and no one from a plan they cannot see."""
        from actionplan.models import Action

        actions = Action.objects.filter(plan__in=plans)
        return self.filter(Q(pk__in=actions.values("accountable")) | Q(pk__in=actions.values("responsible")))

    def identified_by(self, text: str) -> list[Owner]:
        """The owners `text` names, as a person would type them: the code exactly ("DHa"); else the
        code in any case ("kt"), where that names one owner ("dh" could be DHa or DHe: both are
        returned, for the caller to ask which); else the name in any case ("Kate Terroni").
        Codes are case-sensitive identifiers, so an exact match always wins."""
        text = " ".join(str(text).split())
        if not text:
            return []
        for lookup in ("code", "code__iexact", "name__iexact"):
            found = list(self.filter(**{lookup: text}))
            if found:
                return found
        return []


# -- The rules of an action's status on a date `on` ------------------------------------------
# Every page, job, export and report asks ActionQuerySet.with_rag(on) (or with_delivery_status(on))
# and reads its annotations; nothing else decides a colour, a delivery status, staleness,
# slippage, an exception or whose an action is.

# Due soon with no progress update this recent makes an action Amber.
RECENT_UPDATE_DAYS = 30

# Newest first: which progress update is an action's latest (also ProgressUpdate's ordering).
LATEST_FIRST = ("-reported_on", "-created_at", "-pk")


class StatusRules:
    """The rules of an action's status on date `on`, each a named condition on with_progress()
    annotations, read from one query: the windows each plan chose, and whether any progress is
    reported after `on`.

    Delivery status is the first of complete, no_date, overdue, due_soon that holds, otherwise on
    track; the derived RAG is Complete, else Red where `red` holds, else Amber where `amber`
    holds, else Green. So a condition may take the ones before it as not holding.
    """

    def __init__(self, on: datetime.date) -> None:
        from actionplan.models import Action, Plan

        self.on = on
        chosen = list(
            Plan.objects.order_by()
            .annotate(reported_after=Exists(Action.objects.filter(progress_reported_on__gt=on)))
            .values_list("due_soon_days", "stale_after_days", "reported_after")
            .distinct()
        )
        # With nothing reported after `on`, what every action's updates say on `on` is what they
        # say now: the copy kept on each action (refresh_progress) is the picture.
        self.progress_is_current = not any(reported_after for *_, reported_after in chosen)
        due_soon_until = _plan_window(on, "due_soon_days", +1, {row[0] for row in chosen})
        stale_unless_since = _plan_window(on, "stale_after_days", -1, {row[1] for row in chosen})

        self.complete = Q(latest_rag=RAG.COMPLETE)
        self.no_date = Q(current_due_date__isnull=True)
        self.overdue = Q(current_due_date__lt=on)
        self.due_soon = Q(current_due_date__lte=due_soon_until)
        self.red = self.overdue
        self.amber = self.due_soon & _not_reported_since(on - datetime.timedelta(days=RECENT_UPDATE_DAYS))
        # Stale and slipped are never said of a complete action.
        self.stale = _not_reported_since(stale_unless_since)
        self.slipped = Q(revised_due_date__gt=F("due_date"))

    def delivery_statuses(self) -> dict[DeliveryStatus, Q]:
        """{DeliveryStatus: condition}, in the order they are tried."""
        return {
            DeliveryStatus.COMPLETE: self.complete,
            DeliveryStatus.NO_DATE: self.no_date,
            DeliveryStatus.OVERDUE: self.overdue,
            DeliveryStatus.DUE_SOON: self.due_soon,
        }


def _not_reported_since(day: datetime.date | Expression) -> Q:
    return Q(last_reported_on__isnull=True) | Q(last_reported_on__lt=day)


def _plan_window(on: datetime.date, days_field: str, direction: int, chosen: set[int]) -> Expression:
    """`on` moved by the action's plan's `days_field` days (+1 later, -1 earlier), as a date
    expression: a constant where every plan chose the same (`chosen`: the distinct values),
    otherwise one CASE on the action's plan over the few values chosen."""
    from actionplan.models import Plan

    field = Plan._meta.get_field(days_field)
    assert isinstance(field, models.Field)
    default = field.default
    days = sorted(chosen) or [default]

    def moved(by: int) -> Value:
        return Value(on + direction * datetime.timedelta(days=by), output_field=DateField())

    if len(days) == 1:
        return moved(days[0])
    return Case(*[When(**{f"plan__{days_field}": d}, then=moved(d)) for d in days], default=moved(default))


# The annotations of with_rag() besides `on`: what a published paper freezes for each action
# (ActionSnapshot's fields) and the dashboard reads back on that meeting's date.
PICTURE = (
    "latest_rag",
    "last_reported_on",
    "revised_due_date",
    "completed_on",
    "current_due_date",
    "delivery_status",
    "derived_rag",
    "rag",
    "rag_disagrees",
    "is_stale",
    "has_slipped",
)


# What a board is asked to look at, by name: conditions on ActionQuerySet.with_rag() annotations
# ("overdue" needs only with_delivery_status()). None of them holds for a complete action. The
# board report lists actions that are any of them; the board's exception report lists the overdue
# and the slipped; the dashboard lists and counts the overdue, slipped and stale.
EXCEPTIONS: dict[str, Q] = {
    "red": Q(rag=RAG.RED),
    "overdue": Q(delivery_status=DeliveryStatus.OVERDUE),
    "slipped": Q(has_slipped=True),
    "stale": Q(is_stale=True),
}


def _latest_updates(on: datetime.date | None) -> dict[str, ProgressUpdateQuerySet]:
    """{which: an action's (OuterRef("pk")) updates of that kind, newest first}: "update" (any),
    "revision" (giving a revised due date) and "completion" (saying Complete), as they stood on
    `on` (None: all of them)."""
    from actionplan.models import ProgressUpdate

    latest = ProgressUpdate.objects.filter(action=OuterRef("pk")).reported_by(on).newest_first()
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


def _latest_progress() -> dict[str, Subquery]:
    """What each action's progress updates say, as one subquery per annotation: what
    refresh_progress() writes (an UPDATE cannot join)."""
    latest = _latest_updates(None)
    return {name: Subquery(latest[which].values(field)[:1]) for name, (which, field) in PROGRESS_FROM.items()}


def _latest_progress_joined(on: datetime.date) -> tuple[dict[str, FilteredRelation], dict[str, F]]:
    """What each action's progress updates said on `on`, read through a join to each action's
    latest update (and latest revision, latest completion): {alias: FilteredRelation},
    {annotation: column}.

    The RAG rules read these values a dozen times; a subquery would run again for each, a
    joined column is fetched once per action."""
    joins = {
        f"{which}_on": FilteredRelation(
            "progress_updates", condition=Q(progress_updates__pk=Subquery(updates.values("pk")[:1]))
        )
        for which, updates in _latest_updates(on).items()
    }
    return joins, {name: F(f"{which}_on__{field}") for name, (which, field) in PROGRESS_FROM.items()}


# The fields of a progress update that its action's copy of its latest progress depends on.
PROGRESS_FIELDS = frozenset(
    [field for _, field in PROGRESS_FROM.values()] + [name.lstrip("-") for name in LATEST_FIRST] + ["action"]
)

# with_progress() annotation → the Action field that keeps it for the current picture.
PROGRESS_CACHE = {
    "latest_rag": "progress_rag",
    "last_reported_on": "progress_reported_on",
    "revised_due_date": "progress_revised_due_date",
    "completed_on": "progress_completed_on",
}


# -- Whose an action is -----------------------------------------------------------------------
# The rule: an action's owners in a role ("accountable" or "responsible") are those it names; a
# sub-action that names none in that role has its key action's. An owner's organisation counts
# through the responsible owners the rule gives. owners_of() says it of fetched actions,
# counted_owners() of ids (the per-owner counts), _counted_under() in SQL (the filters).


def counted_owners(own: Owned, key_actions: Owned) -> Owned:
    """The owners an action counts under in a role, from those it names itself (`own`) and its
    key action's (`key_actions`, empty for a key action): its own, else its key action's."""
    return own if own else key_actions


def owners_of(action: Action, role: str) -> list[Owner]:
    """The owners of a fetched action in `role`, as a list (the rule above). Reads what
    with_owners() / prefetch_owners() fetched; otherwise asks the database."""
    own = _named(action, role)
    # The key action's are only looked at when they count: they may not have been fetched.
    key_action = None if own else action.parent
    return counted_owners(own, _named(key_action, role) if key_action else [])


def inherits_owners(action: Action, role: str) -> bool:
    """Whether the action's owners in `role` are its key action's (it names none itself)."""
    return action.parent_id is not None and not _named(action, role)


def _named(action: Action, role: str) -> list[Owner]:
    # prefetch_owners() leaves plain lists; otherwise ask the related manager (prefetched or not).
    fetched = getattr(action, f"fetched_{role}", None)
    return fetched if fetched is not None else list(getattr(action, role).all())


def _names_own(role: str) -> Exists:
    """Condition: the action names owners of its own in `role`."""
    from actionplan.models import Action

    return Exists(getattr(Action, role).through.objects.filter(action=OuterRef("pk")))


def _counted_under(role: str, owners: Iterable[int] | models.QuerySet[Owner]) -> Q:
    """Condition: one of `owners` (Owner pks, or an Owner queryset) is among the action's owners in `role`
    (the rule above)."""
    from actionplan.models import Action

    named = getattr(Action, role).through.objects
    return Exists(named.filter(action=OuterRef("pk"), owner__in=owners)) | (
        ~_names_own(role) & Exists(named.filter(action=OuterRef("parent"), owner__in=owners))
    )


class ActionQuerySet(models.QuerySet["Action"]):
    def visible_to(self, user: AnyUser) -> Self:
        """Actions in the plans `user` may see (Plan.objects.visible_to)."""
        from actionplan.models import Plan

        return self.filter(plan__in=Plan.objects.visible_to(user).values("pk"))

    def key_actions(self) -> Self:
        return self.filter(parent__isnull=True)

    def sub_actions(self) -> Self:
        return self.filter(parent__isnull=False)

    def no_date_set(self) -> Self:
        return self.filter(due_date__isnull=True)

    def accountable_is(self, owner: Owner) -> Self:
        """Actions `owner` is accountable for (owners_of: sub-actions naming none count as their key action's)."""
        return self.filter(_counted_under("accountable", [owner.pk]))

    def responsible_is(self, owner: Owner) -> Self:
        """Actions `owner` is responsible for (owners_of: sub-actions naming none count as their key action's)."""
        return self.filter(_counted_under("responsible", [owner.pk]))

    def responsible_organisation_is(self, organisation: Organisation) -> Self:
        """Actions whose responsible owners (owners_of) include one of `organisation`'s."""
        from actionplan.models import Owner

        return self.filter(_counted_under("responsible", Owner.objects.filter(organisation=organisation)))

    def matching(self, text: str) -> Self:
        """Actions in which every word of `text` starts a word of the code, title or description,
        of a progress narrative, or of the code or name of an owner (owners_of: a sub-action naming
        none in a role is found by its key action's). Words as actionplan.search reads them."""
        from actionplan.models import Owner, ProgressUpdate

        words = search_words(text)
        if not words:
            return self
        conditions = []
        for word in words:
            owners = Owner.objects.filter(search_document__word_prefix=word)
            narratives = ProgressUpdate.objects.filter(action=OuterRef("pk"), search_document__word_prefix=word)
            conditions.append(
                Q(search_document__word_prefix=word)
                | Exists(narratives)
                | _counted_under("accountable", owners)
                | _counted_under("responsible", owners)
            )
        return self.filter(functools.reduce(operator.and_, conditions))

    def owned_by(self, user: User) -> Self:
        """Actions the user's person is accountable or responsible for (owners_of)."""
        from actionplan.models import Owner

        person = Owner.objects.filter(user=user)
        return self.filter(_counted_under("accountable", person) | _counted_under("responsible", person))

    def rag_summaries_by_owner(self, on: datetime.date) -> dict[str, dict[int, RagSummary]]:
        """{"accountable": {owner pk: RagSummary}, "responsible": {owner pk: …}, "organisation":
        {organisation pk: …}}: the RAG picture on `on` of the actions each owner is accountable or
        responsible for (counted_owners), and of those each organisation's people are responsible
        for. An action with two owners counts once for each. One query (tally_by_owner)."""
        return self.with_rag(on).tally_by_owner(RagSummary)

    def tally_by_owner(
        self, summary: type[Summary], pictures: dict[int, tuple[Any, ...]] | None = None
    ) -> dict[str, dict[int, Summary]]:
        """{"accountable": {owner pk: summary}, "responsible": {…}, "organisation": {organisation
        pk: …}} of these actions, each counted by the annotations `summary.GROUPS` under the owners
        it counts under (counted_owners) and their organisations. One query: each action's values
        beside its own and its key action's owners, added up here.

        `pictures`: {action pk: its values of summary.GROUPS}, when the caller has read them; the
        owners are then read alone, without working the values out again for every combination
        of owners the joins repeat an action for."""
        size = 0 if pictures is not None else len(summary.GROUPS)
        rows = self.order_by().values_list(
            "pk",
            *summary.GROUPS[:size],
            "accountable",
            "parent__accountable",
            "responsible",
            "parent__responsible",
            "responsible__organisation",
            "parent__responsible__organisation",
        )
        # The joins repeat an action once per combination of its owners: gather them as sets.
        read = pictures is None
        pictures = {} if pictures is None else pictures
        named: defaultdict[int, defaultdict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
        for pk, *row in rows:
            if read:
                pictures[pk] = tuple(row[:size])
            accountable, key_accountable, responsible, key_responsible, organisation, key_organisation = row[size:]
            for name, owner in [
                ("accountable", accountable),
                ("key accountable", key_accountable),
                ("responsible", (responsible, organisation)),
                ("key responsible", (key_responsible, key_organisation)),
            ]:
                if owner not in (None, (None, None)):
                    named[pk][name].add(owner)
        found: dict[str, defaultdict[int, Summary]] = {
            name: defaultdict(summary) for name in ("accountable", "responsible", "organisation")
        }
        for pk, picture in pictures.items():
            owners = named[pk]
            responsible = counted_owners(owners["responsible"], owners["key responsible"])
            counted = {
                "accountable": counted_owners(owners["accountable"], owners["key accountable"]),
                "responsible": {owner for owner, _ in responsible},
                "organisation": {organisation for _, organisation in responsible if organisation is not None},
            }
            for name, pks in counted.items():
                for owner in pks:
                    found[name][owner].add(picture, 1)
        return {name: dict(summaries) for name, summaries in found.items()}

    def accountable_to(self, user: AnyUser) -> Self:
        """Actions the user's own person is accountable for (owners_of)."""
        from actionplan.models import Owner

        return self.filter(_counted_under("accountable", Owner.objects.filter(user=user.pk)))

    def signable_by(self, user: AnyUser) -> Self:
        """Actions whose officers' updates `user` may sign off: their person is accountable for
        them (owners_of), or an accountable owner named them as a sign-off delegate. Whether they
        may sign off their own update is ProgressUpdate.sign_off_refusal's."""
        from actionplan.models import Owner

        if not user.is_authenticated:
            return self.none()
        signers = Owner.objects.filter(Q(user=user) | Q(sign_off_delegates=user))
        return self.filter(_counted_under("accountable", signers), plan__sign_off_required=True)

    def in_round(self, update_round: UpdateRound) -> Self:
        """The actions of an update round (RoundAction: not complete on its opening date)."""
        from actionplan.models import RoundAction

        return self.filter(Exists(RoundAction.objects.filter(round=update_round, action=OuterRef("pk"))))

    def with_return_status(self, update_round: UpdateRound) -> Self:
        """Annotate where each action stands in `update_round` (ReturnRules): `return_status` (a
        ReturnStatus value) and `return_comment` (the signer's, on the update that counts for the
        round, when it was returned)."""
        rules = ReturnRules(update_round)
        return self.alias(
            round_return=FilteredRelation(
                "progress_updates", condition=Q(progress_updates__pk=Subquery(rules.returns.values("pk")[:1]))
            )
        ).annotate(
            return_comment=F("round_return__return_comment"),
            return_status=Case(
                *[When(condition, then=Value(status)) for status, condition in rules.statuses().items()],
                default=Value(ReturnStatus.AWAITING_SIGN_OFF),
            ),
        )

    def returned_as(self, statuses: Iterable[str]) -> Self:
        """Those of these actions (annotated by with_return_status) in any of `statuses`."""
        return self.filter(return_status__in=list(statuses))

    def delegated_to(self, user: User) -> Self:
        return self.filter(Exists(self.model.delegates.through.objects.filter(action=OuterRef("pk"), user=user)))

    def mine(self, user: User) -> Self:
        """What "My actions" lists: owned by the user's person, or delegated to the user."""
        return self.owned_by(user) | self.delegated_to(user)

    def updatable_by(self, user: AnyUser) -> Self:
        """Actions the user may add progress updates to."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.mine(user) | self.editable_by(user)

    def editable_by(self, user: AnyUser) -> Self:
        """Actions the user may edit (title, owners, dates, delegation): plan admins and superusers."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from actionplan.models import Plan

        return self.filter(plan__in=Plan.objects.administered_by(user).values("pk"))

    def with_progress(self, on: datetime.date | None = None, rules: StatusRules | None = None) -> Self:
        """Annotate what the progress updates say, as they stood on `on` (None: all of them).

        latest_rag, last_reported_on, revised_due_date (the latest revision), completed_on (when
        the latest update says Complete) and current_due_date (revised, else original). Where
        nothing is reported after `on` this reads the copy kept on each action (refresh_progress);
        otherwise it asks the updates. (`rules`: StatusRules(on), when the caller has them.)
        """
        actions = self
        if on is None or (rules or StatusRules(on)).progress_is_current:
            latest = {name: F(field) for name, field in PROGRESS_CACHE.items()}
        else:
            joins, latest = _latest_progress_joined(on)
            actions = actions.alias(**joins)
        return actions.annotate(**latest).annotate(current_due_date=Coalesce("revised_due_date", "due_date"))

    def refresh_progress(self) -> int:
        """Copy what the latest progress updates say onto these actions, for with_progress().
        ProgressUpdate.save() and delete() call it; after a bulk_create, call it yourself."""
        return self.update(**{PROGRESS_CACHE[name]: value for name, value in _latest_progress().items()})

    def with_delivery_status(self, on: datetime.date, rules: StatusRules | None = None) -> Self:
        """Annotate `on` and `delivery_status` (a DeliveryStatus value) as it stood on date `on`.

        Complete if the latest update says so; else no date; else overdue once the current due
        date has passed; due soon within the plan's due_soon_days; otherwise on track.
        (`rules`: StatusRules(on), when the caller has them.)
        """
        rules = rules or StatusRules(on)
        return self.with_progress(on, rules).annotate(
            on=Value(on, output_field=DateField()),
            delivery_status=Case(
                *[When(condition, then=Value(status)) for status, condition in rules.delivery_statuses().items()],
                default=Value(DeliveryStatus.ON_TRACK),
            ),
        )

    def with_rag(self, on: datetime.date, frozen: Collection[int] = ()) -> Self:
        """Annotate the RAG picture on date `on` (StatusRules): `on`, delivery_status, plus

        derived_rag: Complete; Overdue → Red; Due soon with no update in the last
            RECENT_UPDATE_DAYS → Amber; else Green.
        rag: the latest update's RAG where the officer gave one, else the derived one.
        rag_disagrees: the officer's RAG is rosier than the derived one (Green or Amber where
            the dates say Red, Green where they say Amber).
        is_stale: not complete and no update for more than the plan's stale_after_days.
        has_slipped: not complete, and the revised completion date is later than the original.

        On a queryset that already has the picture on `on` this adds nothing, so a page can
        annotate once and count, list and filter from the same queryset cheaply.

        `frozen`: published plan progress papers (MeetingPaper pks) for a meeting on `on`. Their
        actions' pictures are read from what the papers froze (ActionSnapshot), as fast as today's,
        and only the actions a paper froze are in the queryset: the rules are not applied again.
        """
        if self.has_rag(on):
            return self
        if frozen:
            return self.with_frozen_picture(on, frozen)
        # Conditions, not references to other annotations, so the SQL stays small: Django
        # writes a referenced annotation out again in full each time (and compiles it again).
        rules = StatusRules(on)
        derived = Case(
            When(rules.complete, then=Value(RAG.COMPLETE)),
            When(rules.red, then=Value(RAG.RED)),
            When(rules.amber, then=Value(RAG.AMBER)),
            default=Value(RAG.GREEN),
        )
        return self.with_delivery_status(on, rules).annotate(
            derived_rag=derived,
            rag=Coalesce(NullIf("latest_rag", Value("")), derived),
            # Officer Green or Amber is never Complete, so the derived RAG is Red or Amber exactly
            # when `red` or `amber` holds.
            rag_disagrees=Case(
                When(Q(latest_rag=RAG.GREEN) & (rules.red | rules.amber), then=Value(True)),
                When(Q(latest_rag=RAG.AMBER) & rules.red, then=Value(True)),
                default=Value(False),
            ),
            is_stale=Case(
                When(rules.complete, then=Value(False)),
                When(rules.stale, then=Value(True)),
                default=Value(False),
            ),
            has_slipped=Case(
                When(rules.complete, then=Value(False)),
                When(rules.slipped, then=Value(True)),
                default=Value(False),
            ),
        )

    def with_frozen_picture(self, on: datetime.date, papers: Collection[int]) -> Self:
        """with_rag(on)'s annotations as the plan progress papers `papers` froze them (see with_rag)."""
        snapshot = FilteredRelation("snapshots", condition=Q(snapshots__paper__in=list(papers)))
        return (
            self.alias(frozen=snapshot)
            .filter(frozen__isnull=False)
            .annotate(on=Value(on, output_field=DateField()), **{name: F(f"frozen__{name}") for name in PICTURE})
        )

    def has_rag(self, on: datetime.date) -> bool:
        """Whether with_rag(on) has been applied to this queryset."""
        annotated_on = self.query.annotations.get("on")
        return "rag" in self.query.annotations and getattr(annotated_on, "value", None) == on

    def exceptions(self, *kinds: str) -> Self:
        """Those of these actions (annotated by with_rag) that are any of `kinds`, names in
        EXCEPTIONS (default: any of them)."""
        return self.filter(functools.reduce(operator.or_, (EXCEPTIONS[kind] for kind in kinds or EXCEPTIONS)))

    def overdue(self, on: datetime.date) -> Self:
        return self.with_delivery_status(on).exceptions("overdue")

    def stale(self, on: datetime.date) -> Self:
        return self.with_rag(on).exceptions("stale")

    def slipped(self, on: datetime.date) -> Self:
        return self.with_rag(on).exceptions("slipped")

    def complete(self, on: datetime.date) -> Self:
        return self.with_delivery_status(on).filter(delivery_status=DeliveryStatus.COMPLETE)

    def not_complete(self, on: datetime.date) -> Self:
        return self.with_delivery_status(on).exclude(delivery_status=DeliveryStatus.COMPLETE)

    def with_overdue_since(self) -> Self:
        """Annotate `overdue_since`: the first day overdue, from the open OverdueFlag (None if none)."""
        from actionplan.models import OverdueFlag

        missed = OverdueFlag.objects.open().filter(action=OuterRef("pk")).values("due_date")[:1]
        return self.annotate(overdue_since=Cast(Subquery(missed) + datetime.timedelta(days=1), DateField()))

    def rag_summary(self, on: datetime.date) -> RagSummary:
        """How many of these actions are Red, Amber, Green, Complete, Not started on `on`, and how
        many are overdue, due soon, undated, stale, slipped or reported rosier than their dates
        (one query)."""
        return self._summaries_by(None, on).get(None, RagSummary())

    def rag_summary_by(self, field: str, on: datetime.date, frozen: Collection[int] = ()) -> dict[Any, RagSummary]:
        """{value of `field`: RagSummary}, e.g. rag_summary_by("priority", on), in one query
        (`frozen`: as with_rag's)."""
        return self._summaries_by(F(field), on, frozen)

    def _summaries_by(self, key: F | None, on: datetime.date, frozen: Collection[int] = ()) -> dict[Any, RagSummary]:
        # Group by the RAG picture's few annotations (each compiled once) and add up in Python:
        # a COUNT(FILTER …) per figure would repeat the whole RAG expression a dozen times.
        keys = [] if key is None else [key]
        rows = self.with_rag(on, frozen).order_by().values_list(*RagSummary.GROUPS, *keys).annotate(n=Count("pk"))
        size = len(RagSummary.GROUPS)
        summaries: defaultdict[Any, RagSummary] = defaultdict(RagSummary)
        for row in rows:
            group = row[size] if keys else None
            if not keys or group is not None:
                summaries[group].add(row[:size], row[-1])
        return dict(summaries)

    def with_owners(self) -> Self:
        """Fetch with each action what owners_of() reads."""
        return self.select_related("parent").prefetch_related(*_owner_lookups())

    def for_display(self, on: datetime.date | None = None) -> Self:
        """Everything a page shows for each action (its latest update as it stood on `on`,
        None: its latest), in a fixed number of queries."""
        from actionplan.models import ProgressUpdate

        # With who signed each off: the pages and papers say so beside the narrative.
        latest = ProgressUpdate.objects.latest_per_action(on).select_related("signed_off_by")
        return (
            self.with_owners()
            .select_related("priority")
            .prefetch_related(
                "milestones",
                Prefetch("progress_updates", latest, to_attr="latest_updates"),
            )
        )


class ReturnRules:
    """Where an action stands in an update round: each ReturnStatus a condition on the action and
    the update that counts for the round (its `returns`' latest, joined as `round_return`), tried
    in order; otherwise awaiting sign-off.

    The update that counts: the latest officer's update (not the plan file's, not a board
    decision's) reported from the opening date to the meeting. Not required: the action is
    complete and either the board closed it or no officer's update is waiting on a sign-off.
    """

    def __init__(self, update_round: UpdateRound) -> None:
        from actionplan.models import BoardDecision, ProgressUpdate

        self.returns = (
            ProgressUpdate.objects.filter(action=OuterRef("pk"))
            .officers()
            .filter(reported_on__gte=update_round.opens_on, reported_on__lte=update_round.closes_on)
            .newest_first()
        )
        # Complete now: what the latest update says, as kept on the action (with_progress).
        complete = Q(**{PROGRESS_CACHE["latest_rag"]: RAG.COMPLETE})
        closed = Exists(BoardDecision.objects.filter(action=OuterRef("pk"), kind=BoardDecision.Kind.CLOSE))
        no_return = Q(round_return__pk__isnull=True)
        self.conditions = {
            ReturnStatus.NOT_REQUIRED: complete & (closed | no_return),
            ReturnStatus.AWAITING_UPDATE: no_return,
            ReturnStatus.SIGNED_OFF: Q(round_return__signed_off_at__isnull=False),
            ReturnStatus.RETURNED: Q(round_return__returned_at__isnull=False),
            ReturnStatus.UPDATED: Q(plan__sign_off_required=False),
        }

    def statuses(self) -> dict[ReturnStatus, Q]:
        """{ReturnStatus: condition}, in the order they are tried (AWAITING_SIGN_OFF otherwise)."""
        return self.conditions


def _owner_lookups(as_lists: bool = False) -> list[Prefetch]:
    """Prefetches of each action's and its key action's owners, kept in the related managers or,
    `as_lists`, as plain lists (`fetched_<role>`, which _named reads)."""
    from actionplan.models import Owner

    return [
        Prefetch(
            lookup,
            # The user: owners' e-mail addresses include their sign-in's (reminders).
            Owner.objects.select_related("organisation", "user"),
            to_attr=f"fetched_{lookup.split('__')[-1]}" if as_lists else None,
        )
        for lookup in ("accountable", "responsible", "parent__accountable", "parent__responsible")
    ]


def prefetch_owners(actions: Sequence[Action]) -> None:
    """What owners_of() reads, for actions already fetched (with their parent), e.g. several
    short lists at once. Kept as plain lists: much cheaper than filling every action's related
    managers."""
    prefetch_related_objects(actions, *_owner_lookups(as_lists=True))


class ProgressUpdateQuerySet(models.QuerySet["ProgressUpdate"]):
    def reported_by(self, on: datetime.date | None) -> Self:
        """The updates reported on or before `on` (None: all of them)."""
        return self if on is None else self.filter(reported_on__lte=on)

    def newest_first(self) -> Self:
        return self.order_by(*LATEST_FIRST)

    def latest_per_action(self, on: datetime.date | None = None) -> Self:
        """Only the newest update of each action, as it stood on `on` (one correlated subquery)."""
        newest = self.model.objects.filter(action=OuterRef("action")).reported_by(on).newest_first()
        return self.filter(pk=Subquery(newest.values("pk")[:1]))

    def imported(self) -> Self:
        return self.filter(imported=True)

    def public(self) -> Self:
        """The updates a published plan shows publicly: those the plan file brought (a published
        paper's own words), those signed off by the accountable owner, those written for a board's
        decision, and every update of a plan that asks for no sign-off. Never a draft: in a plan
        that asks for sign-off, an officer's update awaiting (or returned from) it stays on the
        signed-in pages."""
        return self.filter(
            Q(imported=True)
            | Q(signed_off_at__isnull=False)
            # A board's decision is minuted in public; a plan that asks no sign-off publishes as reported.
            | Q(decision__isnull=False)
            | Q(action__plan__sign_off_required=False)
        )

    def latest_public_per_action(self, on: datetime.date | None = None) -> Self:
        """The newest public() update of each action, as it stood on `on` (one correlated subquery)."""
        newest = self.model.objects.public().filter(action=OuterRef("action")).reported_by(on).newest_first()
        return self.public().filter(pk=Subquery(newest.values("pk")[:1]))

    def officers(self) -> Self:
        """Officers' updates (ProgressUpdate.is_officers), newest first: not the plan file's text,
        not written for a board decision."""
        return self.filter(imported=False, decision__isnull=True).newest_first()

    def awaiting_sign_off_by(self, user: AnyUser) -> Self:
        """The updates waiting for `user` to sign them off: each action's latest officer's update
        where `user` may sign off (ActionQuerySet.signable_by, ProgressUpdate.sign_off_refusal),
        neither signed off nor returned. One query."""
        from actionplan.models import Action

        latest = self.model.objects.filter(action=OuterRef("action")).officers()
        waiting = self.filter(
            pk=Subquery(latest.values("pk")[:1]),
            action__in=Action.objects.signable_by(user).values("pk"),
            signed_off_at__isnull=True,
            returned_at__isnull=True,
        )
        # Their own only where they are accountable themselves and the plan allows it.
        own_allowed = Q(action__plan__self_sign_off_allowed=True) & Q(
            action__in=Action.objects.accountable_to(user).values("pk")
        )
        return waiting.filter(~Q(author=user.pk) | own_allowed)


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> Self:
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def for_secret(self, secret: str) -> ApiToken | None:
        """The active token whose digest this secret has, with its user; None if there is none."""
        return self.active().select_related("user").filter(digest=self.model.digest_of(secret)).first()


class OverdueFlagQuerySet(models.QuerySet["OverdueFlag"]):
    def open(self) -> Self:
        return self.filter(cleared_at__isnull=True)

    def refresh(self, on: datetime.date, now: datetime.datetime) -> tuple[int, int]:
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
                # current_due_date: an annotation of with_progress(), which the type stubs cannot see.
                .exclude(Exists(overdue.filter(pk=OuterRef("action_id"), current_due_date=OuterRef("due_date"))))  # type: ignore[misc]
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


class MeetingPaperQuerySet(models.QuerySet["MeetingPaper"]):
    def published(self) -> Self:
        return self.filter(status="published")

    def public(self) -> Self:
        """Published papers anyone may read: the progress papers of published plans. A board's
        exception and performance reports also report outcomes and indicators, which have no
        public switch, so they stay for signed-in readers."""
        return self.published().filter(kind="plan_progress", plan__is_published=True)

    def frozen_for(self, plans: Iterable[int], on: datetime.date) -> dict[int, int]:
        """{plan pk: paper pk}: the published plan progress papers of `plans` for a meeting on
        `on`, whose frozen pictures the dashboard and reports read on that date (one query)."""
        found = self.published().filter(kind="plan_progress", plan__in=list(plans), meeting__date=on)
        return dict(found.order_by("meeting_id").values_list("plan_id", "pk"))

    def without_files(self) -> Self:
        """Leave the stored PDF and Word files behind: lists need only what the paper is."""
        return self.defer("pdf", "docx", "data")


class UpdateRoundQuerySet(models.QuerySet["UpdateRound"]):
    def visible_to(self, user: AnyUser) -> Self:
        """Rounds with a plan `user` may see (their page counts only those plans)."""
        from actionplan.models import Plan

        return self.filter(plans__in=Plan.objects.visible_to(user).values("pk")).distinct()

    def current(self, on: datetime.date) -> Self:
        """Rounds open on `on`: from the opening date (once their actions were chosen) to the meeting."""
        return self.filter(opens_on__lte=on, meeting__date__gte=on, opened_at__isnull=False)

    def due_to_open(self, on: datetime.date) -> Self:
        """Rounds whose opening date has come but whose actions have not been chosen yet."""
        return self.filter(opens_on__lte=on, opened_at__isnull=True)
