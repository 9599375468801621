"""Period labels as the papers write them, read into one canonical label and its dates."""

import datetime

import pytest

from indicators.periods import BadPeriod, next_label, parse_period

D = datetime.date


@pytest.mark.parametrize(
    "written, label, start, end",
    [
        ("Q1 2017-18", "Q1 2017-18", D(2017, 4, 1), D(2017, 6, 30)),
        ("q2 2017/18", "Q2 2017-18", D(2017, 7, 1), D(2017, 9, 30)),
        ("Q4 2017-18", "Q4 2017-18", D(2018, 1, 1), D(2018, 3, 31)),
        ("Q3 1999-00", "Q3 1999-00", D(1999, 10, 1), D(1999, 12, 31)),
        ("2022/23", "2022-23", D(2022, 4, 1), D(2023, 3, 31)),
        ("July 2024", "July 2024", D(2024, 7, 1), D(2024, 7, 31)),
        ("Feb 24", "February 2024", D(2024, 2, 1), D(2024, 2, 29)),
        ("Sept 2017", "September 2017", D(2017, 9, 1), D(2017, 9, 30)),
        ("12 months to June 2024", "12 months to June 2024", D(2023, 7, 1), D(2024, 6, 30)),
        ("12 months to December 2023", "12 months to December 2023", D(2023, 1, 1), D(2023, 12, 31)),
    ],
)
def test_a_written_period_reads_as_its_canonical_label_and_dates(written, label, start, end):
    spec = parse_period(written)
    assert (spec.label, spec.start, spec.end) == (label, start, end)


@pytest.mark.parametrize("written", ["", "Q5 2017-18", "2017-19", "Smarch 2024", "last quarter", "Q2 2017"])
def test_a_period_that_is_not_one_is_refused_saying_why(written):
    with pytest.raises(BadPeriod):
        parse_period(written)


def test_the_next_period_is_suggested_for_each_kind():
    assert next_label("quarter", D(2017, 9, 30)) == "Q3 2017-18"
    assert next_label("quarter", D(2018, 3, 31)) == "Q1 2018-19"
    assert next_label("year", D(2018, 3, 31)) == "2018-19"
    assert next_label("month", D(2024, 12, 31)) == "January 2025"
    assert next_label("twelve_months", D(2024, 6, 30)) == "12 months to June 2025"
