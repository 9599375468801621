"""What the dashboard and a board report hold.

Both read the RAG rules from ActionQuerySet.with_rag(on); nothing here decides a colour.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import F

from actionplan.models import (
    RAG,
    SLIPPED,
    DeliveryStatus,
    Owner,
    ProgressUpdate,
    RagSummary,
    prefetch_owners,
)
from partnerships.models import Organisation

# How many actions each of the dashboard's lists shows before "See all".
DASHBOARD_LIST_LENGTH = 10


@dataclass
class Dashboard:
    """The dashboard on date `on`: every plan in `plans` (a Plan queryset) with its RAG picture
    (`.summary`), and the chosen one (by slug, else the first) in detail."""

    plans: list
    chosen: object = None
    detail: object = None

    @classmethod
    def build(cls, plans, slug, on):
        dashboard = cls(plans=plans.select_related("board").with_rag_summaries(on))
        dashboard.chosen = next((p for p in dashboard.plans if p.slug == slug), next(iter(dashboard.plans), None))
        if dashboard.chosen:
            dashboard.detail = PlanDashboard.build(dashboard.chosen, on)
        return dashboard


@dataclass
class PlanDashboard:
    """One plan's dashboard on date `on`: RAG by strategic priority, the overdue, slipped and
    stale actions, and counts by owner and organisation. A fixed number of queries."""

    plan: object
    on: datetime.date
    summary: RagSummary = None
    priorities: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    slipped: list = field(default_factory=list)
    stale: list = field(default_factory=list)
    by_accountable: list = field(default_factory=list)
    by_responsible: list = field(default_factory=list)
    by_organisation: list = field(default_factory=list)

    @classmethod
    def build(cls, plan, on, length=DASHBOARD_LIST_LENGTH):
        board = cls(plan=plan, on=on)
        actions = plan.actions.with_rag(on)  # once: every count and list below reuses it
        by_priority = actions.rag_summary_by("priority", on)
        # Every action has one priority, so the plan's summary is theirs added up.
        board.summary = sum(by_priority.values(), RagSummary())
        board.priorities = list(plan.priorities.all())
        for priority in board.priorities:
            priority.summary = by_priority.get(priority.pk, RagSummary())
        listed = actions.select_related("parent")
        board.overdue = list(
            listed.filter(delivery_status=DeliveryStatus.OVERDUE)
            .with_overdue_since()
            .order_by("current_due_date", "position")[:length]
        )
        board.slipped = list(
            listed.filter(SLIPPED)
            .exclude(delivery_status=DeliveryStatus.COMPLETE)
            .order_by("current_due_date", "position")[:length]
        )
        board.stale = list(
            listed.filter(is_stale=True).order_by(F("last_reported_on").asc(nulls_first=True), "position")[:length]
        )
        prefetch_owners(board.overdue + board.slipped + board.stale)
        by_owner = actions.rag_summaries_by_owner(on)
        ranked = {name: _ranked(summaries) for name, summaries in by_owner.items()}
        owners = Owner.objects.in_bulk(ranked["accountable"][:length] + ranked["responsible"][:length])
        organisations = Organisation.objects.in_bulk(ranked["organisation"][:length])
        board.by_accountable = Ranking.of(ranked["accountable"], owners, by_owner["accountable"], length)
        board.by_responsible = Ranking.of(ranked["responsible"], owners, by_owner["responsible"], length)
        board.by_organisation = Ranking.of(ranked["organisation"], organisations, by_owner["organisation"], length)
        return board


@dataclass
class Ranking:
    """The owners (or organisations) a dashboard table shows: the first few, and how many more."""

    shown: list  # of (owner, RagSummary)
    more: int

    @classmethod
    def of(cls, ranked, objects, summaries, length=DASHBOARD_LIST_LENGTH):
        """The first `length` of `ranked` (pks), from `objects` (in_bulk), with their summaries."""
        shown = [(objects[pk], summaries[pk]) for pk in ranked[:length]]
        return cls(shown, len(ranked) - len(shown))


def _ranked(summaries):
    """Owner (or organisation) pks, those with most overdue and Red actions first."""
    return sorted(summaries, key=lambda pk: (-summaries[pk].overdue, -summaries[pk].red, -summaries[pk].total, pk))


@dataclass
class ExceptionRow:
    action: object
    reasons: list = field(default_factory=list)


@dataclass
class BoardReport:
    """A plan's position on `as_at` for a board paper, and what changed since `since`."""

    plan: object
    as_at: datetime.date
    since: datetime.date
    summary: object = None
    previous: object = None
    exceptions: list = field(default_factory=list)
    rag_changes: list = field(default_factory=list)
    updates_since: list = field(default_factory=list)

    @classmethod
    def build(cls, plan, as_at, since):
        report = cls(plan=plan, as_at=as_at, since=since)
        # Each date's RAG picture annotated once; the counts and lists below reuse it.
        now, then = plan.actions.with_rag(as_at), plan.actions.with_rag(since)
        report.summary = now.rag_summary(as_at)
        report.previous = then.rag_summary(since)
        for action in now.exceptions().for_display(as_at).order_by("position"):
            report.exceptions.append(ExceptionRow(action, cls._reasons(action)))
        before = dict(then.values_list("pk", "rag"))
        report.rag_changes = [
            (action, RAG(before[action.pk]), RAG(action.rag))
            for action in now.select_related("priority").order_by("position")
            if before[action.pk] != action.rag
        ]
        report.updates_since = list(
            ProgressUpdate.objects.filter(action__plan=plan, reported_on__gt=since, reported_on__lte=as_at)
            .select_related("action", "author")
            .order_by("-reported_on", "action__position")
        )
        return report

    @staticmethod
    def _reasons(action):
        reasons = []
        if action.rag == RAG.RED:
            reasons.append("Red")
        if action.delivery_status == DeliveryStatus.OVERDUE:
            reasons.append(f"Overdue by {action.days_overdue} days")
        if action.days_slipped:
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
    def changes(self):
        """(label, previous, now) for the summary table."""
        rows = [(RAG(rag).label, getattr(self.previous, rag), getattr(self.summary, rag)) for rag in RAG.values]
        rows += [
            ("Overdue", self.previous.overdue, self.summary.overdue),
            ("Slipped", self.previous.slipped, self.summary.slipped),
            ("Stale", self.previous.stale, self.summary.stale),
            ("Total", self.previous.total, self.summary.total),
        ]
        return rows
