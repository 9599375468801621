"""A board member opens the HWB's exception report, sees the Red outcome with its recommended action,
and axe finds no serious or critical problems; the outcome and benchmark pages pass axe too."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from partnerships.models import Partnership
from tests.browser import serious_accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.helpers import give_role, import_cqc_plan
from tests.indicator_helpers import import_outcome_assurance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_reads_the_hwb_exception_report(page):
    import_outcome_assurance()
    plan = import_cqc_plan()
    assert plan.board == Partnership.objects.get(slug="hwb")
    give_role(get_user_model().objects.create_user("member", password=PASSWORD), plan, "viewer")
    page.goto("/boards/hwb/exception-report/")
    sign_in(page, "member", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Exception report")
    outcome = page.locator("#red-outcome-CEF2")
    expect(outcome).to_contain_text("Safely reducing the number of looked after children")
    expect(outcome.locator(".app-recommended-action")).to_contain_text(
        "The current actions should safely reduce the numbers of looked after children"
    )
    expect(outcome.locator(".app-decision")).to_contain_text("County Leadership Team")
    expect(page.locator("#overdue-actions")).to_contain_text("Overdue actions")
    assert serious_accessibility_violations(page) == []

    on = page.get_by_role("group", name="Actions as at")
    on.get_by_label("Day").fill("19")
    on.get_by_label("Month").fill("7")
    on.get_by_label("Year").fill("2018")
    with page.expect_navigation():
        page.get_by_role("button", name="Update report").click()
    expect(page.locator("#report-scope")).to_contain_text("Actions as at 19 July 2018")
    # The date typed in boxes is kept short in the address.
    assert "on=2018-07-19" in page.url and "on_day" not in page.url
    assert serious_accessibility_violations(page) == []


def test_outcome_and_benchmark_pages_pass_axe(page):
    import_outcome_assurance()
    get_user_model().objects.create_user("admin", password=PASSWORD, is_staff=True)
    sign_in(page, "admin", PASSWORD)
    for path in (
        "/indicators/outcomes/",
        "/indicators/outcomes/protecting-vulnerable-people/",
        "/indicators/benchmarks/",
        "/indicators/benchmarks/?show=worse",
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert serious_accessibility_violations(page) == [], path
