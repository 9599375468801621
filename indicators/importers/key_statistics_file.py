"""Key statistics files: a self-assessment's key statistics under each CQC theme, as YAML.

See docs/indicator-file-format.md. Each theme lists its statistics in the source's three columns
(activity, working_well, priority_area); each statistic has its text as written, its values over
periods and its comparators (England, South East, statistical neighbours). A statistic's code is
ASC-T<theme>-<A|W|P><row>, from where it stands in the table.
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
    read_decimal,
    read_list,
    read_mapping,
    read_text,
    read_whole_number,
)
from indicators.importers.base import (
    CleanValue,
    read_benchmarks,
    read_file_head,
    read_period,
    read_polarity,
    save_values_and_benchmarks,
)
from indicators.models import CqcTheme, Indicator

KIND = "key-statistics"
COLUMNS = {
    "activity": (Indicator.Column.ACTIVITY, "A"),
    "working_well": (Indicator.Column.WORKING_WELL, "W"),
    "priority_area": (Indicator.Column.PRIORITY_AREA, "P"),
}


@dataclass
class CleanStatistic:
    code: str
    theme: int
    column: str
    position: int
    fields: dict[str, Any]
    values: list = field(default_factory=list)
    benchmarks: list = field(default_factory=list)


@dataclass
class CleanKeyStatistics:
    source: str
    title: str
    prefix: str
    themes: list[dict[str, Any]]
    statistics: list[CleanStatistic]


def validate_key_statistics(data: Any, source: str) -> CleanKeyStatistics:
    problems = read_file_head(data, source, KIND, ["title", "source", "code_prefix", "themes"])
    title = read_text(data.get("title"), problems, "file", "title", required=True)
    prefix = read_text(data.get("code_prefix"), problems, "file", "code_prefix") or "ASC"
    themes: list[dict[str, Any]] = []
    statistics: list[CleanStatistic] = []
    numbers: set[int] = set()
    raw_themes = read_list(data.get("themes"), problems, "file", "themes")
    if not raw_themes:
        problems.add("file", "themes", "is missing")
    for t_index, raw in enumerate(raw_themes):
        item = f"themes[{t_index}]"
        raw = read_mapping(raw, problems, item, {"number", "title", "table_heading", *COLUMNS})
        number = read_whole_number(raw.get("number"), problems, item, "number")
        if number is None:
            continue
        item = f"theme {number}"
        check_unique(number, numbers, problems, item, "number", what="theme")
        themes.append(
            {
                "number": number,
                "title": read_text(raw.get("title"), problems, item, "title", required=True),
                "table_heading": read_text(raw.get("table_heading"), problems, item, "table_heading")
                or "Key Statistics",
            }
        )
        for column_key, (column, letter) in COLUMNS.items():
            for s_index, raw_stat in enumerate(read_list(raw.get(column_key), problems, item, column_key)):
                code = f"{prefix}-T{number}-{letter}{s_index + 1}"
                statistics.append(
                    _validate_statistic(raw_stat, problems, f"statistic {code}", code, number, column, s_index, title)
                )
    problems.raise_if_any()
    return CleanKeyStatistics(source, title, prefix, themes, statistics)


def _validate_statistic(
    raw: Any, problems: Problems, item: str, code: str, theme: int, column: str, position: int, title: str
) -> CleanStatistic:
    raw = read_mapping(raw, problems, item, {"text", "unit", "polarity", "values", "comparators"})
    statistic = CleanStatistic(
        code=code,
        theme=theme,
        column=column,
        position=position,
        fields={
            "text": read_text(raw.get("text"), problems, item, "text", required=True),
            "unit": read_text(raw.get("unit"), problems, item, "unit"),
            "polarity": read_polarity(raw.get("polarity"), problems, item, "polarity"),
        },
    )
    seen = set()
    for v_index, raw_value in enumerate(read_list(raw.get("values"), problems, item, "values")):
        where = f"{item} values[{v_index}]"
        raw_value = read_mapping(raw_value, problems, where, {"period", "value", "as_written", "note"})
        period = read_period(raw_value.get("period"), problems, where, "period")
        if period:
            if period.label in seen:
                problems.add(where, "period", f"a second value for {period.label}")
            seen.add(period.label)
        fields = {
            "actual": read_decimal(raw_value.get("value"), problems, where, "value", required=True),
            "actual_text": read_text(raw_value.get("as_written"), problems, where, "as_written"),
            "note": read_text(raw_value.get("note"), problems, where, "note"),
            "source": title,
        }
        if period:
            statistic.values.append(CleanValue(period=period, fields=fields))
    statistic.benchmarks = read_benchmarks(raw.get("comparators"), problems, item, default_source=title)
    return statistic


@transaction.atomic
def save_key_statistics(clean: CleanKeyStatistics, user: Any = None) -> ImportReport:
    """Write validated key statistics: only what changed, in bulk, all or nothing."""
    report = ImportReport(title=clean.title)
    writer = Writer(user=user)
    wanted = {
        t["number"]: {"number": t["number"], "title": t["title"], "table_heading": t["table_heading"]}
        for t in clean.themes
    }
    synced = writer.sync(CqcTheme, wanted, by_key(CqcTheme.objects.filter(number__in=list(wanted)), "number"))
    report.add(synced)
    wanted = {
        cs.code: {
            "code": cs.code,
            "kind": Indicator.Kind.KEY_STATISTIC,
            "number": None,
            "directorate_id": None,
            "outcome_id": None,
            "theme_id": synced.rows[cs.theme].pk,
            "column": cs.column,
            "position": cs.position,
            **cs.fields,
        }
        for cs in clean.statistics
    }
    indicators = writer.sync(Indicator, wanted, by_key(Indicator.objects.filter(code__in=list(wanted)), "code"))
    report.add(indicators)
    save_values_and_benchmarks(writer, report, [(indicators.rows[cs.code], cs) for cs in clean.statistics])
    return report
