"""The QuerySets of actionplan, and the rules of an action's status as SQL.

ActionQuerySet is where delivery status, RAG, staleness, slippage and whose an action is are
decided, for pages, jobs, exports and reports alike. models.py imports this module, so the models
are imported inside the functions that need them.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import operator
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, transaction
from django.db.models import (
    Case,
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
    Window,
)
from django.db.models.expressions import Expression
from django.db.models.functions import Cast, Coalesce, NullIf, RowNumber
from django.db.models.sql.constants import LOUTER
from django_cte import CTE, with_cte

from actionplan.search import search_words
from actionplan.status import RAG, DeliveryStatus, RagSummary, ReturnStatus, ReturnSummary

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from actionplan.models import (  # noqa: F401 (QuerySet bases)
        Action,
        ApiToken,
        KeptSummary,
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
Actions = TypeVar("Actions", bound="ActionQuerySet")


# What add_up_by_owner adds up: each has GROUPS (the annotations it counts) and add().
Summary = TypeVar("Summary", RagSummary, ReturnSummary)


class PlanQuerySet(models.QuerySet["Plan"]):
    def visible_to(self, user: AnyUser) -> Self:
        """Plans `user` was given (any role), owns an action in, or assures as a board's admin
        (through its sub-boards too); all of them for a superuser."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from actionplan.models import Action, Owner, PlanMembership
        from partnerships.models import Partnership

        # The plans of the actions they may update (updatable_by), found from the few rows that
        # name them rather than by asking the rule of every action: a sub-action that counts
        # them through its key action is in the key action's plan, and a plan they administer
        # is one they were given.
        person = Owner.objects.filter(user=user)
        return self.filter(
            Q(pk__in=PlanMembership.objects.filter(user=user).values("plan"))
            | Q(pk__in=Action.objects.filter(accountable__in=person).values("plan"))
            | Q(pk__in=Action.objects.filter(responsible__in=person).values("plan"))
            | Q(pk__in=Action.objects.filter(delegates=user).values("plan"))
            | Q(board__in=Partnership.objects.administered_by(user).values("pk"))
        )

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

    def with_rag_summaries(self, on: datetime.date, rules: StatusRules | None = None) -> list[Plan]:
        """These plans as a list, each with `.summary`: the RagSummary of its actions on `on`
        (empty for a plan with none), and `.frozen_paper`: the published plan progress paper for
        a meeting on `on` whose snapshot that summary was read from (None: worked out). A frozen
        plan's summary is counted from its snapshot; the others' are read from the kept summaries
        where they are kept for `on` (KeptSummaryQuerySet: a few rows per plan), and counted from
        the actions otherwise."""
        from actionplan.models import Action, KeptSummary, MeetingPaper

        plans = list(self)
        frozen = MeetingPaper.objects.frozen_for([plan.pk for plan in plans], on)
        found: dict[Any, RagSummary] = {}
        if frozen:
            found |= Action.objects.filter(plan__in=list(frozen)).rag_summary_by("plan", on, frozen=frozen.values())
        if rest := [plan.pk for plan in plans if plan.pk not in frozen]:
            found |= KeptSummary.objects.summaries(rest, on, "plan")
        if uncounted := [pk for pk in rest if pk not in found]:
            found |= Action.objects.filter(plan__in=uncounted).rag_summary_by("plan", on, rules=rules)
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

        named = Q()
        for role in ("accountable", "responsible"):
            links = getattr(Action, role).through.objects.all()
            if plans.query.has_filters():  # otherwise every plan: no need to ask which
                links = links.filter(action__plan__in=plans)
            named |= Q(pk__in=links.values("owner"))
        return self.filter(named)

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


