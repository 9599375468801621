"""Performance report files: a quarterly business management report's dashboards, as YAML.

See docs/indicator-file-format.md. The file mirrors the report: directorates → outcomes → success
indicators with the target as written and as a rule, and one RAG column per reporting period
(`q1_rag`, `q2_rag` ... named by the file's `periods:`), the outlook, and the financial dashboards.
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
    read_date,
    read_decimal,
    read_list,
    read_mapping,
    read_slug,
    read_text,
    read_texts,
    read_whole_number,
)
from indicators.importers.base import (
    CleanValue,
    read_benchmarks,
    read_file_head,
    read_outlook,
    read_periods,
    read_polarity,
    read_rag,
    read_rule,
    read_yes_no,
    save_values_and_benchmarks,
)
from indicators.models import (
    CorporatePriority,
    Directorate,
    FinancialDashboard,
    FinancialIndicator,
    Indicator,
    Outcome,
)
from indicators.periods import PeriodSpec

KIND = "performance-report"
_INDICATOR_FIELDS = {
    "number",
    "text",
    "target",
    "cumulative",
    "unit",
    "polarity",
    "rule",
    "tolerance",
    "outlook",
    "comparators",
}
_VALUE_SUFFIXES = ("rag", "actual", "actual_text", "note")
# A financial dashboard row's text columns: file key → FinancialIndicator field.
_FINANCIAL_TEXTS = {
    "group": "group",
    "indicator": "text",
    "target": "target_text",
    "position": "position_text",
    "notes": "notes",
}


@dataclass
class CleanIndicator:
    number: int
    directorate: str
    outcome: str
    fields: dict[str, Any]
    values: list = field(default_factory=list)
    benchmarks: list = field(default_factory=list)


@dataclass
class CleanReport:
    source: str
    title: str
    priorities: list[dict[str, str]]
    directorates: list[dict[str, str]]
    outcomes: list[dict[str, Any]]
    indicators: list[CleanIndicator]
    financial: list[dict[str, Any]]


def validate_report(data: Any, source: str) -> CleanReport:
    """Check a performance report file. Returns a CleanReport or raises IndicatorFileError with every problem."""
    keys = ["report", "periods", "outlook_period", "priorities", "directorates", "financial_reports"]
    problems = read_file_head(data, source, KIND, keys)
    report = read_mapping(data.get("report") or {}, problems, "report", {"title", "presented_to", "date", "source"})
    title = read_text(report.get("title"), problems, "report", "title", required=True)
    read_date(report.get("date"), problems, "report", "date")

    raw_periods, period_keys = read_periods(data, problems, "the report's RAG columns, e.g. {q1: Q1 2017-18}")
    outlook_key = read_text(data.get("outlook_period"), problems, "file", "outlook_period")
    if outlook_key and outlook_key not in raw_periods:
        problems.add("file", "outlook_period", f"{outlook_key!r} is not one of the periods")

    priorities = _validate_priorities(data, problems)
    directorates, outcomes, indicators = _validate_directorates(
        data, problems, {p["slug"] for p in priorities}, period_keys, outlook_key, title
    )
    financial = _validate_financial(data, problems, {d["slug"] for d in directorates})
    problems.raise_if_any()
    return CleanReport(source, title, priorities, directorates, outcomes, indicators, financial)


def _validate_priorities(data: dict, problems: Problems) -> list[dict[str, str]]:
    priorities: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, raw in enumerate(read_list(data.get("priorities"), problems, "file", "priorities")):
        item = f"priorities[{index}]"
        raw = read_mapping(raw, problems, item, {"slug", "name"})
        slug = read_slug(raw.get("slug"), problems, item, "slug")
        if slug:
            item = f"priority {slug}"
            check_unique(slug, seen, problems, item, "slug", what="slug")
        priorities.append({"slug": slug, "name": read_text(raw.get("name"), problems, item, "name", required=True)})
    return priorities


def _validate_directorates(
    data: dict,
    problems: Problems,
    priority_slugs: set[str],
    period_keys: dict[str, PeriodSpec],
    outlook_key: str,
    title: str,
) -> tuple[list[dict[str, str]], list[dict[str, Any]], list[CleanIndicator]]:
    directorates: list[dict[str, str]] = []
    outcomes: list[dict[str, Any]] = []
    indicators: list[CleanIndicator] = []
    slugs: set[str] = set()
    codes: set[str] = set()
    outcome_codes: set[str] = set()
    numbers: set[int] = set()
    raw_list = read_list(data.get("directorates"), problems, "file", "directorates")
    if not raw_list:
        problems.add("file", "directorates", "is missing")
    for d_index, raw in enumerate(raw_list):
        item = f"directorates[{d_index}]"
        raw = read_mapping(raw, problems, item, {"slug", "code", "name", "outcomes"})
        slug = read_slug(raw.get("slug"), problems, item, "slug")
        if slug:
            item = f"directorate {slug}"
            check_unique(slug, slugs, problems, item, "slug", what="slug")
        code = read_text(raw.get("code"), problems, item, "code", required=True)
        check_unique(code, codes, problems, item, "code")
        directorates.append(
            {"slug": slug, "code": code, "name": read_text(raw.get("name"), problems, item, "name", required=True)}
        )

        for o_index, raw_outcome in enumerate(read_list(raw.get("outcomes"), problems, item, "outcomes")):
            where = f"{item} outcomes[{o_index}]"
            raw_outcome = read_mapping(raw_outcome, problems, where, {"code", "priority", "text", "indicators"})
            outcome_code = read_text(raw_outcome.get("code"), problems, where, "code", required=True)
            if outcome_code:
                where = f"outcome {outcome_code}"
                check_unique(outcome_code, outcome_codes, problems, where, "code")
            priority = read_text(raw_outcome.get("priority"), problems, where, "priority", required=True)
            if priority and priority not in priority_slugs:
                problems.add(where, "priority", f"unknown priority {priority!r}")
            outcomes.append(
                {
                    "code": outcome_code,
                    "directorate": slug,
                    "priority": priority,
                    "text": read_text(raw_outcome.get("text"), problems, where, "text", required=True),
                    "position": o_index,
                }
            )
            for i_index, raw_indicator in enumerate(
                read_list(raw_outcome.get("indicators"), problems, where, "indicators")
            ):
                indicator = _validate_indicator(
                    raw_indicator, problems, f"{where} indicators[{i_index}]", period_keys, outlook_key, title
                )
                if indicator is None:
                    continue
                check_unique(indicator.number, numbers, problems, f"indicator {indicator.number}", "number", "number")
                indicator.directorate, indicator.outcome = slug, outcome_code
                indicators.append(indicator)
    return directorates, outcomes, indicators


def _validate_indicator(
    raw: Any, problems: Problems, where: str, period_keys: dict[str, PeriodSpec], outlook_key: str, title: str
) -> CleanIndicator | None:
    value_fields = {f"{key}_{suffix}" for key in period_keys for suffix in _VALUE_SUFFIXES}
    raw = read_mapping(raw, problems, where, None)
    number = read_whole_number(raw.get("number"), problems, where, "number")
    item = f"indicator {number}" if number else where
    for key in raw:
        if key not in _INDICATOR_FIELDS and key not in value_fields:
            problems.unknown(item, key, _INDICATOR_FIELDS | value_fields)
    polarity = read_polarity(raw.get("polarity"), problems, item, "polarity")
    rule = read_rule(raw.get("rule"), polarity, problems, item)
    tolerance = read_decimal(raw.get("tolerance"), problems, item, "tolerance")
    if tolerance is not None and tolerance < 0:
        problems.add(item, "tolerance", "cannot be negative")
    fields: dict[str, Any] = {
        "text": read_text(raw.get("text"), problems, item, "text", required=True),
        "target_text": read_text(raw.get("target"), problems, item, "target"),
        "cumulative": read_yes_no(raw.get("cumulative"), problems, item, "cumulative"),
        "unit": read_text(raw.get("unit"), problems, item, "unit"),
        **rule,
    }
    if tolerance is not None:
        fields["tolerance_percent"] = tolerance
    # Checked whole even without a number, so that every problem is reported; then left out.
    clean = CleanIndicator(number=number or 0, directorate="", outcome="", fields=fields)

    outlook_given = "outlook" in raw
    outlook = read_outlook(raw.get("outlook"), problems, item, "outlook")
    if outlook_given and not outlook_key:
        problems.add(item, "outlook", "the file has no outlook_period to put it in")
    for key, spec in period_keys.items():
        given: dict[str, Any] = {}
        if f"{key}_rag" in raw:
            given["reported_rag"], given["rag_text"] = read_rag(raw[f"{key}_rag"], problems, item, f"{key}_rag")
        if f"{key}_actual" in raw:
            given["actual"] = read_decimal(raw[f"{key}_actual"], problems, item, f"{key}_actual")
        if f"{key}_actual_text" in raw:
            given["actual_text"] = read_text(raw[f"{key}_actual_text"], problems, item, f"{key}_actual_text")
        if f"{key}_note" in raw:
            given["note"] = read_text(raw[f"{key}_note"], problems, item, f"{key}_note")
        if key == outlook_key and outlook_given:
            given["outlook"] = outlook
        if given:
            given["source"] = title
            clean.values.append(CleanValue(period=spec, fields=given))
    clean.benchmarks = read_benchmarks(raw.get("comparators"), problems, item, default_source=title)
    return clean if number else None


def _validate_financial(data: dict, problems: Problems, directorate_slugs: set[str]) -> list[dict[str, Any]]:
    section = data.get("financial_reports")
    if section is None:
        return []
    section = read_mapping(section, problems, "financial_reports", {"heading", "reported_to", "dashboards"})
    reported_to = read_text(section.get("reported_to"), problems, "financial_reports", "reported_to")
    dashboards: list[dict[str, Any]] = []
    slugs: set[str] = set()
    for index, raw in enumerate(read_list(section.get("dashboards"), problems, "financial_reports", "dashboards")):
        item = f"financial dashboard [{index}]"
        raw = read_mapping(raw, problems, item, {"slug", "title", "directorate", "position_heading", "as_at", "rows"})
        slug = read_text(raw.get("slug"), problems, item, "slug", required=True)
        if slug:
            item = f"financial dashboard {slug}"
            check_unique(slug, slugs, problems, item, "slug", what="slug")
        directorate = read_text(raw.get("directorate"), problems, item, "directorate")
        if directorate and directorate not in directorate_slugs:
            problems.add(item, "directorate", f"unknown directorate {directorate!r}")
        rows = []
        for r_index, raw_row in enumerate(read_list(raw.get("rows"), problems, item, "rows")):
            where = f"{item} row {r_index + 1}"
            raw_row = read_mapping(
                raw_row, problems, where, {"group", "indicator", "target", "position", "on_target", "notes"}
            )
            row: dict[str, Any] = read_texts(raw_row, problems, where, _FINANCIAL_TEXTS, required={"indicator"})
            row["on_target"] = read_yes_no(raw_row.get("on_target"), problems, where, "on_target")
            rows.append(row)
        dashboards.append(
            {
                "slug": slug,
                "title": read_text(raw.get("title"), problems, item, "title", required=True),
                "directorate": directorate,
                "position_heading": read_text(
                    raw.get("position_heading"), problems, item, "position_heading", required=True
                ),
                "as_at": read_date(raw.get("as_at"), problems, item, "as_at"),
                "reported_to": reported_to,
                "rows": rows,
            }
        )
    return dashboards


@transaction.atomic
def save_report(clean: CleanReport, user: Any = None) -> ImportReport:
    """Write a validated report: only what changed, in bulk, all or nothing. Nothing the file leaves
    out is deleted, except financial dashboard rows, which belong to the file alone."""
    report = ImportReport(title=clean.title)
    writer = Writer(user=user)

    def sync(model: Any, key: str, wanted: dict, remove: bool = False) -> dict:
        held = by_key(model.objects.filter(**{f"{key}__in": list(wanted)}), key) if wanted else {}
        synced = writer.sync(model, wanted, held, remove=remove)
        report.add(synced)
        return synced.rows

    priorities = sync(
        CorporatePriority,
        "slug",
        {p["slug"]: {"slug": p["slug"], "name": p["name"], "position": i} for i, p in enumerate(clean.priorities)},
    )
    directorates = sync(
        Directorate,
        "slug",
        {
            d["slug"]: {"slug": d["slug"], "code": d["code"], "name": d["name"], "position": i}
            for i, d in enumerate(clean.directorates)
        },
    )
    outcomes = sync(
        Outcome,
        "code",
        {
            o["code"]: {
                "code": o["code"],
                "directorate_id": directorates[o["directorate"]].pk,
                "priority_id": priorities[o["priority"]].pk,
                "text": o["text"],
                "position": o["position"],
            }
            for o in clean.outcomes
        },
    )
    indicators = sync(
        Indicator,
        "code",
        {
            str(ci.number): {
                "code": str(ci.number),
                "kind": Indicator.Kind.SUCCESS,
                "number": ci.number,
                "directorate_id": directorates[ci.directorate].pk,
                "outcome_id": outcomes[ci.outcome].pk,
                "theme_id": None,
                "column": "",
                "position": ci.number,
                **ci.fields,
            }
            for ci in clean.indicators
        },
    )
    save_values_and_benchmarks(writer, report, [(indicators[str(ci.number)], ci) for ci in clean.indicators])

    dashboards = sync(
        FinancialDashboard,
        "slug",
        {
            fd["slug"]: {
                "slug": fd["slug"],
                "title": fd["title"],
                "directorate_id": directorates[fd["directorate"]].pk if fd["directorate"] else None,
                "position_heading": fd["position_heading"],
                "as_at": fd["as_at"],
                "reported_to": fd["reported_to"],
                "position": position,
            }
            for position, fd in enumerate(clean.financial)
        },
    )
    ids = [dashboard.pk for dashboard in dashboards.values()]
    held = by_key(FinancialIndicator.objects.filter(dashboard_id__in=ids), "dashboard_id", "position")
    rows = {
        (dashboards[fd["slug"]].pk, position): {"dashboard_id": dashboards[fd["slug"]].pk, "position": position, **row}
        for fd in clean.financial
        for position, row in enumerate(fd["rows"])
    }
    report.add(writer.sync(FinancialIndicator, rows, held, remove=True))
    return report
