"""Board papers for a meeting: what each paper holds (its data), generating a draft, publishing it.

A paper's data is plain JSON built from the reports (reports.BoardReport, reports.ExceptionReport)
and the indicators: the words and numbers the paper prints, nothing else, so the HTML page, the
PDF (actionplan/pdf.py) and the Word file (actionplan/word.py) all show the same paper, and a
published paper shows what the board was given whatever is corrected later.

Who may generate and publish: a plan's progress paper, that plan's admins; the board's exception
report and performance report, the board's admins: those who administer every plan the board
assures (directly or through its sub-boards); superusers always.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from actionplan.models import Action, ActionSnapshot, MeetingPaper, Plan, ProgressUpdate
from actionplan.querysets import PICTURE, owners_of
from actionplan.reports import BoardReport, ExceptionReport
from actionplan.status import RAG, RAG_ORDER, RagSummary
from indicators.models import (
    OUTLOOK_SYMBOLS,
    Directorate,
    ExceptionRecord,
    Indicator,
    IndicatorRag,
    OutcomeRating,
    Outlook,
    Period,
)
from partnerships.models import Meeting, Partnership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

Data = dict[str, Any]
Kind = MeetingPaper.Kind

# What each kind of paper is called in addresses (/boards/hwb/meetings/2018-11-15/exceptions/).
KIND_SLUGS = {Kind.EXCEPTIONS: "exceptions", Kind.PERFORMANCE: "performance"}

RAG_COLOURS = {
    "red": "#d4351c",
    "amber": "#f47738",
    "green": "#00703c",
    "complete": "#1d70b8",
    "not_started": "#505a5f",
}


def day(date: datetime.date | None, fmt: str = "%-d %B %Y") -> str:
    return date.strftime(fmt) if date else ""


def short_day(date: datetime.date | None) -> str:
    return day(date, "%-d %b %Y")


def signed_off(update: ProgressUpdate | None) -> str:
    """'Signed off by … on …' for an update its accountable owner signed off, else ''.

    The one place papers read sign-off (ProgressUpdate.signed_off_by / signed_off_at, which update
    rounds record)."""
    if update is None or update.signed_off_by is None:
        return ""
    by, at = update.signed_off_by, update.signed_off_at
    name = by.get_full_name() or by.get_username()
    return f"Signed off by {name}" + (f" on {day(timezone.localtime(at).date())}" if at else "")


def rag_chart(summary: RagSummary) -> list[Data]:
    """The cover's RAG chart: one bar per RAG, worst first, with its count and share."""
    most = max([getattr(summary, rag) for rag in RAG_ORDER] + [1])
    return [
        {
            "rag": rag.value,
            "label": rag.label,
            "count": getattr(summary, rag),
            "width": round(100 * getattr(summary, rag) / most, 1),
            "colour": RAG_COLOURS[rag],
        }
        for rag in RAG_ORDER
    ]


def _latest(action: Action) -> Data | None:
    update = action.latest_update()
    if update is None:
        return None
    return {
        "reported_on": short_day(update.reported_on),
        "narrative": update.narrative,
        "signed_off": signed_off(update),
    }


def _codes(action: Action, role: str) -> str:
    return ", ".join(owner.code for owner in owners_of(action, role)) or "None named"


def _header(meeting: Meeting, title: str, landscape: bool = True) -> Data:
    board = meeting.partnership
    return {
        "title": title,
        "board": board.name,
        "board_label": board.label,
        "board_slug": board.slug,
        "meeting": meeting.date.isoformat(),
        "meeting_display": day(meeting.date),
        "landscape": landscape,
    }


# -- The plan progress paper (the board report, reworked) --------------------------------------