def _joined_to_latest_progress(actions: Actions, on: datetime.date) -> tuple[Actions, dict[str, Any]]:
    """`actions` joined to what each one's progress updates said on `on`: its latest update and
    latest revision as they stood (one WITH query each, the newest row per action read in index
    order), and the annotations that read them {annotation: expression}.

    The RAG rules read these values a dozen times; a subquery would run again for each, a
    joined column is fetched once per action. The latest completion is read only for display,
    so it stays a subquery, run only where it is selected."""
    from actionplan.models import ProgressUpdate

    updates = ProgressUpdate.objects.reported_by(on)
    if actions.query.has_filters():
        # Only these actions' updates: a page about one plan reads that plan's, not every plan's.
        updates = updates.filter(action__in=actions.order_by().values("pk"))
    kinds = {"update": updates, "revision": updates.filter(revised_due_date__isnull=False)}
    ctes = {}
    for which, of_kind in kinds.items():
        fields = [field for kind, field in PROGRESS_FROM.values() if kind == which]
        ctes[which] = cte = CTE(_newest_per_action(of_kind, fields), name=f"latest_{which}_on")
        actions = cte.join(actions, pk=cte.col.action_id, _join_type=LOUTER)
    latest: dict[str, Any] = {
        name: getattr(ctes[which].col, field) for name, (which, field) in PROGRESS_FROM.items() if which in ctes
    }
    latest["completed_on"] = Subquery(_latest_updates(on)["completion"].values("completed_on")[:1])
    return with_cte(*ctes.values(), select=actions), latest


