"""The RAG rule: Green on target, Amber within the tolerance band, Red beyond; polarity, 'between'
and 'reach by a date' targets; a reported RAG wins and the difference is flagged. The SQL twin used
for filtering gives the same answers as the model method."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from indicators.models import Indicator, IndicatorRag, IndicatorValue, Period
from tests.indicator_helpers import add_value, make_indicator

D = Decimal
Q2_END = datetime.date(2017, 9, 30)
YEAR_END = datetime.date(2018, 3, 31)


def rule(kind, value=None, upper=None, polarity="", by=None, start=None, start_date=None, tolerance="5"):
    """An unsaved indicator carrying just a target rule: the rule needs nothing else."""
    return Indicator(
        target_kind=kind,
        target_value=D(value) if value is not None else None,
        target_upper=D(upper) if upper is not None else None,
        target_date=by,
        baseline_value=D(start) if start is not None else None,
        baseline_date=start_date,
        polarity=polarity,
        tolerance_percent=D(tolerance),
    )


AT_LEAST_67 = rule(Indicator.TargetKind.AT_LEAST, 67, polarity="higher")
AT_MOST_20 = rule(Indicator.TargetKind.AT_MOST, 20, polarity="lower")
BETWEEN_93_95 = rule(Indicator.TargetKind.BETWEEN, 93, 95)
# Indicator 5: from 28 in March 2017 to 14 at the end of March 2018, lower is better.
REACH_14 = rule(
    Indicator.TargetKind.REACH_BY_DATE,
    14,
    polarity="lower",
    by=YEAR_END,
    start=28,
    start_date=datetime.date(2017, 3, 31),
)
REACH_75_NO_START = rule(Indicator.TargetKind.REACH_BY_DATE, 75, polarity="higher", by=YEAR_END)


@pytest.mark.parametrize(
    "actual, expected",
    [
        ("67", IndicatorRag.GREEN),
        ("90", IndicatorRag.GREEN),
        ("64", IndicatorRag.AMBER),
        ("63.65", IndicatorRag.AMBER),
        ("63.6", IndicatorRag.RED),
        ("10", IndicatorRag.RED),
    ],
)
def test_at_least_is_green_on_target_amber_within_5_percent_below_red_further(actual, expected):
    assert AT_LEAST_67.rag_for(D(actual), on=Q2_END) == expected


@pytest.mark.parametrize(
    "actual, expected",
    [("20", IndicatorRag.GREEN), ("3", IndicatorRag.GREEN), ("21", IndicatorRag.AMBER), ("21.5", IndicatorRag.RED)],
)
def test_at_most_means_lower_is_better(actual, expected):
    assert AT_MOST_20.rag_for(D(actual), on=Q2_END) == expected


@pytest.mark.parametrize(
    "actual, expected",
    [
        ("93", IndicatorRag.GREEN),
        ("94", IndicatorRag.GREEN),
        ("95", IndicatorRag.GREEN),
        ("90", IndicatorRag.AMBER),
        ("88.5", IndicatorRag.AMBER),
        ("88", IndicatorRag.RED),
        ("99", IndicatorRag.AMBER),
        ("100", IndicatorRag.RED),
    ],
)
def test_between_is_green_inside_and_off_target_on_either_side(actual, expected):
    assert BETWEEN_93_95.rag_for(D(actual), on=Q2_END) == expected


def test_the_tolerance_band_is_the_indicators_own():
    strict = rule(Indicator.TargetKind.AT_LEAST, 100, polarity="higher", tolerance="0")
    loose = rule(Indicator.TargetKind.AT_LEAST, 100, polarity="higher", tolerance="20")
    assert strict.rag_for(D("99.9"), on=Q2_END) == IndicatorRag.RED
    assert loose.rag_for(D("81"), on=Q2_END) == IndicatorRag.AMBER
    assert loose.rag_for(D("79"), on=Q2_END) == IndicatorRag.RED


def test_reach_by_date_is_judged_against_the_straight_line_before_the_date():
    # 30 September 2017 is 183 of 365 days along: the line is at 28 - 14 * 183/365 = 20.98.
    assert REACH_14.trajectory_at(Q2_END).quantize(D("0.01")) == D("20.98")
    assert REACH_14.rag_for(D("18"), on=Q2_END) == IndicatorRag.GREEN
    assert REACH_14.rag_for(D("21.9"), on=Q2_END) == IndicatorRag.AMBER
    assert REACH_14.rag_for(D("23"), on=Q2_END) == IndicatorRag.RED


def test_reach_by_date_applies_the_target_itself_from_the_date_on():
    assert REACH_14.rag_for(D("14"), on=YEAR_END) == IndicatorRag.GREEN
    assert REACH_14.rag_for(D("15"), on=datetime.date(2018, 6, 30)) == IndicatorRag.RED


def test_reach_by_date_without_a_starting_point_gives_no_rag_until_the_date():
    assert REACH_75_NO_START.rag_for(D("10"), on=Q2_END) is None
    assert REACH_75_NO_START.rag_for(D("74"), on=YEAR_END) == IndicatorRag.AMBER


def test_no_rule_or_no_actual_gives_no_computed_rag():
    assert rule("").rag_for(D("50"), on=Q2_END) is None
    assert AT_LEAST_67.rag_for(None, on=Q2_END) is None


def test_a_rule_that_cannot_work_is_refused_by_the_model():
    with pytest.raises(ValidationError) as caught:
        rule(Indicator.TargetKind.BETWEEN, 95, 93).clean()
    assert "target_upper" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        rule(Indicator.TargetKind.REACH_BY_DATE, 14, by=YEAR_END).clean()
    assert "polarity" in caught.value.message_dict
    with pytest.raises(ValidationError):
        rule(Indicator.TargetKind.AT_LEAST, 67, polarity="lower").clean()


def test_the_rule_reads_as_words():
    assert AT_LEAST_67.rule_display() == "≥ 67"
    assert BETWEEN_93_95.rule_display() == "between 93 and 95"
    assert REACH_14.rule_display() == "≤ 14 by 31 March 2018 (from 28 on 31 March 2017)"


# -- reported RAG against computed RAG --------------------------------------------------------------


@pytest.mark.django_db
def test_a_reported_rag_overrides_the_computed_one_and_the_difference_is_flagged():
    indicator = make_indicator()
    value = add_value(indicator, "Q2 2017-18", actual=D("90"), reported_rag=IndicatorRag.AMBER, rag_text="A")
    assert value.computed_rag() == IndicatorRag.GREEN
    assert value.rag == IndicatorRag.AMBER
    assert value.rag_disagrees()
    assert not value.rag_is_computed


@pytest.mark.django_db
def test_a_value_without_a_reported_rag_shows_the_computed_one():
    indicator = make_indicator()
    value = add_value(indicator, "Q2 2017-18", actual=D("60"))
    assert value.rag == IndicatorRag.RED and value.rag_is_computed and not value.rag_disagrees()


@pytest.mark.django_db
def test_a_reported_rag_that_agrees_or_has_nothing_to_compare_is_not_flagged():
    indicator = make_indicator()
    assert not add_value(indicator, "Q1 2017-18", actual=D("70"), reported_rag=IndicatorRag.GREEN).rag_disagrees()
    assert not add_value(indicator, "Q2 2017-18", reported_rag=IndicatorRag.RED).rag_disagrees()


@pytest.mark.django_db
def test_disagreeing_lists_only_the_values_whose_rating_differs_from_the_rule():
    indicator = make_indicator()
    add_value(indicator, "Q1 2017-18", actual=D("70"), reported_rag=IndicatorRag.GREEN)
    differs = add_value(indicator, "Q2 2017-18", actual=D("70"), reported_rag=IndicatorRag.RED)
    add_value(indicator, "Q3 2017-18", actual=D("70"))
    assert list(IndicatorValue.objects.disagreeing()) == [differs]
    assert IndicatorValue.objects.disagreeing().get().rule_rag == IndicatorRag.GREEN


# -- the SQL twin -------------------------------------------------------------------------------------

CASES = [
    # (rule fields, actual, period)
    ({"target_kind": "at_least", "target_value": D("67"), "polarity": "higher"}, "80", "Q2 2017-18"),
    ({"target_kind": "at_least", "target_value": D("67"), "polarity": "higher"}, "64", "Q2 2017-18"),
    ({"target_kind": "at_least", "target_value": D("67"), "polarity": "higher"}, "50", "Q2 2017-18"),
    ({"target_kind": "at_least", "target_value": D("67"), "polarity": "higher"}, None, "Q2 2017-18"),
    ({"target_kind": "at_most", "target_value": D("20"), "polarity": "lower"}, "20", "Q2 2017-18"),
    ({"target_kind": "at_most", "target_value": D("20"), "polarity": "lower"}, "20.5", "Q2 2017-18"),
    ({"target_kind": "at_most", "target_value": D("20"), "polarity": "lower"}, "30", "Q2 2017-18"),
    ({"target_kind": "between", "target_value": D("93"), "target_upper": D("95")}, "94", "Q2 2017-18"),
    ({"target_kind": "between", "target_value": D("93"), "target_upper": D("95")}, "91", "Q2 2017-18"),
    ({"target_kind": "between", "target_value": D("93"), "target_upper": D("95")}, "97", "Q2 2017-18"),
    ({"target_kind": "between", "target_value": D("93"), "target_upper": D("95")}, "80", "Q2 2017-18"),
    (
        {"target_kind": "at_least", "target_value": D("100"), "polarity": "higher", "tolerance_percent": D("0")},
        "99",
        "Q2 2017-18",
    ),
    ({"target_kind": "at_least", "target_value": D("-10"), "polarity": "higher"}, "-10.4", "Q2 2017-18"),
    (
        {
            "target_kind": "reach_by_date",
            "target_value": D("14"),
            "polarity": "lower",
            "target_date": YEAR_END,
            "baseline_value": D("28"),
            "baseline_date": datetime.date(2017, 3, 31),
        },
        "18",
        "Q2 2017-18",
    ),
    (
        {
            "target_kind": "reach_by_date",
            "target_value": D("14"),
            "polarity": "lower",
            "target_date": YEAR_END,
            "baseline_value": D("28"),
            "baseline_date": datetime.date(2017, 3, 31),
        },
        "21.9",
        "Q2 2017-18",
    ),
    (
        {
            "target_kind": "reach_by_date",
            "target_value": D("14"),
            "polarity": "lower",
            "target_date": YEAR_END,
            "baseline_value": D("28"),
            "baseline_date": datetime.date(2017, 3, 31),
        },
        "25",
        "Q2 2017-18",
    ),
    (
        {
            "target_kind": "reach_by_date",
            "target_value": D("14"),
            "polarity": "lower",
            "target_date": YEAR_END,
            "baseline_value": D("28"),
            "baseline_date": datetime.date(2017, 3, 31),
        },
        "15",
        "Q1 2018-19",
    ),
    (
        {
            "target_kind": "reach_by_date",
            "target_value": D("1750"),
            "polarity": "higher",
            "target_date": YEAR_END,
            "baseline_value": D("0"),
            "baseline_date": datetime.date(2017, 3, 31),
        },
        "850",
        "Q2 2017-18",
    ),
    (
        {
            "target_kind": "reach_by_date",
            "target_value": D("1750"),
            "polarity": "higher",
            "target_date": YEAR_END,
            "baseline_value": D("0"),
            "baseline_date": datetime.date(2017, 3, 31),
        },
        "500",
        "Q2 2017-18",
    ),
    (
        {"target_kind": "reach_by_date", "target_value": D("75"), "polarity": "higher", "target_date": YEAR_END},
        "10",
        "Q2 2017-18",
    ),
    (
        {"target_kind": "reach_by_date", "target_value": D("75"), "polarity": "higher", "target_date": YEAR_END},
        "74",
        "Q4 2017-18",
    ),
    (
        {
            "target_kind": "reach_by_date",
            "target_value": D("20"),
            "polarity": "higher",
            "target_date": YEAR_END,
            "baseline_value": D("10"),
            "baseline_date": datetime.date(2017, 12, 31),
        },
        "10",
        "Q2 2017-18",
    ),
    ({"target_kind": ""}, "50", "Q2 2017-18"),
]


@pytest.mark.django_db
def test_the_sql_twin_gives_what_the_model_method_gives():
    expected = {}
    for index, (fields, actual, label) in enumerate(CASES):
        indicator = make_indicator(code=str(1000 + index), **{"target_value": None, **fields})
        value = add_value(indicator, label, actual=D(actual) if actual is not None else None)
        expected[value.pk] = value.computed_rag()
    from_sql = dict(IndicatorValue.objects.with_shown_rag().values_list("pk", "rule_rag"))
    assert from_sql == expected
    assert set(expected.values()) == {IndicatorRag.GREEN, IndicatorRag.AMBER, IndicatorRag.RED, None}


@pytest.mark.django_db
def test_the_sql_twin_shows_the_reported_rag_first():
    indicator = make_indicator()
    value = add_value(indicator, "Q2 2017-18", actual=D("90"), reported_rag=IndicatorRag.RED)
    row = IndicatorValue.objects.with_shown_rag().get(pk=value.pk)
    assert (row.rule_rag, row.shown_rag) == (IndicatorRag.GREEN, IndicatorRag.RED)
    assert list(IndicatorValue.objects.red()) == [value]
    assert list(Period.objects.quarters()) == [value.period]