def plan_progress_data(report: BoardReport, meeting: Meeting | None = None) -> Data:
    """A plan's progress paper: the cover summary and chart, RAG by priority, the exceptions with
    their latest narrative as it stood, what changed since the previous meeting."""
    plan = report.plan
    title = f"{plan.full_title or plan.title}: progress report"
    data = (
        _header(meeting, title)
        if meeting
        else {
            "title": title,
            "board": plan.board.name if plan.board else plan.board_name,
            "board_label": plan.board.label if plan.board else plan.board_name,
            "meeting": "",
            "meeting_display": "",
            "landscape": True,
        }
    )
    priorities = list(plan.priorities.all())
    by_priority = plan.actions.with_rag(report.on).rag_summary_by("priority", report.on)
    data.update(
        kind=Kind.PLAN_PROGRESS,
        plan={"slug": plan.slug, "title": plan.title, "stale_after_days": plan.stale_after_days},
        on=report.on.isoformat(),
        on_display=day(report.on),
        since=report.since.isoformat(),
        since_display=day(report.since),
        since_short=short_day(report.since),
        on_short=short_day(report.on),
        total=report.summary.total,
        exception_count=len(report.exceptions),
        chart=rag_chart(report.summary),
        summary=[{"label": label, "before": before, "now": now} for label, before, now in report.changes],
        priority_label=plan.priority_label,
        priorities=[
            {
                "code": p.code,
                "text": p.text,
                "counts": [getattr(by_priority.get(p.pk, RagSummary()), rag) for rag in RAG_ORDER],
                "total": by_priority.get(p.pk, RagSummary()).total,
            }
            for p in priorities
        ],
        rag_labels=[rag.label for rag in RAG_ORDER],
        exceptions=[
            {
                "pk": row.action.pk,
                "code": row.action.code,
                "title": row.action.title,
                "accountable": _codes(row.action, "accountable"),
                "responsible": _codes(row.action, "responsible"),
                "due": short_day(row.action.current_due_date) or "No date set",
                "was_due": short_day(row.action.due_date) if row.action.days_slipped else "",
                "rag": row.action.rag,
                "rag_label": RAG(row.action.rag).label,
                # The RAG is shown beside them: "Red" is not said twice.
                "reasons": [reason for reason in row.reasons if reason != "Red"],
                "latest": _latest(row.action),
            }
            for row in report.exceptions
        ],
        rag_changes=[
            {
                "pk": action.pk,
                "code": action.code,
                "title": action.title,
                "before": before.value,
                "before_label": before.label,
                "after": after.value,
                "after_label": after.label,
            }
            for action, before, after in report.rag_changes
        ],
        updates_since=[
            {
                "code": update.action.code,
                "reported_on": short_day(update.reported_on),
                "rag": update.rag,
                "rag_label": update.get_rag_display() if update.rag else "No RAG given",
                "narrative": update.narrative,
                "revised": (
                    f"Revised completion date {short_day(update.revised_due_date)}"
                    + (f": {update.revision_reason}" if update.revision_reason else "")
                    if update.revised_due_date
                    else ""
                ),
                "signed_off": signed_off(update),
            }
            for update in report.updates_since
        ],
    )
    return data


# -- The board exception report ----------------------------------------------------------------


def exceptions_data(report: ExceptionReport, meeting: Meeting) -> Data:
    """Everything Red, overdue or slipping the board assures, as ExceptionReport finds it."""
    data = _header(meeting, "Exception report")
    data.update(
        kind=Kind.EXCEPTIONS,
        on=report.on.isoformat(),
        on_display=day(report.on),
        period=report.period.label if report.period else "",
        plans=sorted({action.plan.title for action in report.overdue + report.slipped}),
        red_outcomes=[
            {
                "code": rating.outcome.code,
                "priority": rating.outcome.priority.name,
                "outcome": f"{rating.outcome.text} ({rating.outcome.directorate.code})",
                "board": rating.outcome.board.label if rating.outcome.board else "",
                **_exception_record(rating.exception),
            }
            for rating in report.red_outcomes
        ],
        red_indicators=[
            {
                "number": value.indicator.number,
                "code": value.indicator.code,
                "text": value.indicator.text,
                "note": value.note,
                "outcome": value.indicator.outcome.text if value.indicator.outcome else "",
                "outcome_rag": value.outcome_rating.get_rag_display() if value.outcome_rating else "Not rated",
                "recommended_action": value.exception.recommended_action if value.exception else "",
                "decision": _decision(value.exception),
            }
            for value in report.red_indicators
        ],
        overdue=[_listed_action(action) for action in report.overdue],
        slipped=[_listed_action(action) for action in report.slipped],
    )
    return data


