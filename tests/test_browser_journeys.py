"""In Chromium, the journeys people make every week: an officer signs in and saves an update in four
clicks; a member's "as at" date survives dashboard → action list → action → board report and back;
an invalid filter downloads an empty CSV, never the unfiltered list."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from actionplan.models import Owner
from tests.browser import sign_in
from tests.conftest import PASSWORD
from tests.helpers import give_role, import_cqc_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every real press of the mouse button on any page of the tab, kept across page loads. Typing is
# not a click; a click on a radio's label is one press (and one click event on the label, another
# on the radio), so presses are what is counted.
COUNT_CLICKS = """
addEventListener("pointerdown", (event) => {
  if (event.isTrusted) sessionStorage.setItem("clicks", String(Number(sessionStorage.getItem("clicks") || 0) + 1));
}, true);
"""


def user(username, plan, role, person=None):
    account = get_user_model().objects.create_user(username, password=PASSWORD, first_name=username.title())
    if person:
        Owner.objects.filter(code=person).update(user=account)
    return give_role(account, plan, role)


def test_an_officer_signs_in_and_saves_an_update_in_four_clicks(page):
    plan = import_cqc_plan()
    user("kt-officer", plan, "officer", person="KT")
    page.context.add_init_script(COUNT_CLICKS)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("kt-officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()  # 1

    expect(page.get_by_role("heading", name="My actions", level=1)).to_be_visible()
    # Today every CQC date has passed: the first row of the first group.
    first = page.get_by_role("region", name="Overdue", exact=True).locator("tbody tr").first
    code = first.locator("strong").first.inner_text()
    first.get_by_role("link", name=re.compile(r"^Update")).click()  # 2

    expect(page.get_by_role("heading", name="Add a progress update")).to_be_visible()
    expect(page.locator(".govuk-caption-l")).to_have_text(f"{plan.title} · {code}")
    page.get_by_label("Amber").check()  # 3
    page.get_by_label("Progress", exact=True).fill("Two of the three posts are filled; the third is advertised.")
    page.get_by_role("button", name="Save update").click()  # 4

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(f"Your progress update on {code} has been saved.")
    expect(page.get_by_role("heading", name="My actions", level=1)).to_be_visible()
    next_action = banner.get_by_role("link", name=re.compile(r"^Update "))
    expect(next_action).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('clicks')") == "4"
    assert plan.actions.get(code=code).progress_updates.filter(rag="amber", imported=False).exists()
    # The next action that needs an update is one click away.
    next_action.click()
    caption = page.locator(".govuk-caption-l")
    expect(caption).to_contain_text(plan.title)
    expect(caption).not_to_have_text(f"{plan.title} · {code}")


def test_the_as_at_date_survives_dashboard_to_list_to_action_to_board_report_and_back(page):
    plan = import_cqc_plan()
    user("hwb-member", plan, "viewer")
    sign_in(page, "hwb-member", PASSWORD)
    expect(page.get_by_role("heading", name="Action plan dashboard")).to_be_visible()
    page.get_by_role("link", name="19 July 2018").click()  # the board's meeting, one click
    as_at = "Position as at 19 July 2018"
    expect(page.get_by_text(as_at).first).to_be_visible()

    page.locator(".app-headlines").get_by_role("link", name=re.compile("overdue")).click()
    expect(page.get_by_role("heading", name="Actions", level=1)).to_be_visible()
    expect(page.get_by_text(as_at).first).to_be_visible()
    assert "as_at=2018-07-19" in page.url and "status=overdue" in page.url
    listed = page.locator("#result-count strong").inner_text()

    page.locator("table tbody tr").first.get_by_role("link").first.click()
    expect(page.locator("#as-at-notice")).to_contain_text(as_at)
    expect(page.get_by_role("link", name="See today's position")).to_be_visible()

    page.get_by_role("link", name="Board report as at 19 July 2018").click()
    expect(page.get_by_text("Position as at 19 July 2018; changes since").first).to_be_visible()

    page.go_back()
    expect(page.locator("#as-at-notice")).to_contain_text(as_at)
    page.go_back()
    expect(page.locator("#result-count strong")).to_have_text(listed)
    assert "as_at=2018-07-19" in page.url

    # Forward again, and back by the action page's breadcrumb rather than the browser.
    page.locator("table tbody tr").first.get_by_role("link").first.click()
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_text(as_at).first).to_be_visible()
    assert "as_at=2018-07-19" in page.url


def test_an_invalid_filter_shows_its_error_and_downloads_an_empty_csv(page, tmp_path):
    plan = import_cqc_plan()
    user("hwb-member", plan, "viewer")
    sign_in(page, "hwb-member", PASSWORD)
    page.goto("/actions/?plan=nonexistent&rag=red")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a plan from the list")
    expect(page.locator("#result-count")).to_contain_text("0 actions match")
    expect(page.locator("table")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    path = tmp_path / "actions.csv"
    download.value.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 and lines[0].startswith("Plan,Strategic priority,Action,")
    # The same download of a valid filter holds its rows.
    page.goto(f"/actions/?plan={plan.slug}&rag=red")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    download.value.save_as(path)
    assert len(path.read_text(encoding="utf-8-sig").splitlines()) > 1
