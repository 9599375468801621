"""Outcome ratings files: a director's RAG for each outcome per period, the board that assures it,
and the exception record (a report's Section C) for each Red. See docs/indicator-file-format.md.

The outcomes themselves come from the performance report file; this file names them by code, so it
is imported after it (the command checks every file first, and a code that is not there when this
one is saved stops the whole import).
"""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from config.importing import (
    ImportReport,
    Problems,
    Writer,
    by_key,
    check_unique,
    read_choice,
    read_date,
    read_list,
    read_mapping,
    read_text,
)
from indicators.importers.base import Periods, read_file_head, read_periods
from indicators.models import ExceptionRecord, Indicator, Outcome, OutcomeRag, OutcomeRating
from indicators.periods import PeriodSpec
from partnerships.models import Partnership

KIND = "outcome-ratings"
_RAG_WORDS = {
    "r": OutcomeRag.RED,
    "red": OutcomeRag.RED,
    "a": OutcomeRag.AMBER,
    "amber": OutcomeRag.AMBER,
    "g": OutcomeRag.GREEN,
    "green": OutcomeRag.GREEN,
    "green or amber": OutcomeRag.GREEN_OR_AMBER,
    "g/a": OutcomeRag.GREEN_OR_AMBER,
}
_DECISIONS = {
    "awaiting": ExceptionRecord.Decision.AWAITING,
    "accepted": ExceptionRecord.Decision.ACCEPTED,
    "not accepted": ExceptionRecord.Decision.NOT_ACCEPTED,
    "not_accepted": ExceptionRecord.Decision.NOT_ACCEPTED,
    "not recorded": ExceptionRecord.Decision.NOT_RECORDED,
}
_EXCEPTION_FIELDS = {
    "indicators",
    "narrative",
    "recommended_action",
    "decision",
    "decided_by",
    "decided_on",
    "decision_text",
}


@dataclass
class CleanRating:
    outcome: str
    board: str | None  # None: the file does not say (left alone); "": no board
    period: PeriodSpec
    rag: str
    note: str
    exception: dict | None = None
    indicators: list = field(default_factory=list)


@dataclass
class CleanRatings:
    source: str
    title: str
    ratings: list[CleanRating]
    boards: dict  # outcome code -> board slug ("" for none), for outcomes whose board the file gives


def validate_ratings(data: Any, source: str) -> CleanRatings:
    problems = read_file_head(data, source, KIND, ["title", "source", "periods", "outcomes"])
    title = read_text(data.get("title"), problems, "file", "title", required=True)
    _, period_keys = read_periods(data, problems, "the report's rating columns, e.g. {q2: Q2 2017-18}")

    allowed = {"outcome", "board"} | {
        f"{key}_{suffix}" for key in period_keys for suffix in ("rag", "note", "exception")
    }
    ratings: list[CleanRating] = []
    boards: dict[str, str] = {}
    seen: set[str] = set()
    raw_outcomes = read_list(data.get("outcomes"), problems, "file", "outcomes")
    if not raw_outcomes:
        problems.add("file", "outcomes", "is missing")
    for index, raw in enumerate(raw_outcomes):
        item = f"outcomes[{index}]"
        raw = read_mapping(raw, problems, item, allowed)
        code = read_text(raw.get("outcome"), problems, item, "outcome", required=True)
        if code:
            item = f"outcome {code}"
            check_unique(code, seen, problems, item, "outcome", what="outcome")
        if "board" in raw:
            boards[code] = read_text(raw.get("board"), problems, item, "board")
        for key, spec in period_keys.items():
            rag = _read_rag(raw.get(f"{key}_rag"), problems, item, f"{key}_rag")
            exception = raw.get(f"{key}_exception")
            if not rag:
                if exception is not None:
                    problems.add(item, f"{key}_exception", f"there is no {key}_rag for it to explain")
                continue
            rating = CleanRating(
                code, boards.get(code), spec, rag, read_text(raw.get(f"{key}_note"), problems, item, f"{key}_note")
            )
            if exception is not None:
                rating.exception, rating.indicators = _read_exception(exception, problems, item, f"{key}_exception")
            elif rag == OutcomeRag.RED:
                problems.add(
                    item,
                    f"{key}_rag",
                    f"an outcome rated Red needs an exception record: give {key}_exception "
                    "with its narrative and recommended_action",
                )
            ratings.append(rating)
    problems.raise_if_any()
    return CleanRatings(source, title, ratings, boards)


def _read_rag(value: Any, problems: Problems, item: str, name: str) -> str:
    use = "Red, Amber, Green or 'Green or Amber'"
    return read_choice(value, _RAG_WORDS, problems, item, name, "RAG", use) or ""


