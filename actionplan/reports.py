"""What the dashboard's action list exports, and what the dashboard, a board report and a board's
exception report hold.

All read the rules from ActionQuerySet.with_rag(on) and its named exceptions; nothing here
decides a colour, a status or whose an action is.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Q

from actionplan.models import (
    Action,
    KeptSummary,
    MeetingPaper,
    Owner,
    Plan,
    ProgressUpdate,
    StrategicPriority,
    UpdateRound,
)
from actionplan.querysets import ActionPicture, ActionQuerySet, PlanQuerySet, StatusRules, attach_owners
from actionplan.status import RAG, DeliveryStatus, RagSummary, ReturnSummary
from indicators.models import ExceptionRecord, IndicatorValue, OutcomeRating, Period
from partnerships.models import Meeting, Organisation, Partnership

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# How many actions each of the dashboard's lists shows before "See all", and how many owners (and
# organisations) each of its tables of owners: the page stays small whatever the plan's size.
DASHBOARD_LIST_LENGTH = 10
RANKING_LENGTH = 5


# The dashboard's lists, each of the actions counted in that figure of the summary, in this order:
# the most overdue (or slipped) first; the longest without an update first, never updated first.
LIST_ORDERS: dict[str, Callable[[dict[str, Any]], tuple[Any, ...]]] = {
    "overdue": lambda action: (action["current_due_date"], action["position"]),
    "slipped": lambda action: (action["current_due_date"], action["position"]),
    "stale": lambda action: (action["last_reported_on"] is not None, action["last_reported_on"], action["position"]),
}

# How many plans the dashboard's table of plans shows at a time.
PLANS_PER_PAGE = 15

# My actions' groups, in the order they are shown: what needs the officer first. An action is in
# the first group whose condition (on its with_rag() annotations) holds: "stale" takes the actions
# not overdue or due soon that have had no update for their plan's staleness period.
MY_ACTIONS_GROUPS = [
    ("overdue", "Overdue"),
    ("due_soon", "Due soon"),
    ("stale", "No recent update"),
    ("on_track", "On track"),
    ("no_date", "No date set"),
    ("complete", "Complete"),
]
# The groups whose actions need an update from the officer now.
NEEDS_UPDATE = ("overdue", "due_soon", "stale")


@dataclass
class Dashboard:
    """The dashboard on date `on`: the plans in `plans` (a Plan queryset), a page of them at a time,
    each with its RAG picture (`.summary`), and the chosen one (by slug, else the page's first) in
    detail."""

    plans: list[Plan]
    page: Page[Plan]
    chosen: Plan | None = None
    detail: PlanDashboard | None = None
    # The chosen plan's board's meetings: the dates a board looks at its plans on, one click each.
    meetings: list[Meeting] = field(default_factory=list)

    @classmethod
    def build(cls, plans: PlanQuerySet, slug: str | None, on: datetime.date, page: Any = 1) -> Dashboard:
        rules = StatusRules(on)  # once for the page: both parts read the plans' windows
        shown = Paginator(plans.select_related("board"), PLANS_PER_PAGE).get_page(page)
        listed: PlanQuerySet = shown.object_list  # type: ignore[assignment]
        dashboard = cls(plans=listed.with_rag_summaries(on, rules), page=shown)
        dashboard.chosen = next((p for p in dashboard.plans if p.slug == slug), None)
        if dashboard.chosen is None:
            elsewhere = plans.select_related("board").filter(slug=slug).first() if slug else None
            dashboard.chosen = elsewhere or next(iter(dashboard.plans), None)
        if dashboard.chosen:
            chosen = dashboard.chosen
            if hasattr(chosen, "frozen_paper"):
                paper = chosen.frozen_paper
            else:  # chosen from another page of the table: not asked for its paper yet
                paper = MeetingPaper.objects.frozen_for([chosen.pk], on).get(chosen.pk)
            dashboard.detail = PlanDashboard.build(chosen, on, rules=rules, frozen=[paper] if paper else [])
            if chosen.board is not None:
                dashboard.meetings = list(chosen.board.meetings.order_by("date"))
        return dashboard


@dataclass
class ActionGroup:
    value: str
    label: str
    actions: list[Action] = field(default_factory=list)


@dataclass
class MyActions:
    """The actions a user is responsible or accountable for, or was delegated (ActionQuerySet.mine),
    as they stand on `on`, in MY_ACTIONS_GROUPS: the most overdue first, then the soonest due, then
    the longest without an update."""

    on: datetime.date
    groups: list[ActionGroup]

    @classmethod
    def build(cls, user: User, on: datetime.date) -> MyActions:
        groups = {value: ActionGroup(value, label) for value, label in MY_ACTIONS_GROUPS}
        actions = (
            Action.objects.mine(user)
            .with_rag(on)
            .for_display(on)
            .select_related("plan")
            .order_by("current_due_date", "plan__title", "position")
        )
        for action in actions:
            group = action.delivery_status
            if action.is_stale and group in (DeliveryStatus.ON_TRACK, DeliveryStatus.NO_DATE):
                group = "stale"
            groups[group].actions.append(action)
        groups["stale"].actions.sort(key=lambda a: a.last_reported_on or datetime.date.min)
        return cls(on=on, groups=list(groups.values()))

    def next_to_update(self, after: Action | None = None) -> Action | None:
        """The first action that needs an update (NEEDS_UPDATE) and has had none today, other than `after`."""
        for group in self.groups:
            if group.value in NEEDS_UPDATE:
                for action in group.actions:
                    if action != after and action.last_reported_on != self.on:
                        return action
        return None

    def find(self, pk: int) -> Action | None:
        return next((a for group in self.groups for a in group.actions if a.pk == pk), None)


@dataclass
class PlanDashboard:
    """One plan's dashboard on date `on`: RAG by strategic priority, the overdue, slipped and
    stale actions, and counts by owner and organisation. A fixed number of queries."""

    plan: Plan
    on: datetime.date
    summary: RagSummary = field(default_factory=RagSummary)
    priorities: list[StrategicPriority] = field(default_factory=list)
    overdue: list[Action] = field(default_factory=list)
    slipped: list[Action] = field(default_factory=list)
    stale: list[Action] = field(default_factory=list)
    by_accountable: Ranking | None = None
    by_responsible: Ranking | None = None
    by_organisation: Ranking | None = None

    # The published paper whose snapshot the picture was read from (None: worked out).
    frozen: list[int] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        plan: Plan,
        on: datetime.date,
        length: int = DASHBOARD_LIST_LENGTH,
        rules: StatusRules | None = None,
        frozen: list[int] | None = None,
    ) -> PlanDashboard:
        """`frozen`: the plan's published paper for a meeting on `on`: its snapshot is the picture."""
        board = cls(plan=plan, on=on, frozen=frozen or [])
        rules = rules or StatusRules(on)
        # Once: every count and list below reuses it.
        actions: ActionQuerySet = plan.actions.with_rag(on, rules, board.frozen)
        # Today's counts are kept (unless a paper froze the picture); other dates' are counted.
        kept = {} if board.frozen else KeptSummary.objects.summaries([plan.pk], on, "priority")
        by_priority = kept or actions.rag_summary_by("priority", on, rules)
        # Every action has one priority, so the plan's summary is theirs added up.
        board.summary = sum(by_priority.values(), RagSummary())
        board.priorities = list(plan.priorities.all())
        for priority in board.priorities:
            priority.summary = by_priority.get(priority.pk, RagSummary())
        # Every action's picture and owners, fetched once: the lists and the counts by owner are
        # chosen from the same annotations the summary counted ("Slipped (N)" heads the list of
        # those N), in the lists' orders; then only the listed actions are fetched whole.
        pictures = actions.pictures_with_owners(on, "current_due_date", "position", "last_reported_on", rules=rules)
        chosen = {kind: _first(pictures, kind, length) for kind in LIST_ORDERS}
        fetched = actions.filter(pk__in={pk for pks in chosen.values() for pk in pks}).select_related("parent")
        listed = fetched.with_overdue_since().in_bulk()
        board.overdue, board.slipped, board.stale = ([listed[pk] for pk in chosen[kind]] for kind in LIST_ORDERS)
        by_owner = actions.rag_summaries_by_owner(on, pictures)
        ranked = {name: _ranked(summaries)[:RANKING_LENGTH] for name, summaries in by_owner.items()}
        # The owners the lists name and the counts rank, in one query.
        named = {pk for action in listed for own, key in pictures[action].named.values() for pk in own | key}
        owners = Owner.objects.in_bulk(named | set(ranked["accountable"]) | set(ranked["responsible"]))
        attach_owners(listed.values(), pictures, owners)
        organisations = Organisation.objects.in_bulk(ranked["organisation"])
        board.by_accountable = Ranking.of(ranked["accountable"], owners, by_owner["accountable"])
        board.by_responsible = Ranking.of(ranked["responsible"], owners, by_owner["responsible"])
        board.by_organisation = Ranking.of(ranked["organisation"], organisations, by_owner["organisation"])
        return board


def _first(pictures: dict[int, ActionPicture], kind: str, length: int) -> list[int]:
    """The first `length` of the actions (pks) counted in figure `kind`, in that list's order."""
    counted = [pk for pk, action in pictures.items() if RagSummary.counts_in(kind, action.picture)]
    order = LIST_ORDERS[kind]
    return sorted(counted, key=lambda pk: order(pictures[pk].fields))[:length]


@dataclass
class Ranking:
    """The owners (or organisations) a dashboard table shows: the first few, and how many more."""

    shown: list[tuple[Owner | Organisation, RagSummary]]
    more: int

    @classmethod
    def of(
        cls, shown: list[int], objects: dict[Any, Owner] | dict[Any, Organisation], summaries: dict[int, RagSummary]
    ) -> Ranking:
        """The owners (pks) `shown`, from `objects` (in_bulk), with their summaries, of all in `summaries`."""
        return cls([(objects[pk], summaries[pk]) for pk in shown], len(summaries) - len(shown))


def _ranked(summaries: dict[int, RagSummary]) -> list[int]:
    """Owner (or organisation) pks, those with most overdue and Red actions first."""
    return sorted(summaries, key=lambda pk: (-summaries[pk].overdue, -summaries[pk].red, -summaries[pk].total, pk))


@dataclass
class ExceptionRow:
    action: Action
    reasons: list[str] = field(default_factory=list)


@dataclass
class BoardReport:
    """A plan's position on `on` for a board paper, and what changed since `since`. Its exceptions
    are the actions that are any of EXCEPTIONS: Red, overdue, slipped or stale."""

    plan: Plan
    on: datetime.date
    since: datetime.date
    summary: RagSummary = field(default_factory=RagSummary)
    previous: RagSummary = field(default_factory=RagSummary)
    exceptions: list[ExceptionRow] = field(default_factory=list)
    rag_changes: list[tuple[Action, RAG, RAG]] = field(default_factory=list)
    updates_since: list[ProgressUpdate] = field(default_factory=list)

    @classmethod
    def build(cls, plan: Plan, on: datetime.date, since: datetime.date) -> BoardReport:
        report = cls(plan=plan, on=on, since=since)
        # Each date's picture of every action, fetched once: the summaries count them, the RAG
        # changes compare them.
        now, then = plan.actions.with_rag(on), plan.actions.with_rag(since)
        pictures = now.pictures_with_owners(on)
        after = {pk: action.picture for pk, action in pictures.items()}
        before = {pk: picture for pk, *picture in then.values_list("pk", *RagSummary.GROUPS)}
        report.summary, report.previous = RagSummary.of(after.values()), RagSummary.of(before.values())
        exceptions = list(now.exceptions().select_related("parent").with_latest_update(on).order_by("position"))
        named = {pk for action in exceptions for own, key in pictures[action.pk].named.values() for pk in own | key}
        attach_owners(exceptions, pictures, Owner.objects.in_bulk(named))
        report.exceptions = [ExceptionRow(action, cls._reasons(action)) for action in exceptions]
        rag = RagSummary.GROUPS.index("rag")
        changed = Action.objects.filter(pk__in=[pk for pk, picture in after.items() if before[pk][rag] != picture[rag]])
        report.rag_changes = [
            (action, RAG(before[action.pk][rag]), RAG(after[action.pk][rag]))
            for action in changed.only("code", "title", "position").order_by("position")
        ]
        report.updates_since = list(
            ProgressUpdate.objects.filter(action__plan=plan, reported_on__gt=since, reported_on__lte=on)
            .select_related("action", "author")
            .order_by("-reported_on", "action__position")
        )
        return report

    @staticmethod
    def _reasons(action: Action) -> list[str]:
        """Why a listed action is an exception, read from its with_rag() annotations."""
        reasons = []
        if action.rag == RAG.RED:
            reasons.append("Red")
        if action.delivery_status == DeliveryStatus.OVERDUE:
            reasons.append(f"Overdue by {action.overdue_by} ({action.days_overdue:,} days)")
        if action.has_slipped:
            reasons.append(f"Slipped {action.days_slipped} days")
        if action.is_stale:
            reasons.append(
                "No update since "
                + (action.last_reported_on.strftime("%-d %B %Y") if action.last_reported_on else "it was agreed")
            )
        if action.rag_disagrees:
            reasons.append("Officer's RAG rosier than the dates suggest")
        return reasons

    @property
    def changes(self) -> list[tuple[str, int, int]]:
        """(label, previous, now) for the summary table."""
        rows = [(RAG(rag).label, getattr(self.previous, rag), getattr(self.summary, rag)) for rag in RAG.values]
        rows += [
            ("Overdue", self.previous.overdue, self.summary.overdue),
            ("Slipped", self.previous.slipped, self.summary.slipped),
            ("Stale", self.previous.stale, self.summary.stale),
            ("Total", self.previous.total, self.summary.total),
        ]
        return rows


@dataclass
class ExceptionReport:
    """What a board is asked to look at, for its meeting: the Red outcomes (with their exception
    records) and Red indicators it assures for `period`, directly or through the boards that
    report to it, and the actions of the plans it assures that are overdue or slipped on `on`
    (two of EXCEPTIONS), from `actions` (those the reader may see).

    Only here may outcomes and indicators (indicators app) meet actions (this app). What counts
    as overdue or slipped is ActionQuerySet's; what is Red is the indicators app's.
    """

    board: Partnership
    on: datetime.date
    period: Period | None = None
    next_meeting: Meeting | None = None
    red_outcomes: list[OutcomeRating] = field(default_factory=list)
    red_indicators: list[IndicatorValue] = field(default_factory=list)
    overdue: list[Action] = field(default_factory=list)
    slipped: list[Action] = field(default_factory=list)

    @classmethod
    def build(
        cls, board: Partnership, on: datetime.date, period: Period | None, actions: ActionQuerySet
    ) -> ExceptionReport:
        """`period`: None for the latest with outcome ratings."""
        period = period or Period.objects.with_outcome_ratings().order_by("-end").first()
        report = cls(board=board, on=on, period=period)
        report.next_meeting = board.meetings.upcoming(on).order_by("date").first()
        family = Partnership.objects.family_ids(board)
        if period is not None:
            report._add_red_outcomes_and_indicators(period, family)
        assured = actions.filter(plan__board__in=family).select_related("plan").with_rag(on)
        for kind in ("overdue", "slipped"):
            listed = assured.exceptions(kind).for_display(on).order_by("plan__title", "position")
            setattr(report, kind, list(listed))
        return report

    def _add_red_outcomes_and_indicators(self, period: Period, family: list[int]) -> None:
        # One row per outcome for the period, whichever board: few, and the Red indicators'
        # outcomes need their rating too even when only the indicator is the board's.
        exceptions: dict[int | None, ExceptionRecord] = {
            record.outcome_id: record
            for record in ExceptionRecord.objects.filter(period=period)
            .select_related("outcome__priority", "period")
            .prefetch_related("indicators")
        }
        ratings: dict[int | None, OutcomeRating] = {
            rating.outcome_id: rating
            for rating in OutcomeRating.objects.for_period(period).select_related(
                "outcome__priority", "outcome__directorate", "outcome__board"
            )
        }
        self.red_outcomes = sorted(
            (r for r in ratings.values() if r.is_red and r.outcome.board_id in family), key=lambda r: r.outcome.code
        )
        for rating in self.red_outcomes:
            rating.exception = exceptions.get(rating.outcome_id)
        # A board owns an indicator through the outcome it assures or as a board that reviews it.
        owned = Q(indicator__outcome__board__in=family) | Q(indicator__partnerships__in=family)
        self.red_indicators = list(
            IndicatorValue.objects.filter(owned, period=period)
            .red()
            .select_related("indicator__outcome__board")
            .order_by("indicator__number")
            .distinct()
        )
        for value in self.red_indicators:
            value.outcome_rating = ratings.get(value.indicator.outcome_id)
            value.exception = exceptions.get(value.indicator.outcome_id)


@dataclass
class RoundReport:
    """An update round's page for the performance team: how many of its actions stand where
    (ReturnRules) overall, by plan, by responsible owner and by their organisation, who has not
    returned, and whose sign-off is awaited. Only the round's plans in `visible` (a Plan queryset:
    those the reader may see) count. A fixed number of queries whatever the round's size."""

    update_round: UpdateRound
    plans: list[Plan] = field(default_factory=list)
    summary: ReturnSummary = field(default_factory=ReturnSummary)
    by_responsible: list[tuple[Owner, ReturnSummary]] = field(default_factory=list)
    by_organisation: list[tuple[Organisation, ReturnSummary]] = field(default_factory=list)
    by_accountable: list[tuple[Owner, ReturnSummary]] = field(default_factory=list)

    @classmethod
    def build(cls, update_round: UpdateRound, visible: PlanQuerySet) -> RoundReport:
        report = cls(update_round=update_round)
        report.plans = list(update_round.plans.filter(pk__in=visible.values("pk")).order_by("title"))
        actions = Action.objects.in_round(update_round).filter(plan__in=[plan.pk for plan in report.plans])
        # Each action's status read once (a row each), then its owners alone: the owner joins
        # repeat an action for every combination of its owners.
        by_plan: defaultdict[int, ReturnSummary] = defaultdict(ReturnSummary)
        pictures: dict[int, tuple[Any, ...]] = {}
        # return_status: an annotation of with_return_status(), which the type stubs cannot see.
        for pk, plan_pk, status in (
            actions.with_return_status(update_round)
            .order_by()
            .values_list(
                "pk",
                "plan",
                "return_status",  # type: ignore[misc]
            )
        ):
            pictures[pk] = (status,)
            by_plan[plan_pk].add((status,), 1)
        for plan in report.plans:
            plan.returns = by_plan[plan.pk]
        report.summary = sum(by_plan.values(), ReturnSummary())
        tallies = actions.tally_by_owner(ReturnSummary, pictures)
        owners = Owner.objects.in_bulk([*tallies["responsible"], *tallies["accountable"]])
        organisations = Organisation.objects.in_bulk(list(tallies["organisation"]))

        def ranked(found: dict[int, ReturnSummary], objects: dict[int, Any]) -> list[tuple[Any, ReturnSummary]]:
            # Most still to do first, then by name.
            rows = [(objects[pk], summary) for pk, summary in found.items()]
            return sorted(rows, key=lambda row: (-row[1].outstanding, -row[1].awaiting_sign_off, str(row[0])))

        report.by_responsible = ranked(tallies["responsible"], owners)
        report.by_organisation = ranked(tallies["organisation"], organisations)
        report.by_accountable = ranked(tallies["accountable"], owners)
        return report

    @property
    def plan_rows(self) -> list[tuple[Plan, ReturnSummary]]:
        return [(plan, plan.returns) for plan in self.plans]

    @property
    def not_returned(self) -> list[tuple[Owner, ReturnSummary]]:
        """The responsible owners with actions still awaiting their update, or returned to them."""
        return [(owner, summary) for owner, summary in self.by_responsible if summary.outstanding]

    @property
    def awaiting_sign_off(self) -> list[tuple[Owner, ReturnSummary]]:
        """The accountable owners with updates waiting for their sign-off."""
        return [(owner, summary) for owner, summary in self.by_accountable if summary.awaiting_sign_off]
