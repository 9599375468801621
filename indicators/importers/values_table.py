"""Indicator values from a spreadsheet: CSV or XLSX, one row per indicator and period.

A header row names the columns, in any order: `indicator` (its number, e.g. 12, or code, e.g.
ASC-T3-W1) and `period` (Q3 2017-18, July 2024 ...) are required; `actual`, `actual_text`, `rag`,
`outlook` and `note` are optional. A column the file leaves out leaves that field alone; a blank
cell in a column the file has clears it. Every sheet of a workbook is read. Every bad row is
reported (file, sheet, row, column, why) and nothing is written unless the whole file is good.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from config.importing import (
    TABLE_SUFFIXES,
    ImportReport,
    Problems,
    Sheet,
    Writer,
    by_key,
    read_decimal,
    read_table,
    read_text,
)
from indicators.importers.base import Periods, read_outlook, read_period, read_rag
from indicators.models import Indicator, IndicatorValue
from indicators.periods import PeriodSpec

SUFFIXES = TABLE_SUFFIXES
REQUIRED = ("indicator", "period")
OPTIONAL = ("actual", "actual_text", "rag", "outlook", "note")
ALIASES = {
    "indicator number": "indicator",
    "code": "indicator",
    "value": "actual",
    "actual (as written)": "actual_text",
    "rag rating": "rag",
    "narrative": "note",
}


@dataclass
class CleanRow:
    indicator: Indicator
    period: PeriodSpec
    fields: dict[str, Any]


def _cell(cell: Any) -> Any:
    """A spreadsheet cell as the importers read text: Excel turns "July 2024" into a date; undo that."""
    if isinstance(cell, datetime.datetime):
        cell = cell.date()
    if isinstance(cell, datetime.date):
        return f"{cell:%B %Y}"
    if isinstance(cell, float) and cell.is_integer():
        return int(cell)
    return cell


def validate_values(sheets: list[Sheet], source: str) -> list[CleanRow]:
    """Check every row. Returns [CleanRow] or raises IndicatorFileError listing every bad row."""
    problems = Problems(source, noun="column")
    by_code = {i.code.upper(): i for i in Indicator.objects.all()}
    clean: list[CleanRow] = []
    seen: dict[tuple[int, str], str] = {}
    found_header = False
    for sheet in sheets:
        prefix = f"sheet {sheet.name!r}, " if sheet.name is not None else ""
        rows = sheet.rows
        if not rows:
            continue
        found_header = True
        header_number, header = rows[0]
        columns = []
        for cell in header:
            name = " ".join(str(cell or "").split()).lower()
            columns.append(ALIASES.get(name, name))
        for name in columns:
            if name and name not in REQUIRED + OPTIONAL:
                problems.unknown(f"{prefix}row {header_number}", name, REQUIRED + OPTIONAL)
        for name in REQUIRED:
            if name not in columns:
                problems.add(f"{prefix}row {header_number}", name, "missing column")
        if not set(OPTIONAL) & set(columns):
            problems.add(
                f"{prefix}row {header_number}", None, f"nothing to import: add a column for {', '.join(OPTIONAL)}"
            )
        if any(name not in columns for name in REQUIRED):
            continue
        for number, cells in rows[1:]:
            item = f"{prefix}row {number}"
            cells_by_column = {
                name: _cell(cells[i]) if i < len(cells) else None for i, name in enumerate(columns) if name
            }
            row = _validate_row(cells_by_column, problems, item, by_code)
            if row is None:
                continue
            key = (row.indicator.pk, row.period.label)
            if key in seen:
                problems.add(
                    item, "period", f"indicator {row.indicator.code} {row.period.label} is already on {seen[key]}"
                )
                continue
            seen[key] = item
            clean.append(row)
    if not found_header:
        problems.add("file", None, "is empty: the first row names the columns (indicator, period, actual, rag ...)")
    problems.raise_if_any()
    return clean


def _validate_row(row: dict[str, Any], problems: Problems, item: str, by_code: dict[str, Indicator]) -> CleanRow | None:
    before = len(problems.errors)
    code = read_text(row.get("indicator"), problems, item, "indicator", required=True)
    indicator = None
    if code:
        code = code.removeprefix("Indicator ").removeprefix("indicator ").strip()
        indicator = by_code.get(code.upper())
        if indicator is None:
            problems.add(item, "indicator", f"unknown indicator {code!r}")
    period = read_period(row.get("period"), problems, item, "period")
    fields: dict[str, Any] = {}
    if "actual" in row:
        fields["actual"] = read_decimal(row["actual"], problems, item, "actual")
    if "actual_text" in row:
        fields["actual_text"] = read_text(row["actual_text"], problems, item, "actual_text")
    if "rag" in row:
        fields["reported_rag"], fields["rag_text"] = read_rag(row["rag"], problems, item, "rag")
    if "outlook" in row:
        fields["outlook"] = read_outlook(row["outlook"], problems, item, "outlook")
    if "note" in row:
        fields["note"] = read_text(row["note"], problems, item, "note")
    if len(problems.errors) > before or indicator is None or period is None:
        return None
    return CleanRow(indicator=indicator, period=period, fields=fields)


@transaction.atomic
def save_values(
    clean: list[CleanRow], source: str, entered_by: Any = None, entered_at: datetime.datetime | None = None
) -> ImportReport:
    """Write validated rows: only what changed, in bulk, all or nothing. Who and when are recorded
    only on rows that change."""
    report = ImportReport(title=source)
    writer = Writer(user=entered_by)
    periods = Periods(row.period for row in clean)
    wanted = {
        (row.indicator.pk, periods.get(row.period).pk): {
            "indicator_id": row.indicator.pk,
            "period_id": periods.get(row.period).pk,
            **row.fields,
        }
        for row in clean
    }
    held = by_key(
        IndicatorValue.objects.filter(indicator_id__in={row.indicator.pk for row in clean}), "indicator_id", "period_id"
    )
    synced = writer.diff(IndicatorValue, wanted, held)
    for value in synced.created + synced.changed:
        value.source, value.entered_by, value.entered_at = source, entered_by, entered_at
    writer.write(IndicatorValue, synced, also_update=["source", "entered_by", "entered_at"])
    report.add(synced)
    return report


def import_values_file(
    path: Path | str,
    entered_by: Any = None,
    entered_at: datetime.datetime | None = None,
    source: str | None = None,
) -> ImportReport:
    """Validate every row of a CSV/XLSX file, then write them in one transaction."""
    source = source or str(path)
    clean = validate_values(read_table(path, source, "a values file"), source)
    return save_values(clean, f"Imported from {Path(source).name}", entered_by=entered_by, entered_at=entered_at)