def _read_exception(raw: Any, problems: Problems, item: str, name: str) -> tuple[dict[str, Any], list[int]]:
    raw = read_mapping(raw, problems, f"{item} {name}", _EXCEPTION_FIELDS)
    where = f"{item} {name}"
    use = "awaiting, accepted, not accepted or not recorded"
    decision = read_choice(raw.get("decision") or "awaiting", _DECISIONS, problems, where, "decision", "decision", use)
    decided_by = read_text(raw.get("decided_by"), problems, where, "decided_by")
    if decision in (ExceptionRecord.Decision.ACCEPTED, ExceptionRecord.Decision.NOT_ACCEPTED) and not decided_by:
        problems.add(where, "decided_by", "say who made the decision")
    numbers = []
    for number in read_list(raw.get("indicators"), problems, where, "indicators"):
        if isinstance(number, bool) or not isinstance(number, int):
            problems.add(where, "indicators", f"{number!r} is not a success indicator number")
        else:
            numbers.append(number)
    fields = {
        "narrative": read_text(raw.get("narrative"), problems, where, "narrative", required=True),
        "recommended_action": read_text(
            raw.get("recommended_action"), problems, where, "recommended_action", required=True
        ),
        "decision": decision or ExceptionRecord.Decision.AWAITING,
        "decided_by": decided_by,
        "decided_on": read_date(raw.get("decided_on"), problems, where, "decided_on"),
        "decision_text": read_text(raw.get("decision_text"), problems, where, "decision_text"),
    }
    return fields, numbers


@transaction.atomic
def save_ratings(clean: CleanRatings, user: Any = None) -> ImportReport:
    """Write validated ratings, updating in place; all or nothing. An outcome, board or indicator
    that does not exist stops the import with every such problem named."""
    problems = Problems(clean.source)
    outcomes = Outcome.objects.in_bulk([r.outcome for r in clean.ratings] + list(clean.boards), field_name="code")
    boards = Partnership.objects.in_bulk([slug for slug in clean.boards.values() if slug], field_name="slug")
    numbers = {n for r in clean.ratings for n in r.indicators}
    indicators = {i.number: i for i in Indicator.objects.success_indicators().filter(number__in=numbers)}
    for code in sorted({r.outcome for r in clean.ratings} | set(clean.boards)):
        if code not in outcomes:
            problems.add(
                f"outcome {code}", "outcome", f"unknown outcome {code!r}: import the report that holds it first"
            )
    for code, slug in clean.boards.items():
        if slug and slug not in boards:
            problems.add(f"outcome {code}", "board", f"unknown board {slug!r}: import the partnerships file first")
    for rating in clean.ratings:
        for number in rating.indicators:
            if number not in indicators:
                problems.add(
                    f"outcome {rating.outcome}",
                    f"{rating.period.label} exception",
                    f"unknown success indicator {number}",
                )
    problems.raise_if_any()

    report = ImportReport(title=f"{clean.title} (outcome ratings)")
    writer = Writer(user=user)
    periods = Periods([r.period for r in clean.ratings])
    boards_wanted = {code: {"board_id": boards[slug].pk if slug else None} for code, slug in clean.boards.items()}
    report.add(writer.sync(Outcome, boards_wanted, outcomes))

    def key(rating: CleanRating) -> tuple[int, int]:
        return outcomes[rating.outcome].pk, periods.get(rating.period).pk

    outcome_ids = [outcome.pk for outcome in outcomes.values()]
    # Exception records before ratings: a Red rating always has one.
    held = by_key(ExceptionRecord.objects.filter(outcome_id__in=outcome_ids), "outcome_id", "period_id")
    wanted = {
        key(r): {"outcome_id": key(r)[0], "period_id": key(r)[1], **r.exception, "source": clean.title}
        for r in clean.ratings
        if r.exception is not None
    }
    records = writer.sync(ExceptionRecord, wanted, held)
    report.add(records)
    linked: dict[int, set[int]] = {}
    for record_id, indicator_id in ExceptionRecord.indicators.through.objects.filter(
        exceptionrecord_id__in=[r.pk for r in records.rows.values()]
    ).values_list("exceptionrecord_id", "indicator_id"):
        linked.setdefault(record_id, set()).add(indicator_id)
    for rating in clean.ratings:
        if rating.exception is not None:
            record = records.rows[key(rating)]
            wanted_ids = {indicators[n].pk for n in rating.indicators}
            if linked.get(record.pk, set()) != wanted_ids:
                record.indicators.set(wanted_ids)

    held_ratings = by_key(OutcomeRating.objects.filter(outcome_id__in=outcome_ids), "outcome_id", "period_id")
    wanted = {
        key(r): {"outcome_id": key(r)[0], "period_id": key(r)[1], "rag": r.rag, "note": r.note, "source": clean.title}
        for r in clean.ratings
    }
    report.add(writer.sync(OutcomeRating, wanted, held_ratings))
    return report
