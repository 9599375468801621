"""A signed-in user opens the Children, Education and Families dashboard, filters it to Red, opens
Indicator 11 and sees its chart; axe finds no serious or critical problems on the way."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser import serious_accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.indicator_helpers import import_key_statistics, import_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_filters_a_dashboard_to_red_and_opens_an_indicators_chart(page):
    import_report()
    get_user_model().objects.create_user("member", password=PASSWORD)
    page.goto("/indicators/directorates/children-education-and-families/")
    sign_in(page, "member", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Children, Education and Families: performance dashboard")
    assert serious_accessibility_violations(page) == []

    page.get_by_label("RAG", exact=True).select_option("red")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results-count")).to_have_text("Showing 2 of 10 success indicators.")
    expect(page.locator("#indicator-11")).to_be_visible()
    expect(page.locator("#indicator-13")).to_have_count(0)

    with page.expect_navigation():
        page.locator("#indicator-11").get_by_role("link", name="Indicator 11").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicator 11")
    chart = page.get_by_role("img", name="Indicator 11 over time")
    expect(chart).to_be_visible()
    assert chart.locator("circle").count() == 2
    expect(page.locator("#values-table")).to_contain_text("Q2 2017-18")
    assert serious_accessibility_violations(page) == []


def test_overview_and_key_statistics_pages_pass_axe(page):
    import_report(), import_key_statistics()
    get_user_model().objects.create_user("member", password=PASSWORD)
    sign_in(page, "member", PASSWORD)
    for url in (
        "/indicators/",
        "/indicators/dashboard/",
        "/indicators/key-statistics/",
        "/indicators/finance/",
        "/indicators/indicator/ASC-T3-W1/",
    ):
        page.goto(url)
        assert serious_accessibility_violations(page) == [], url
