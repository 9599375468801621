"""What only the indicator importers share: RAG, outlook, period, polarity, comparator and target
rule readers, and the saving of values and comparators by period.

Each reader (report_file, key_statistics_file, values_table ...) turns a file into clean records
with these and the toolkit every importer uses (config.importing), collecting every problem before
anything is written: an error names the file, the item and the field ("FILE: indicator 12, field
'q2_rag': unknown RAG 'Purple'"). Saving writes only what changed, in bulk, in one transaction.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from config.importing import (
    ImportReport,
    Problems,
    Writer,
    by_key,
    read_choice,
    read_date,
    read_decimal,
    read_list,
    read_mapping,
    read_text,
)
from indicators.models import Benchmark, Indicator, IndicatorRag, IndicatorValue, Outlook, Period, rule_problems
from indicators.periods import BadPeriod, PeriodSpec, parse_period

SUPPORTED_FORMAT = 1

_RAG_WORDS = {
    "r": IndicatorRag.RED,
    "red": IndicatorRag.RED,
    "a": IndicatorRag.AMBER,
    "amber": IndicatorRag.AMBER,
    "g": IndicatorRag.GREEN,
    "green": IndicatorRag.GREEN,
}
# Words a report puts in a RAG column instead of a rating; kept as written, with no RAG.
_NOT_YET_RATED = re.compile(r"^(due in q[1-4](\s+\d{4}-\d{2})?|not yet due|not available|n/?a)$", re.IGNORECASE)
_OUTLOOK_WORDS = {
    "↑": Outlook.IMPROVING,
    "improving": Outlook.IMPROVING,
    "positive": Outlook.IMPROVING,
    "up": Outlook.IMPROVING,
    "↔": Outlook.STABLE,
    "stable": Outlook.STABLE,
    "same": Outlook.STABLE,
    "↓": Outlook.DETERIORATING,
    "deteriorating": Outlook.DETERIORATING,
    "negative": Outlook.DETERIORATING,
    "down": Outlook.DETERIORATING,
}
_AREAS = {
    "england": Benchmark.Area.ENGLAND,
    "national": Benchmark.Area.ENGLAND,
    "south east": Benchmark.Area.SOUTH_EAST,
    "south-east": Benchmark.Area.SOUTH_EAST,
    "statistical neighbours": Benchmark.Area.STATISTICAL_NEIGHBOURS,
    "statistical_neighbours": Benchmark.Area.STATISTICAL_NEIGHBOURS,
    "south_east": Benchmark.Area.SOUTH_EAST,
}


def read_yes_no(value: Any, problems: Problems, item: str, name: str) -> bool | None:
    """Y/N as the report's "Cumulative Target Y/N" column; None when not given."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in {"y", "yes"}:
        return True
    if word in {"n", "no"}:
        return False
    problems.add(item, name, f"{value!r} is not Y or N")
    return None


def read_rag(value: Any, problems: Problems, item: str, name: str) -> tuple[str, str]:
    """(reported_rag, rag_text): "G" → (green, "G"); "Due in Q3" → ("", "Due in Q3"); blank → ("", "")."""
    text = read_text(value, problems, item, name)
    if not text:
        return "", ""
    if text.lower() in _RAG_WORDS:
        return _RAG_WORDS[text.lower()], text
    if _NOT_YET_RATED.match(text):
        return "", text
    problems.add(item, name, f"unknown RAG {text!r} (use R, A, G, Red, Amber, Green or words like 'Due in Q3')")
    return "", ""


def read_outlook(value: Any, problems: Problems, item: str, name: str) -> str:
    use = "↑, ↔, ↓ or improving, stable, deteriorating"
    return read_choice(value, _OUTLOOK_WORDS, problems, item, name, "outlook", use) or ""


def read_period(value: Any, problems: Problems, item: str, name: str) -> PeriodSpec | None:
    """The PeriodSpec a label names, or None (with the problem recorded)."""
    text = read_text(value, problems, item, name, required=True)
    if not text:
        return None
    try:
        spec: PeriodSpec = parse_period(text)
    except BadPeriod as error:
        problems.add(item, name, str(error))
        return None
    return spec


# A period key names a file's column of ratings, e.g. q2 for "q2_rag".
PERIOD_KEY = re.compile(r"^[a-z][a-z0-9]*$")


