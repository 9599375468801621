"""Dates at the ends of the calendar, typed into a URL or a form, are a form error, never a server
error: reports count days from the date asked for, which would overflow Python's dates."""

import pytest
from django.urls import reverse

from config.dates import EARLIEST, LATEST
from indicators.models import IndicatorValue
from indicators.periods import BadPeriod, parse_period
from tests.helpers import import_partnerships

pytestmark = pytest.mark.django_db

EXTREMES = ["9999-12-31", "0001-01-01"]


@pytest.fixture
def signed_in(client, superuser, small_plan):
    import_partnerships()
    client.force_login(superuser)
    return client


def pages(slug):
    return {
        "dashboard as at": (reverse("actionplan:dashboard"), "as_at", {"plan": slug}),
        "action list as at": (reverse("actionplan:action_list"), "as_at", {}),
        "board report as at": (reverse("actionplan:board_report", args=[slug]), "as_at", {}),
        "board report since": (reverse("actionplan:board_report", args=[slug]), "since", {}),
        "exception report on": (reverse("actionplan:exception_report", args=["hwb"]), "on", {}),
    }


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize("page", list(pages("slug")))
def test_a_date_at_the_end_of_the_calendar_is_a_form_error(signed_in, small_plan, page, value):
    url, field, extra = pages(small_plan.slug)[page]
    response = signed_in.get(url, {**extra, field: value})
    assert response.status_code in (200, 400)
    # The GOV.UK date input's message names the range (config.presentation.GovukDateField).
    assert f"between {EARLIEST:%-d %B %Y} and {LATEST:%-d %B %Y}" in response.content.decode()


def test_the_board_report_pdf_with_such_a_date_is_not_a_server_error(signed_in, small_plan):
    response = signed_in.get(reverse("actionplan:board_report_pdf", args=[small_plan.slug]), {"as_at": "9999-12-31"})
    assert response.status_code == 200


def test_the_ends_of_the_range_still_work(signed_in, small_plan):
    for value in ["1900-01-01", "2999-12-31"]:
        response = signed_in.get(reverse("actionplan:dashboard"), {"plan": small_plan.slug, "as_at": value})
        assert response.status_code == 200
        assert response.context["as_at"].isoformat() == value


@pytest.mark.parametrize("label", ["Q4 9999-00", "0000-01", "July 3000", "12 months to January 1899"])
def test_a_reporting_period_outside_the_calendar_is_refused_with_a_reason(label):
    with pytest.raises(BadPeriod, match="the year must be between 1900 and 2999"):
        parse_period(label)


def test_entering_a_value_for_such_a_period_is_a_form_error(client, superuser):
    from tests.indicator_helpers import import_report

    import_report()
    client.force_login(superuser)
    response = client.post(
        reverse("indicators:value_create", args=["11"]), {"period": "Q4 9999-00", "actual": "1", "reported_rag": ""}
    )
    assert response.status_code == 200
    assert "the year must be between 1900 and 2999" in response.content.decode()
    assert not IndicatorValue.objects.filter(period__label__contains="9999").exists()