def _decision(record: ExceptionRecord | None) -> str:
    if record is None:
        return "No exception record: the director has not rated its outcome Red."
    text = record.get_decision_display()
    if record.decided_by:
        text += f" by {record.decided_by}"
    if record.decided_on:
        text += f" on {day(record.decided_on)}"
    return text


def _exception_record(record: ExceptionRecord | None) -> Data:
    if record is None:
        return {"indicators": "", "narrative": "", "recommended_action": "", "decision": _decision(None)}
    return {
        "indicators": ", ".join(str(i.number) for i in record.indicators.all()),
        "narrative": record.narrative,
        "recommended_action": record.recommended_action,
        "decision": _decision(record),
    }


def _listed_action(action: Action) -> Data:
    return {
        "pk": action.pk,
        "plan": action.plan.title,
        "code": action.code,
        "title": action.title,
        "accountable": _codes(action, "accountable"),
        "responsible": _codes(action, "responsible"),
        "due": short_day(action.current_due_date),
        "due_as_written": action.completion_date_text,
        "original_due": short_day(action.due_date),
        "revised_due": short_day(action.revised_due_date),
        "days_slipped": action.days_slipped,
        "latest": _latest(action),
    }


# -- The quarterly performance report (the Performance Scrutiny paper's shape) -----------------

# A value with no RAG is reported in words: "Due in Q3".
DUE_LATER = "due_later"


def reporting_period(on: datetime.date) -> Period | None:
    """The latest quarter with success indicator values that had ended by `on`."""
    return Period.objects.quarters().with_success_values().filter(end__lte=on).order_by("-end").first()


def performance_data(meeting: Meeting, period: Period | None) -> Data:
    """Section A: RAG and outlook counts by directorate and priority, and the sentences the paper
    writes, from the data; Section B: the directorates' dashboards; Section C: the exception
    records of the outcomes rated Red. Every success indicator, as the council's report has them."""
    data = _header(meeting, "Business management and monitoring report")
    data.update(kind=Kind.PERFORMANCE, period="", sentences=[], directorates=[], priorities=[], dashboards=[])
    data["exceptions"] = []
    if period is None:
        return data
    previous = Period.objects.quarters().with_success_values().filter(end__lt=period.end).order_by("-end").first()
    indicators = list(Indicator.objects.for_dashboard(period, previous).order_by("directorate__position", "number"))
    data.update(
        period=period.label,
        period_short=period.short_label,
        previous=previous.short_label if previous else "",
        next_period=period.next_label(),
    )
    rows: list[Data] = []
    for indicator in indicators:
        # for_dashboard()'s annotations and prefetch, which the type stubs cannot see.
        shown: Any = indicator
        by_period = {value.period_id: value for value in shown.dashboard_values}
        current = by_period.get(period.pk)
        before = by_period.get(previous.pk) if previous else None
        rows.append(
            {
                "number": indicator.number,
                "directorate": indicator.directorate.name if indicator.directorate else "",
                "directorate_id": indicator.directorate_id,
                "priority": indicator.outcome.priority.name if indicator.outcome else "",
                "outcome": indicator.outcome.text if indicator.outcome else "",
                "text": indicator.text,
                "target": indicator.target_text,
                "cumulative": {True: "Y", False: "N"}.get(indicator.cumulative, ""),  # type: ignore[arg-type]
                "previous_rag": shown.previous_rag or "",
                "previous_rag_text": (before.rag_text if before else "") or "",
                "rag": shown.current_rag or "",
                "rag_text": (current.rag_text if current else "") or "",
                "outlook": shown.current_outlook or "",
                "outlook_symbol": OUTLOOK_SYMBOLS.get(shown.current_outlook, ""),
            }
        )
    data["sentences"] = _sentences(rows, period, previous)
    data["directorates"] = _counts_by(rows, "directorate", [d.name for d in Directorate.objects.order_by("position")])
    data["priorities"] = _counts_by(rows, "priority", sorted({str(row["priority"]) for row in rows}))
    data["dashboards"] = [
        {"name": name, "rows": [row for row in rows if row["directorate"] == name]}
        for name in dict.fromkeys(row["directorate"] for row in rows)
    ]
    ratings = OutcomeRating.objects.for_period(period)
    outcomes = ratings.summary()
    if outcomes["total"]:
        data["sentences"].insert(
            0,
            f"Of the {outcomes['total']} outcomes being reported on, {outcomes['green_or_amber']} were rated Green "
            f"or Amber at the end of {period.label} and {outcomes['red']} Red.",
        )
    records = (
        ExceptionRecord.objects.filter(period=period)
        .select_related("outcome__priority", "outcome__directorate")
        .prefetch_related("indicators")
        .order_by("outcome__priority__position", "outcome__code")
    )
    data["exceptions"] = [
        {
            "priority": record.outcome.priority.name,
            "outcome": f"{record.outcome.text} ({record.outcome.directorate.code})",
            **_exception_record(record),
        }
        for record in records
    ]
    return data


