import datetime

import pytest

from actionplan.completion_dates import MalformedDate, parse_completion_date


def d(*args):
    return datetime.date(*args)


@pytest.mark.parametrize(
    "text, due",
    [
        ("31/05/18", d(2018, 5, 31)),
        ("19/07/18 (HWB)", d(2018, 7, 19)),
        ("19/7/18", d(2018, 7, 19)),
        ("30/4/18 (NHSE ops planning)", d(2018, 4, 30)),
        ("30/04/2018", d(2018, 4, 30)),
    ],
)
def test_a_day_is_that_day(text, due):
    assert parse_completion_date(text).due_date == due


@pytest.mark.parametrize(
    "text, due",
    [
        ("May 2018", d(2018, 5, 31)),
        ("Nov 2017", d(2017, 11, 30)),
        ("April 2018", d(2018, 4, 30)),
        ("September 2019", d(2019, 9, 30)),
        ("December 2017", d(2017, 12, 31)),
        ("March 2019 (HWB)", d(2019, 3, 31)),
        ("AEDB April 18", d(2018, 4, 30)),
        ("February 2020", d(2020, 2, 29)),
        ("February 2019", d(2019, 2, 28)),
    ],
)
def test_a_month_is_the_last_day_of_that_month(text, due):
    assert parse_completion_date(text).due_date == due


def test_two_milestones_give_two_dated_milestones_and_the_last_is_the_due_date():
    parsed = parse_completion_date("22/03/18 (draft for HWB)  May 2018 (final)")
    assert [(m.label, m.due_date) for m in parsed.milestones] == [
        ("draft for HWB", d(2018, 3, 22)),
        ("final", d(2018, 5, 31)),
    ]
    assert parsed.due_date == d(2018, 5, 31)
    assert parsed.has_milestones


def test_the_text_is_kept_as_written_with_spacing_tidied():
    assert parse_completion_date("22/03/18 (draft for HWB)  May 2018 (final)").text == (
        "22/03/18 (draft for HWB) May 2018 (final)"
    )


@pytest.mark.parametrize(
    "text",
    [
        "TBC subject to completion of review",
        "As per AEDB implementation plan",
        "See AEDB Plan appended.",
        "In-line with frailty pathway",
        "",
    ],
)
def test_words_with_no_date_give_no_due_date(text):
    parsed = parse_completion_date(text)
    assert parsed.due_date is None
    assert parsed.milestones == []


@pytest.mark.parametrize("text", ["31/02/18", "32/01/2018", "15/13/18"])
def test_a_date_that_cannot_exist_is_refused(text):
    with pytest.raises(MalformedDate, match=text):
        parse_completion_date(text)
