"""Small builders shared by the indicator tests."""

import copy
from decimal import Decimal
from pathlib import Path

import yaml

from indicators.importers.yaml_file import import_indicator_file
from indicators.models import CorporatePriority, Directorate, Indicator, IndicatorValue, Outcome, Period

ROOT = Path(__file__).resolve().parent.parent
REPORT_FIXTURE = ROOT / "fixtures" / "indicators" / "q2-2017-18-business-management.yaml"
ASC_FIXTURE = ROOT / "fixtures" / "indicators" / "asc-key-statistics.yaml"


def import_report():
    return import_indicator_file(REPORT_FIXTURE)


def import_key_statistics():
    return import_indicator_file(ASC_FIXTURE)


def report_data():
    return yaml.safe_load(REPORT_FIXTURE.read_text(encoding="utf-8"))


def key_statistics_data():
    return yaml.safe_load(ASC_FIXTURE.read_text(encoding="utf-8"))


def write_yaml(tmp_path, data, name="indicators.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def find_indicator(data, number):
    """The mapping for success indicator `number` inside report file data, to edit in a test."""
    for directorate in data["directorates"]:
        for outcome in directorate["outcomes"]:
            for indicator in outcome["indicators"]:
                if indicator["number"] == number:
                    return indicator
    raise KeyError(number)


def big_report(directorates, indicators_per_directorate):
    """A report file with many directorates and indicators, each with Q1 and Q2 values."""
    data = report_data()
    template = find_indicator(data, 5)
    data.pop("financial_reports")
    data["directorates"] = []
    number = 0
    for d in range(directorates):
        outcome = {"code": f"D{d}O", "priority": "efficient-public-services", "text": f"Outcome {d}", "indicators": []}
        for _ in range(indicators_per_directorate):
            number += 1
            indicator = copy.deepcopy(template)
            indicator["number"] = number
            indicator["text"] = f"Indicator text {number}"
            outcome["indicators"].append(indicator)
        data["directorates"].append(
            {"slug": f"directorate-{d}", "code": f"D{d}", "name": f"Directorate {d}", "outcomes": [outcome]}
        )
    return data


def make_indicator(code="900", **fields):
    """A saved success indicator with a rule, in its own directorate and outcome."""
    directorate, _ = Directorate.objects.get_or_create(
        slug="test-directorate", defaults={"code": "TD", "name": "Test directorate"}
    )
    priority, _ = CorporatePriority.objects.get_or_create(slug="test-priority", defaults={"name": "Test priority"})
    outcome, _ = Outcome.objects.get_or_create(
        code="TD1", defaults={"directorate": directorate, "priority": priority, "text": "Test outcome"}
    )
    defaults = {
        "kind": Indicator.Kind.SUCCESS,
        "number": int(code) if code.isdigit() else None,
        "directorate": directorate,
        "outcome": outcome,
        "text": f"Test indicator {code}",
        "target_text": "67%",
        "target_kind": Indicator.TargetKind.AT_LEAST,
        "target_value": Decimal("67"),
        "polarity": Indicator.Polarity.HIGHER,
        "unit": "%",
    }
    defaults.update(fields)
    return Indicator.objects.create(code=code, **defaults)


def add_value(indicator, label, **fields):
    return IndicatorValue.objects.create(indicator=indicator, period=Period.objects.for_label(label), **fields)


RATINGS_FIXTURE = ROOT / "fixtures" / "indicators" / "q2-2017-18-outcome-ratings.yaml"
ASC_PERFORMANCE_FIXTURE = ROOT / "fixtures" / "indicators" / "asc-performance-2023-24.yaml"


def import_outcome_assurance():
    """The boards, the Q2 report and its outcome ratings, and the ASC key statistics, ASCOF and tiles."""
    from tests.helpers import import_partnerships

    import_partnerships()
    for path in (ASC_FIXTURE, ASC_PERFORMANCE_FIXTURE, REPORT_FIXTURE, RATINGS_FIXTURE):
        import_indicator_file(path)


def ratings_data():
    return yaml.safe_load(RATINGS_FIXTURE.read_text(encoding="utf-8"))


def asc_performance_data():
    return yaml.safe_load(ASC_PERFORMANCE_FIXTURE.read_text(encoding="utf-8"))