def read_periods(data: dict, problems: Problems, columns: str) -> tuple[dict, dict[str, PeriodSpec]]:
    """The file's `periods` mapping (key: label such as "Q2 2017-18") as given, and {key:
    PeriodSpec} for each key and label that read. `columns` names what they are for a file that
    gives none, e.g. "the report's RAG columns, e.g. {q1: Q1 2017-18}"."""
    raw = read_mapping(data.get("periods") or {}, problems, "periods")
    if not raw:
        problems.add("file", "periods", f"is missing: name {columns}")
    specs = {}
    for key, label in raw.items():
        if not PERIOD_KEY.match(str(key)):
            problems.add("periods", str(key), "a period key is lower-case letters and digits, e.g. q2")
            continue
        spec = read_period(label, problems, "periods", str(key))
        if spec:
            specs[str(key)] = spec
    return raw, specs


_POLARITIES = {
    "higher": Indicator.Polarity.HIGHER,
    "higher is better": Indicator.Polarity.HIGHER,
    "lower": Indicator.Polarity.LOWER,
    "lower is better": Indicator.Polarity.LOWER,
}


def read_polarity(value: Any, problems: Problems, item: str, name: str) -> str:
    return read_choice(value, _POLARITIES, problems, item, name, "polarity", "higher or lower") or ""


def read_area(value: Any, problems: Problems, item: str, name: str) -> str:
    use = "England, South East or Statistical neighbours"
    return read_choice(value, _AREAS, problems, item, name, "comparator area", use, required=True) or ""


# -- target rules ----------------------------------------------------------------------------------

_RULE_KINDS = {
    "at_least": Indicator.TargetKind.AT_LEAST,
    "at_most": Indicator.TargetKind.AT_MOST,
    "between": Indicator.TargetKind.BETWEEN,
    "reach": Indicator.TargetKind.REACH_BY_DATE,
}
_RULE_KEYS = set(_RULE_KINDS) | {"by", "from", "from_date"}
_RULE_FIELD_NAMES = {
    "target_upper": "rule.between",
    "target_date": "rule.by",
    "baseline_date": "rule.from_date",
    "polarity": "polarity",
}


def read_rule(raw: Any, polarity: str, problems: Problems, item: str) -> dict[str, Any]:
    """The `rule:` mapping as Indicator target fields, with polarity implied by the kind or checked:

    {at_least: 67}  {at_most: 20}  {between: [93, 95]}
    {reach: 14, by: 2018-03-31, from: 28, from_date: 2017-03-31}    (needs polarity)
    """
    rule: dict[str, Any] = {
        "target_kind": "",
        "target_value": None,
        "target_upper": None,
        "target_date": None,
        "baseline_value": None,
        "baseline_date": None,
        "polarity": polarity,
    }
    if raw is None:
        return rule
    if not isinstance(raw, dict) or not raw:
        problems.add(item, "rule", "must be a mapping such as {at_least: 67}")
        return rule
    for key in raw:
        if key not in _RULE_KEYS:
            problems.add(item, f"rule.{key}", "unknown field (use at_least, at_most, between, or reach with by)")
    kinds = [key for key in _RULE_KINDS if key in raw]
    if len(kinds) != 1:
        problems.add(item, "rule", "give exactly one of at_least, at_most, between or reach")
        return rule
    kind = kinds[0]
    rule["target_kind"] = _RULE_KINDS[kind]
    before = len(problems.errors)
    if kind == "between":
        pair = raw["between"]
        if isinstance(pair, list) and len(pair) == 2:
            rule["target_value"] = read_decimal(pair[0], problems, item, "rule.between", required=True)
            rule["target_upper"] = read_decimal(pair[1], problems, item, "rule.between", required=True)
        else:
            problems.add(item, "rule.between", "must be two numbers: [from, to]")
    else:
        rule["target_value"] = read_decimal(raw[kind], problems, item, f"rule.{kind}", required=True)
    if kind == "reach":
        rule["target_date"] = read_date(raw.get("by"), problems, item, "rule.by", required=True)
        rule["baseline_value"] = read_decimal(raw.get("from"), problems, item, "rule.from")
        rule["baseline_date"] = read_date(raw.get("from_date"), problems, item, "rule.from_date")
    elif {"by", "from", "from_date"} & set(raw):
        problems.add(item, "rule", "by, from and from_date only go with reach")
    if not polarity and kind in ("at_least", "at_most"):
        rule["polarity"] = Indicator.Polarity.HIGHER if kind == "at_least" else Indicator.Polarity.LOWER
    if len(problems.errors) > before:
        return rule  # the rule's own numbers or dates are wrong: say that, not what follows from it
    for field_name, message in rule_problems(
        rule["target_kind"],
        rule["target_value"],
        rule["target_upper"],
        rule["target_date"],
        rule["baseline_value"],
        rule["baseline_date"],
        rule["polarity"],
    ):
        problems.add(item, _RULE_FIELD_NAMES.get(field_name, "rule"), message)
    return rule


# -- clean records -----------------------------------------------------------------------------------