def _shown(row: Data) -> str:
    return row["rag"] or DUE_LATER


def _counts_by(rows: list[Data], key: str, names: list[str]) -> list[Data]:
    counted: dict[str, Counter[str]] = {name: Counter() for name in names}
    for row in rows:
        counted.setdefault(row[key], Counter())
        counted[row[key]][_shown(row)] += 1
        counted[row[key]][row["outlook"] or "none"] += 1
        counted[row[key]]["total"] += 1
    return [
        {
            "name": name,
            "total": c["total"],
            "green": c["green"],
            "amber": c["amber"],
            "red": c["red"],
            "due_later": c[DUE_LATER],
            "improving": c[Outlook.IMPROVING],
            "stable": c[Outlook.STABLE],
            "deteriorating": c[Outlook.DETERIORATING],
        }
        for name, c in counted.items()
        if c["total"]
    ]


def _sentences(rows: list[Data], period: Period, previous: Period | None) -> list[str]:
    """What the paper says of its dashboards, from the counts: "33 of the 50 success indicators…"."""
    total = len(rows)
    rags = Counter(_shown(row) for row in rows)
    outlooks = Counter(row["outlook"] for row in rows)
    later = rags[DUE_LATER]
    sentences = [
        f"{rags['green']} of the {total} success indicators were rated Green for {period.label}, "
        f"{rags['amber']} Amber and {rags['red']} Red"
        + (f"; {later} {'is' if later == 1 else 'are'} due later." if later else ".")
    ]
    if previous is not None:
        before = sum(1 for row in rows if row["previous_rag"] == IndicatorRag.RED)
        change = rags["red"] - before
        compared = "the same as" if change == 0 else f"{abs(change)} {'more' if change > 0 else 'fewer'} than"
        sentences.append(
            f"{rags['red']} were rated Red for {period.short_label}: {compared} in {previous.short_label}."
        )
        newly = [str(row["number"]) for row in rows if row["rag"] == "red" and row["previous_rag"] != "red"]
        left = [
            f"{row['number']} (now {row['rag'].title()})"
            for row in rows
            if row["previous_rag"] == "red" and row["rag"] and row["rag"] != "red"
        ]
        if newly:
            sentences.append(
                f"Newly Red since {previous.short_label}: indicator{'s' if len(newly) > 1 else ''} {_and(newly)}."
            )
        if left:
            sentences.append(
                f"No longer Red since {previous.short_label}: indicator{'s' if len(left) > 1 else ''} {_and(left)}."
            )
    sentences.append(
        f"Looking into {period.next_label()}, the outlook for {outlooks[Outlook.IMPROVING]} of the {total} success "
        f"indicators is improving, {outlooks[Outlook.STABLE]} stable and {outlooks[Outlook.DETERIORATING]} "
        "deteriorating."
    )
    return sentences


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- Which papers a meeting has, and who may make them ------------------------------------------