def _newest_per_action(updates: ProgressUpdateQuerySet, fields: list[str]) -> models.QuerySet[Any, Any]:
    """The newest of `updates` of each action, as rows of action_id and `fields`."""
    rows: models.QuerySet[Any, Any] = updates.newest_of_each_action().values("action_id", *fields)
    return rows


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
    with_owners() or attach_owners() fetched; otherwise asks the database."""
    own = _named(action, role)
    # The key action's are only looked at when they count: they may not have been fetched.
    key_action = None if own else action.parent
    return counted_owners(own, _named(key_action, role) if key_action else [])


def inherits_owners(action: Action, role: str) -> bool:
    """Whether the action's owners in `role` are its key action's (it names none itself)."""
    return action.parent_id is not None and not _named(action, role)


def _named(action: Action, role: str) -> list[Owner]:
    # with_owners() and attach_owners() leave plain lists; otherwise ask the related manager.
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


# The summaries rag_summaries_by_owner() counts, by whom.
OWNER_SUMMARIES = ("accountable", "responsible", "organisation")


@dataclass
class ActionPicture:
    """One action's picture (the values of the summary's GROUPS: RagSummary's, or ReturnSummary's
    in a round), other fields asked for, and the owner (and organisation) pks it counts under:
    ActionQuerySet.owners_beside()."""

    picture: tuple[Any, ...]
    fields: dict[str, Any]
    owners: dict[str, set[int]] = dataclasses.field(default_factory=dict)
    # Whom it names itself and whom its key action names, by role: {"accountable": (own, key's)}.
    named: dict[str, tuple[set[int], set[int]]] = dataclasses.field(default_factory=dict)


def add_up_by_owner(summary: type[Summary], actions: dict[int, ActionPicture]) -> dict[str, dict[int, Summary]]:
    """{"accountable": {owner pk: summary}, "responsible": {…}, "organisation": {organisation pk:
    …}}: `actions`' pictures added up under each owner and organisation they count under. An
    action with two owners counts once for each."""
    counted: dict[str, Counter[tuple[int, tuple[Any, ...]]]] = {name: Counter() for name in OWNER_SUMMARIES}
    for action in actions.values():
        for name, owners in action.owners.items():
            counted[name].update((owner, action.picture) for owner in owners)
    found: dict[str, defaultdict[int, Summary]] = {name: defaultdict(summary) for name in OWNER_SUMMARIES}
    for name, pictures_of in counted.items():
        for (owner, picture), n in pictures_of.items():
            found[name][owner].add(picture, n)
    return {name: dict(summaries) for name, summaries in found.items()}


class ActionQuerySet(models.QuerySet["Action"]):
    def visible_to(self, user: AnyUser) -> Self:
        """Actions in the plans `user` may see (Plan.objects.visible_to). The plans are read first
        (one query): given their ids, PostgreSQL reads only their actions, by index, where a
        subquery of them left it guessing how many plans and reading every action (17 s for a
        board member's list at a million actions)."""
        from actionplan.models import Plan

        if user.is_authenticated and user.is_superuser:
            return self
        return self.filter(plan__in=list(Plan.objects.visible_to(user).values_list("pk", flat=True)))

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

    def pictures_with_owners(
        self, on: datetime.date, *fields: str, rules: StatusRules | None = None
    ) -> dict[int, ActionPicture]:
        """{action pk: ActionPicture}: each action's RAG picture on `on` (the values of
        RagSummary.GROUPS), the values of `fields`, and whom it counts under (owners_beside)."""
        return self.with_rag(on, rules).owners_beside(RagSummary.GROUPS, *fields)

    def owners_beside(self, groups: Sequence[str] = (), *fields: str) -> dict[int, ActionPicture]:
        """{action pk: ActionPicture}: the values of the annotations `groups` (its picture) and of
        `fields`, and whom it counts under: the owners it is accountable and responsible for by
        counted_owners(), and their organisations. One query: each action beside its own and its
        key action's owners, gathered here."""
        size, extra = len(groups), len(fields)
        rows = self.order_by().values_list(
            "pk",
            *groups,
            *fields,
            "accountable",
            "parent__accountable",
            "responsible",
            "parent__responsible",
            "responsible__organisation",
            "parent__responsible__organisation",
        )
        # The joins repeat an action once per combination of its owners: gather them as sets.
        found: dict[int, ActionPicture] = {}
        named: defaultdict[int, defaultdict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
        for pk, *row in rows:
            if pk not in found:
                found[pk] = ActionPicture(tuple(row[:size]), dict(zip(fields, row[size : size + extra], strict=True)))
            accountable, key_accountable, responsible, key_responsible, organisation, key_organisation = row[
                size + extra :
            ]
            for name, owner in [
                ("accountable", accountable),
                ("key accountable", key_accountable),
                ("responsible", (responsible, organisation)),
                ("key responsible", (key_responsible, key_organisation)),
            ]:
                if owner not in (None, (None, None)):
                    named[pk][name].add(owner)
        for pk, action in found.items():
            owners = named[pk]
            action.named = {
                "accountable": (owners["accountable"], owners["key accountable"]),
                "responsible": ({o for o, _ in owners["responsible"]}, {o for o, _ in owners["key responsible"]}),
            }
            responsible = counted_owners(owners["responsible"], owners["key responsible"])
            action.owners = {
                "accountable": counted_owners(owners["accountable"], owners["key accountable"]),
                "responsible": {owner for owner, _ in responsible},
                "organisation": {organisation for _, organisation in responsible if organisation is not None},
            }
        return found

    def rag_summaries_by_owner(
        self, on: datetime.date, pictures: dict[int, ActionPicture] | None = None
    ) -> dict[str, dict[int, RagSummary]]:
        """{"accountable": {owner pk: RagSummary}, "responsible": {owner pk: …}, "organisation":
        {organisation pk: …}}: the RAG picture on `on` of the actions each owner is accountable or
        responsible for (counted_owners), and of those each organisation's people are responsible
        for. An action with two owners counts once for each. From pictures_with_owners(), or
        `pictures` already fetched by it."""
        return add_up_by_owner(RagSummary, pictures if pictures is not None else self.pictures_with_owners(on))

    def tally_by_owner(
        self, summary: type[Summary], pictures: dict[int, tuple[Any, ...]] | None = None
    ) -> dict[str, dict[int, Summary]]:
        """{"accountable": {owner pk: summary}, "responsible": {…}, "organisation": {…}} of these
        actions, each counted by the annotations `summary.GROUPS` under the owners it counts under.

        `pictures`: {action pk: its values of summary.GROUPS}, when the caller has read them; the
        owners are then read alone, without working the values out again for every combination
        of owners the joins repeat an action for."""
        if pictures is None:
            return add_up_by_owner(summary, self.owners_beside(summary.GROUPS))
        found = self.owners_beside()
        for pk, action in found.items():
            action.picture = pictures[pk]
        return add_up_by_owner(summary, found)

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

    def has_any_mine(self, user: User) -> bool:
        """Whether mine(user) holds any action, asked of the few rows that name the user's person
        or delegate to them: an action that names their person is theirs (owners_of), so one such
        row answers it. Asked of every action (mine(user).exists()), PostgreSQL read them all for
        a user with none, as a board member is, on every page's header."""
        if self.query.has_filters():
            return self.mine(user).exists()
        from django.contrib.auth import get_user_model

        from actionplan.models import Owner

        person = Owner.objects.filter(user=user)
        named = [
            getattr(self.model, role).through.objects.filter(owner__in=person)
            for role in ("accountable", "responsible")
        ]
        delegated = self.model.delegates.through.objects.filter(user=user)
        # One query: the three questions as EXISTS, asked beside the user's own row.
        return (
            get_user_model()
            .objects.filter(pk=user.pk)
            .filter(functools.reduce(operator.or_, map(Exists, [*named, delegated])))
            .exists()
        )

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
        latest: dict[str, Any]
        if on is None or (rules or StatusRules(on)).progress_is_current:
            latest = {name: F(field) for name, field in PROGRESS_CACHE.items()}
        else:
            actions, latest = _joined_to_latest_progress(self, on)
        return actions.annotate(**latest).annotate(current_due_date=Coalesce("revised_due_date", "due_date"))

    def refresh_progress(self) -> int:
        """Copy what the latest progress updates say onto these actions, for with_progress(), and
        count their priorities' kept summaries again (KeptSummaryQuerySet.recount), in one
        transaction. ProgressUpdate.save() and delete() call it; after a bulk_create, call it
        yourself. Everything that changes an action's progress comes through here."""
        from actionplan.models import KeptSummary

        with transaction.atomic(using=self.db):
            refreshed = self.update(**{PROGRESS_CACHE[name]: value for name, value in _latest_progress().items()})
            KeptSummary.objects.recount(self.order_by().values("priority"))
        return refreshed

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

    def with_rag(self, on: datetime.date, rules: StatusRules | None = None, frozen: Collection[int] = ()) -> Self:
        """Annotate the RAG picture on date `on` (StatusRules): `on`, delivery_status, plus

        derived_rag: Complete; Overdue → Red; Due soon with no update in the last
            RECENT_UPDATE_DAYS → Amber; else Green.
        rag: the latest update's RAG where the officer gave one, else the derived one.
        rag_disagrees: the officer's RAG is rosier than the derived one (Green or Amber where
            the dates say Red, Green where they say Amber).
        is_stale: not complete and no update for more than the plan's stale_after_days.
        has_slipped: not complete, and the revised completion date is later than the original.

        On a queryset that already has the picture on `on` this adds nothing, so a page can
        annotate once and count, list and filter from the same queryset cheaply. (`rules`:
        StatusRules(on), when the caller has them: a page with two pictures asks for them once.)

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
        rules = rules or StatusRules(on)
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

    def rag_summary(self, on: datetime.date, rules: StatusRules | None = None) -> RagSummary:
        """How many of these actions are Red, Amber, Green, Complete, Not started on `on`, and how
        many are overdue, due soon, undated, stale, slipped or reported rosier than their dates
        (one query)."""
        return self._summaries_by(None, on, rules).get(0, RagSummary())

    def rag_summary_by(
        self, field: str, on: datetime.date, rules: StatusRules | None = None, frozen: Collection[int] = ()
    ) -> dict[Any, RagSummary]:
        """{value of `field`: RagSummary}, e.g. rag_summary_by("priority", on), in one query
        (`frozen`: as with_rag's)."""
        return self._summaries_by(field, on, rules, frozen)

    def _summaries_by(
        self, key: str | None, on: datetime.date, rules: StatusRules | None, frozen: Collection[int] = ()
    ) -> dict[Any, RagSummary]:
        try:
            sql, params = self.summary_query(key, on, rules, frozen)
        except EmptyResultSet:  # nothing can match, say plan__in=[]: no query to run
            return {}
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return {row[0]: RagSummary(**dict(zip(RagSummary.FIGURES, row[1:], strict=True))) for row in rows}

    def summary_query(
        self, key: str | None, on: datetime.date, rules: StatusRules | None = None, frozen: Collection[int] = ()
    ) -> tuple[str, list[Any]]:
        """SQL and its parameters for the RagSummary of these actions on `on` per value of `key`
        (None: one row, key 0): a row per value, its `summary_key` and a column per figure of
        RagSummary.FIGURES, named for it."""
        # Each action's picture is worked out once, in a subquery, and counted per figure
        # grouped by `key` alone: grouping by the picture's five CASE expressions left
        # PostgreSQL guessing at the number of groups (a sort on disk at scale), and a
        # COUNT(FILTER …) on the annotations themselves would write each expression out again
        # per figure.
        pictures = self.with_rag(on, rules, frozen).order_by().annotate(summary_key=Value(0) if key is None else F(key))
        inner, params = pictures.values("summary_key", *RagSummary.GROUPS).query.sql_with_params()
        quote = connections[self.db].ops.quote_name
        counts, values = [], []
        for name, counted in RagSummary.FIGURES.items():
            if counted is None:
                counts.append(f"COUNT(*) AS {quote(name)}")
            else:
                counts.append(f"COUNT(*) FILTER (WHERE picture.{quote(counted[0])} = %s) AS {quote(name)}")
                values.append(counted[1])
        sql = (
            f"SELECT picture.summary_key, {', '.join(counts)} FROM ({inner}) picture "
            "WHERE picture.summary_key IS NOT NULL GROUP BY picture.summary_key"
        )
        return sql, [*values, *params]

    def with_owners(self) -> Self:
        """Fetch with each action what owners_of() reads (as plain lists: much cheaper than
        filling every action's related managers)."""
        return self.select_related("parent").prefetch_related(*_owner_lookups(as_lists=True))

    def with_latest_update(self, on: datetime.date | None = None) -> Self:
        """Fetch with each action its latest update as it stood on `on` (None: its latest), for
        Action.latest_update()."""
        from actionplan.models import ProgressUpdate

        # The prefetch narrows this to the fetched actions' updates: one index scan each. With
        # who signed each off: the pages and papers say so beside the narrative.
        latest = ProgressUpdate.objects.latest_per_action(on).select_related("signed_off_by")
        return self.prefetch_related(Prefetch("progress_updates", latest, to_attr="latest_updates"))

    def for_display(self, on: datetime.date | None = None) -> Self:
        """Everything a page shows for each action (its latest update as it stood on `on`,
        None: its latest), in a fixed number of queries."""
        return self.with_owners().with_latest_update(on).select_related("priority").prefetch_related("milestones")


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


def attach_owners(actions: Iterable[Action], pictures: dict[int, ActionPicture], owners: dict[int, Owner]) -> None:
    """What owners_of() reads, for actions already fetched (with their parent) whose owners
    pictures_with_owners() found: the same plain lists with_owners() leaves, from `owners`
    (in_bulk of the pks they name), without asking the database again."""
    for action in actions:
        for role, (own, key_actions) in pictures[action.pk].named.items():
            setattr(action, f"fetched_{role}", sorted((owners[pk] for pk in own), key=_owner_order))
            if action.parent is not None:
                setattr(action.parent, f"fetched_{role}", sorted((owners[pk] for pk in key_actions), key=_owner_order))


def _owner_order(owner: Owner) -> tuple[str, str]:
    """Owner.Meta.ordering, for lists sorted here."""
    return owner.kind, owner.code


class ProgressUpdateQuerySet(models.QuerySet["ProgressUpdate"]):
    def reported_by(self, on: datetime.date | None) -> Self:
        """The updates reported on or before `on` (None: all of them)."""
        return self if on is None else self.filter(reported_on__lte=on)

    def newest_first(self) -> Self:
        return self.order_by(*LATEST_FIRST)

    def newest_of_each_action(self) -> Self:
        """Of these updates, each action's newest (LATEST_FIRST): DISTINCT ON where the database
        has it (PostgreSQL reads it in the order of the index on (action, LATEST_FIRST)), else the
        first row of a window per action. Keep its ordering: DISTINCT ON needs it."""
        if connections[self.db].features.can_distinct_on_fields:
            return self.order_by("action_id", *LATEST_FIRST).distinct("action_id")
        return self.annotate(newest=Window(RowNumber(), partition_by=F("action"), order_by=list(LATEST_FIRST))).filter(
            newest=1
        )

    def latest_per_action(self, on: datetime.date | None = None) -> Self:
        """Of these updates, each action's newest as it stood on `on` (None: its newest):
        newest_of_each_action() of those reported by then."""
        return self.reported_by(on).newest_of_each_action()

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
        """The newest public() update of each action, as it stood on `on`."""
        return self.public().latest_per_action(on)

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
            new = overdue.values(flag_action=F("pk"), flag_due_date=F("current_due_date"))
            select_sql, params = new.query.sql_with_params()
            db = connections[self.db]
            table = db.ops.quote_name(self.model._meta.db_table)
            with db.cursor() as cursor:
                # An action that already has an open flag meets the one-open-flag index and is
                # skipped (as is a second run at the same moment). Not a NOT EXISTS on the flags:
                # where PostgreSQL's statistics say the flag table is empty (analysed while it
                # was, as on a fresh deployment) that became a nested loop over flags and
                # actions, quadratic in the number of newly overdue actions.
                cursor.execute(
                    f"INSERT INTO {table} (action_id, due_date, flagged_at) "
                    f"SELECT overdue.flag_action, overdue.flag_due_date, %s FROM ({select_sql}) AS overdue "
                    "WHERE true ON CONFLICT (action_id) WHERE cleared_at IS NULL DO NOTHING",
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


class KeptSummaryQuerySet(models.QuerySet["KeptSummary"]):
    """Today's picture, kept: each strategic priority's RagSummary on the date the daily job last
    counted them (keep()), counted again in the same transaction as anything that changes one of
    its actions' pictures (recount()): progress updates, corrections and board decisions (all
    through ActionQuerySet.refresh_progress), action edits, moves and removals, a plan's windows,
    and imports. The counting is rag_summary_by()'s: no rule is stated here.

    A dashboard reads a few rows per plan instead of every action, where they are kept for the
    date it shows (summaries()); for any other date, or a priority not yet counted, the actions
    are counted as before."""

    def kept_on(self) -> datetime.date | None:
        """The date the summaries are kept for: the day the daily job last counted them."""
        return self.order_by("-on").values_list("on", flat=True).first()

    def keep(self, on: datetime.date, plans_at_once: int = 500) -> int:
        """The daily job: count every priority's summary on `on` (a new day moves actions into due
        soon, overdue and stale), a few hundred plans per transaction so that officers' updates
        wait for at most one of them. Returns the number of priorities counted."""
        from actionplan.models import Plan, StrategicPriority

        rules = StatusRules(on)
        plans = list(Plan.objects.order_by("pk").values_list("pk", flat=True))
        counted = 0
        for start in range(0, len(plans), plans_at_once):
            chunk = StrategicPriority.objects.filter(plan__in=plans[start : start + plans_at_once])
            counted += self._count(chunk, on, rules)
        return counted

    def recount(self, priorities: Iterable[int] | models.QuerySet[Any]) -> None:
        """Count these priorities' summaries again (pks, or a queryset of them), for the date the
        summaries are kept for; nothing while none are kept yet (keep() starts them)."""
        from actionplan.models import StrategicPriority

        on = self.kept_on()
        if on is not None:
            self._count(StrategicPriority.objects.filter(pk__in=priorities), on)

    def _count(self, priorities: models.QuerySet[Any], on: datetime.date, rules: StatusRules | None = None) -> int:
        from actionplan.models import Action, StrategicPriority

        with transaction.atomic(using=self.db):
            wanted = dict(priorities.order_by("pk").values_list("pk", "plan"))
            if not wanted:
                return 0
            # Lock the rows before counting, so that two transactions changing actions of one
            # priority count one after the other: the second counts what the first committed.
            # A priority not counted before gets its row first, so that there is one to lock.
            locked = set(self.select_for_update().filter(pk__in=wanted).order_by("pk").values_list("pk", flat=True))
            if len(locked) < len(wanted):
                missing = [self.model(priority_id=pk, plan_id=wanted[pk], on=on) for pk in wanted if pk not in locked]
                self.bulk_create(missing, ignore_conflicts=True)
                list(self.select_for_update().filter(pk__in=[row.pk for row in missing]).values_list("pk"))
            # Counted and written by the database in one statement: a few thousand priorities at a
            # time in the daily job.
            chosen, chosen_params = priorities.order_by().values("pk").query.sql_with_params()
            counted, counted_params = Action.objects.filter(
                priority__in=priorities.order_by().values("pk")
            ).summary_query("priority", on, rules)
            db = connections[self.db]
            quote = db.ops.quote_name
            json_object = "json_build_object" if db.vendor == "postgresql" else "json_object"
            figures = ", ".join(f"'{name}', COALESCE(counted.{quote(name)}, 0)" for name in RagSummary.FIGURES)
            table, on_column = quote(self.model._meta.db_table), quote("on")
            with db.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (priority_id, plan_id, {on_column}, counts) "
                    f"SELECT priority.id, priority.plan_id, %s, {json_object}({figures}) "
                    f"FROM {quote(StrategicPriority._meta.db_table)} priority "
                    f"LEFT JOIN ({counted}) counted ON counted.summary_key = priority.id "
                    f"WHERE priority.id IN ({chosen}) "
                    f"ON CONFLICT (priority_id) DO UPDATE SET plan_id = excluded.plan_id, "
                    f"{on_column} = excluded.{on_column}, counts = excluded.counts",
                    [on, *counted_params, *chosen_params],
                )
        return len(wanted)

    def summaries(self, plans: Collection[int], on: datetime.date, key: str) -> dict[int, RagSummary]:
        """{plan or priority pk (`key`: "plan" or "priority"): RagSummary on `on`} for those of
        `plans` whose every priority's summary is kept for `on`: a row per priority."""
        from actionplan.models import StrategicPriority

        rows = (
            StrategicPriority.objects.filter(plan__in=plans)
            .order_by()
            .values_list("plan", "pk", "kept_summary__on", "kept_summary__counts")
        )
        found: dict[int, RagSummary] = {}
        uncounted = set()
        for plan, priority, kept_on, counts in rows:
            if kept_on != on:
                uncounted.add(plan)
            else:
                pk = plan if key == "plan" else priority
                found[pk] = found.get(pk, RagSummary()) + RagSummary(**counts)
        if key == "plan":
            # A plan with no priorities has no actions.
            found.update({plan: RagSummary() for plan in plans if plan not in found})
            return {pk: summary for pk, summary in found.items() if pk not in uncounted}
        return {} if uncounted else found