@dataclass
class CleanValue:
    """One IndicatorValue from a file; `fields` holds only what the file gives (the rest is left alone)."""

    period: PeriodSpec
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class CleanBenchmark:
    area: str
    area_text: str
    period: PeriodSpec
    value: Decimal
    value_text: str
    source: str


def read_benchmarks(raw_list: Any, problems: Problems, item: str, default_source: str = "") -> list[CleanBenchmark]:
    allowed = {"area", "label", "period", "value", "as_written", "source"}
    benchmarks, seen = [], set()
    for index, raw in enumerate(read_list(raw_list, problems, item, "comparators")):
        where = f"{item} comparators[{index}]"
        raw = read_mapping(raw, problems, where, allowed)
        area = read_area(raw.get("area"), problems, where, "area")
        period = read_period(raw.get("period"), problems, where, "period")
        value = read_decimal(raw.get("value"), problems, where, "value", required=True)
        if area and period:
            if (area, period.label) in seen:
                problems.add(where, "period", f"a second {area} comparator for {period.label}")
            seen.add((area, period.label))
        if area and period and value is not None:
            benchmarks.append(
                CleanBenchmark(
                    area=area,
                    area_text=read_text(raw.get("label"), problems, where, "label"),
                    period=period,
                    value=value,
                    value_text=read_text(raw.get("as_written"), problems, where, "as_written"),
                    source=read_text(raw.get("source"), problems, where, "source") or default_source,
                )
            )
    return benchmarks


# -- saving ----------------------------------------------------------------------------------------


class Periods:
    """Periods by label: those a file names are fetched in one query, and the missing created in one."""

    def __init__(self, specs: Iterable[PeriodSpec]):
        by_label = {spec.label: spec for spec in specs}
        self.by_label = Period.objects.in_bulk(list(by_label), field_name="label") if by_label else {}
        missing = [
            Period(label=label, kind=spec.kind, start=spec.start, end=spec.end)
            for label, spec in by_label.items()
            if label not in self.by_label
        ]
        for period in Period.objects.bulk_create(missing):
            self.by_label[period.label] = period

    def get(self, spec: PeriodSpec) -> Period:
        return self.by_label[spec.label]


def save_values_and_benchmarks(writer: Writer, report: ImportReport, indicators: list[tuple[Indicator, Any]]) -> None:
    """Each indicator's values and comparators as its clean record (`.values`, `.benchmarks`) gives
    them; what the file does not give is left alone."""
    periods = Periods(
        [v.period for _, clean in indicators for v in clean.values]
        + [b.period for _, clean in indicators for b in clean.benchmarks]
    )
    ids = [indicator.pk for indicator, _ in indicators]
    values = {
        (indicator.pk, periods.get(v.period).pk): {
            "indicator_id": indicator.pk,
            "period_id": periods.get(v.period).pk,
            **v.fields,
        }
        for indicator, clean in indicators
        for v in clean.values
    }
    held = by_key(IndicatorValue.objects.filter(indicator_id__in=ids), "indicator_id", "period_id") if values else {}
    report.add(writer.sync(IndicatorValue, values, held))
    benchmarks = {
        (indicator.pk, b.area, periods.get(b.period).pk): {
            "indicator_id": indicator.pk,
            "area": b.area,
            "period_id": periods.get(b.period).pk,
            "area_text": b.area_text,
            "value": b.value,
            "value_text": b.value_text,
            "source": b.source,
        }
        for indicator, clean in indicators
        for b in clean.benchmarks
    }
    held_benchmarks = (
        by_key(Benchmark.objects.filter(indicator_id__in=ids), "indicator_id", "area", "period_id")
        if benchmarks
        else {}
    )
    report.add(writer.sync(Benchmark, benchmarks, held_benchmarks))


def read_file_head(data: Any, source: str, kind: str, keys: list[str]) -> Problems:
    """The top of every indicator file: a mapping of `format: 1`, the right `kind:` and `keys`
    (any other key is refused). Returns the collector for the rest of the file's problems."""
    problems = Problems(source)
    if not isinstance(data, dict):
        problems.add("file", None, f"must be a mapping with format, kind, {', '.join(keys)}")
        problems.raise_if_any()
    read_mapping(data, problems, "file", {"format", "kind", *keys})
    check_format(data, problems, kind)
    return problems


def check_format(data: dict, problems: Problems, kind: str) -> None:
    """`format: 1` and the right `kind:`."""
    if data.get("format") != SUPPORTED_FORMAT:
        problems.add("file", "format", f"must be {SUPPORTED_FORMAT} (got {data.get('format')!r})")
    if data.get("kind") != kind:
        problems.add("file", "kind", f"must be {kind!r} (got {data.get('kind')!r})")