def assured_plans(board: Partnership) -> list[Plan]:
    """The plans a board assures, directly or through its sub-boards, by title."""
    return list(Plan.objects.filter(board__in=Partnership.objects.family_ids(board)).order_by("title"))


def may_publish(user: User | AnonymousUser, board: Partnership, plan: Plan | None) -> bool:
    """Generating and publishing: a plan paper, the plan's admins; a board paper, the board's
    admins (every plan it assures), or a superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    administered = Plan.objects.administered_by(user)
    if plan is not None:
        return administered.filter(pk=plan.pk).exists()
    plans = assured_plans(board)
    return bool(plans) and administered.filter(pk__in=[p.pk for p in plans]).count() == len(plans)


def may_read(user: User | AnonymousUser, board: Partnership, plan: Plan | None, kind: str) -> bool:
    """A plan paper, whoever may see the plan; the exception report, whoever may see every plan it
    covers (a published paper is the same for every reader, so it is never cut down); the
    performance report (indicators only), anyone signed in."""
    if not user.is_authenticated:
        return False
    visible = Plan.objects.visible_to(user)
    if plan is not None:
        return visible.filter(pk=plan.pk).exists()
    if kind == Kind.PERFORMANCE:
        return True
    plans = assured_plans(board)
    return visible.filter(pk__in=[p.pk for p in plans]).count() == len(plans)


# -- Building, generating and publishing ------------------------------------------------------


def build(meeting: Meeting, kind: str, plan: Plan | None) -> Data:
    """The paper's data as things stand now, for the meeting's date."""
    on = meeting.date
    if kind == Kind.PLAN_PROGRESS:
        assert plan is not None
        earlier = meeting.partnership.meetings.filter(date__lt=on).order_by("-date").first()
        since = earlier.date if earlier else on - datetime.timedelta(days=28)
        return plan_progress_data(BoardReport.build(plan, on, since), meeting)
    if kind == Kind.EXCEPTIONS:
        report = ExceptionReport.build(meeting.partnership, on, None, Action.objects.all())
        return exceptions_data(report, meeting)
    return performance_data(meeting, reporting_period(on))


def generate(meeting: Meeting, kind: str, plan: Plan | None, user: User | None) -> MeetingPaper:
    """Make (or make again) the meeting's draft paper: its data and, for a plan paper, its actions'
    frozen pictures. Quick: a draft's PDF and Word files are made from its data when downloaded,
    and kept only once it is published. A published paper is never made again."""
    with transaction.atomic():
        paper, _ = MeetingPaper.objects.select_for_update().get_or_create(
            meeting=meeting, kind=kind, plan=plan, defaults={"generated_at": timezone.now()}
        )
        if paper.is_published:
            raise AlreadyPublished(paper)
        paper.data = build(meeting, kind, plan)
        paper.generated_at = timezone.now()
        paper.generated_by = user
        paper.save()
        if plan is not None:
            _freeze_pictures(paper, plan, meeting.date)
    return paper


def _freeze_pictures(paper: MeetingPaper, plan: Plan, on: datetime.date) -> None:
    paper.snapshots.all().delete()
    rows = plan.actions.with_rag(on).order_by().values_list("pk", *PICTURE)
    ActionSnapshot.objects.bulk_create(
        ActionSnapshot(paper=paper, action_id=pk, **dict(zip(PICTURE, picture, strict=True))) for pk, *picture in rows
    )


def publish(paper: MeetingPaper, user: User) -> bool:
    """Publish a draft: its PDF and Word files are made from its data, saying "Published", and
    kept; from then on nothing changes. False if it already was."""
    from actionplan import pdf, word

    with transaction.atomic():
        claimed = MeetingPaper.objects.filter(pk=paper.pk, status=MeetingPaper.Status.DRAFT).update(
            status=MeetingPaper.Status.PUBLISHED, published_at=timezone.now(), published_by=user
        )
        if not claimed:
            return False
        paper.refresh_from_db()
        paper.pdf = pdf.paper_pdf(paper.data, MeetingPaper.Status.PUBLISHED)
        paper.docx = word.paper_docx(paper.data, MeetingPaper.Status.PUBLISHED)
        paper.save(update_fields=["pdf", "docx"])
    return True


class AlreadyPublished(Exception):
    def __init__(self, paper: MeetingPaper) -> None:
        self.paper = paper
        super().__init__(f"{paper} is published and cannot be made again")


# -- What changed since the last meeting --------------------------------------------------------

# What a member compares between two meetings' pictures of an action.
COMPARED = ("rag", "delivery_status", "current_due_date", "is_stale", "has_slipped")


def pictures(plans: list[Plan], on: datetime.date) -> dict[int, Data]:
    """{action pk: its picture on `on`}: read from the published plan papers for a meeting that
    day (what the board was given), worked out from the progress updates for the other plans."""
    frozen = MeetingPaper.objects.frozen_for([plan.pk for plan in plans], on)
    found: dict[int, Data] = {}
    fields = ("pk", "plan__title", "code", "title", "position", *COMPARED)
    for chosen, papers in ((list(frozen), frozen.values()), ([p.pk for p in plans if p.pk not in frozen], ())):
        if chosen:
            actions = Action.objects.filter(plan__in=chosen).with_rag(on, frozen=list(papers)).order_by()
            for row in actions.values(*fields):
                row["exception"] = bool(
                    row["rag"] == RAG.RED
                    or row["delivery_status"] == "overdue"
                    or row["is_stale"]
                    or row["has_slipped"]
                )
                found[row["pk"]] = row
    return found


def changes_between(plans: list[Plan], since: datetime.date, on: datetime.date) -> Data:
    """The actions whose RAG, delivery status or dates changed between the pictures on `since`
    and on `on` (pictures()), and those that became exceptions."""
    from actionplan.status import DeliveryStatus

    before, after = pictures(plans, since), pictures(plans, on)
    changed, new_exceptions = [], []
    for pk, now in sorted(after.items(), key=lambda item: (item[1]["plan__title"], item[1]["position"])):
        then = before.get(pk)
        row = {"pk": pk, "plan": now["plan__title"], "code": now["code"], "title": now["title"], "now": now}
        if then is None:
            row["what"] = ["New since the last meeting"]
        else:
            row["what"] = [
                label
                for label, field in (
                    ("RAG", "rag"),
                    ("Status", "delivery_status"),
                    ("Due date", "current_due_date"),
                )
                if then[field] != now[field]
            ]
        row["then"] = then
        for picture in (then, now):
            if picture:
                picture["status_label"] = DeliveryStatus(picture["delivery_status"]).label
                picture["due"] = short_day(picture["current_due_date"]) or "No date set"
                picture["rag_label"] = RAG(picture["rag"]).label
        if row["what"]:
            changed.append(row)
        if now["exception"] and not (then and then["exception"]):
            new_exceptions.append(row)
    return {"changed": changed, "new_exceptions": new_exceptions, "sources": _sources(plans, since, on)}


def _sources(plans: list[Plan], since: datetime.date, on: datetime.date) -> list[str]:
    """Which pictures were compared: a published paper's snapshot, or worked out from the updates."""
    lines = []
    for date in (since, on):
        frozen = MeetingPaper.objects.frozen_for([plan.pk for plan in plans], date)
        for plan in plans:
            how = "its published paper" if plan.pk in frozen else "the progress reported by then"
            lines.append(f"{plan.title} on {day(date)}: {how}")
    return lines
