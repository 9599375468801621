"""The one validation and save path the indicator importers share.

Each reader (report_file, key_statistics_file, values_table) turns a file into clean records with
these helpers, collecting every problem before anything is written: an error names the file, the
item and the field ("FILE: indicator 12, field 'q2_rag': unknown RAG 'Purple'"). Saving happens in
one transaction and updates in place, so importing the same file twice changes nothing.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from config.importing import upsert
from indicators.models import Benchmark, Indicator, IndicatorValue, Outlook, Period, Rag, rule_problems
from indicators.periods import BadPeriod, parse_period

SUPPORTED_FORMAT = 1

_RAG_WORDS = {
    "r": Rag.RED,
    "red": Rag.RED,
    "a": Rag.AMBER,
    "amber": Rag.AMBER,
    "g": Rag.GREEN,
    "green": Rag.GREEN,
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


class IndicatorFileError(Exception):
    """A file that cannot be imported; `errors` lists every problem found, each naming where."""

    def __init__(self, source, errors):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} error(s)\n" + "\n".join(f"  {e}" for e in errors))


class Problems:
    """Collects every problem in a file; `noun` is what the file calls a field ("column" in a table)."""

    def __init__(self, source, noun="field"):
        self.source = source
        self.noun = noun
        self.errors = []

    def add(self, item, field_name, message):
        where = f"{item}, {self.noun} '{field_name}'" if field_name else item
        self.errors.append(f"{self.source}: {where}: {message}")

    def raise_if_any(self):
        if self.errors:
            raise IndicatorFileError(self.source, self.errors)


# -- reading values ----------------------------------------------------------------------------


def read_text(value, problems, item, name, required=False):
    """Plain text; numbers and dates YAML typed for us are taken as written."""
    if value is None or value == "":
        if required:
            problems.add(item, name, "is missing")
        return ""
    if isinstance(value, (bool, list, dict)):
        problems.add(item, name, f"must be text, not {type(value).__name__}")
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return " ".join(str(value).split()) if "\n" not in str(value) else str(value).strip()


def read_decimal(value, problems, item, name, required=False):
    """A number: 12000, "12,000", "67%" and "-1.4" all read; None when blank."""
    if value is None or value == "":
        if required:
            problems.add(item, name, "is missing")
        return None
    if isinstance(value, bool):
        problems.add(item, name, f"{value!r} is not a number")
        return None
    text = str(value).strip().replace(",", "")
    if text.endswith("%"):
        text = text[:-1].strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        problems.add(item, name, f"{value!r} is not a number")
        return None
    if not number.is_finite() or abs(number) >= Decimal("1e12"):
        problems.add(item, name, f"{value!r} is not a number that can be stored")
        return None
    return number


def read_date(value, problems, item, name, required=False):
    if value in (None, ""):
        if required:
            problems.add(item, name, "is missing")
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        problems.add(item, name, f"{value!r} is not a date written as YYYY-MM-DD")
        return None


def read_yes_no(value, problems, item, name):
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


def read_rag(value, problems, item, name):
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


def read_outlook(value, problems, item, name):
    text = read_text(value, problems, item, name)
    if not text:
        return ""
    outlook = _OUTLOOK_WORDS.get(text.lower())
    if outlook is None:
        problems.add(item, name, f"unknown outlook {text!r} (use ↑, ↔, ↓ or improving, stable, deteriorating)")
        return ""
    return outlook


def read_period(value, problems, item, name):
    """The PeriodSpec a label names, or None (with the problem recorded)."""
    text = read_text(value, problems, item, name, required=True)
    if not text:
        return None
    try:
        return parse_period(text)
    except BadPeriod as error:
        problems.add(item, name, str(error))
        return None


# A period key names a file's column of ratings, e.g. q2 for "q2_rag".
PERIOD_KEY = re.compile(r"^[a-z][a-z0-9]*$")


def read_periods(data, problems, columns):
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


def read_polarity(value, problems, item, name):
    text = read_text(value, problems, item, name).lower()
    if not text:
        return ""
    if text in {"higher", "higher is better"}:
        return Indicator.Polarity.HIGHER
    if text in {"lower", "lower is better"}:
        return Indicator.Polarity.LOWER
    problems.add(item, name, f"unknown polarity {text!r} (use higher or lower)")
    return ""


def read_area(value, problems, item, name):
    text = read_text(value, problems, item, name, required=True)
    if not text:
        return ""
    area = _AREAS.get(text.lower())
    if area is None:
        problems.add(
            item, name, f"unknown comparator area {text!r} (use England, South East or Statistical neighbours)"
        )
        return ""
    return area


def read_list(value, problems, item, name):
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(item, name, "must be a list")
        return []
    return value


def read_mapping(value, problems, item, allowed=None):
    """A mapping of field: value; with `allowed`, any other field is reported (it is likely a typo)."""
    if not isinstance(value, dict):
        problems.add(item, None, "must be a mapping of field: value")
        return {}
    if allowed is not None:
        for key in value:
            if key not in allowed:
                problems.add(item, str(key), "unknown field")
    return value


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


def read_rule(raw, polarity, problems, item):
    """The `rule:` mapping as Indicator target fields, with polarity implied by the kind or checked:

    {at_least: 67}  {at_most: 20}  {between: [93, 95]}
    {reach: 14, by: 2018-03-31, from: 28, from_date: 2017-03-31}    (needs polarity)
    """
    rule = {
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

    period: object  # PeriodSpec
    fields: dict = field(default_factory=dict)


@dataclass
class CleanBenchmark:
    area: str
    area_text: str
    period: object  # PeriodSpec
    value: Decimal
    value_text: str
    source: str


def read_benchmarks(raw_list, problems, item, default_source=""):
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


@dataclass
class ImportReport:
    title: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def __str__(self):
        return (
            f"{self.title}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed"
        )


class PeriodCache:
    """Periods by label, created on first use, so a file naming Q2 fifty times makes one query."""

    def __init__(self):
        self._periods = {}

    def get(self, spec):
        if spec.label not in self._periods:
            self._periods[spec.label], _ = Period.objects.get_or_create(
                label=spec.label, defaults={"kind": spec.kind, "start": spec.start, "end": spec.end}
            )
        return self._periods[spec.label]


def save_value(indicator, clean, periods, report):
    return upsert(
        IndicatorValue, report, {"indicator": indicator, "period": periods.get(clean.period)}, dict(clean.fields)
    )


def save_benchmark(indicator, clean, periods, report):
    return upsert(
        Benchmark,
        report,
        {"indicator": indicator, "area": clean.area, "period": periods.get(clean.period)},
        {"area_text": clean.area_text, "value": clean.value, "value_text": clean.value_text, "source": clean.source},
    )


def check_format(data, problems, kind):
    """The top of every indicator file: `format: 1` and the right `kind:`."""
    if data.get("format") != SUPPORTED_FORMAT:
        problems.add("file", "format", f"must be {SUPPORTED_FORMAT} (got {data.get('format')!r})")
    if data.get("kind") != kind:
        problems.add("file", "kind", f"must be {kind!r} (got {data.get('kind')!r})")
