"""A board member signs in and reads the CQC plan in a real browser; the pages pass axe."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser import accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.helpers import CQC_SLUG, give_role, import_cqc_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member():
    return get_user_model().objects.create_user("member", password=PASSWORD)


def test_member_signs_in_and_reads_the_plan(page, member):
    give_role(member, import_cqc_plan(), "viewer")
    page.goto(f"/plans/{CQC_SLUG}/")
    assert "/accounts/login/" in page.url
    assert accessibility_violations(page) == []

    sign_in(page, "member", PASSWORD)
    assert page.url.endswith(f"/plans/{CQC_SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Care Quality Commission Oxfordshire Local System Review (November 2017): Action Plan"
    )
    assert page.locator("#priority-O").is_visible()
    # GOV.UK Frontend's stylesheet is served locally (the header is styled, not default blue links),
    # built with Arial: this service is not on GOV.UK, so not GDS Transport.
    name = page.locator(".govuk-service-navigation__service-name")
    assert name.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    assert name.evaluate("e => getComputedStyle(e).fontFamily") == "arial, sans-serif"
    assert accessibility_violations(page) == []


def test_sign_in_and_plan_page_work_without_javascript(page_without_js, member):
    give_role(member, import_cqc_plan(), "viewer")
    page = page_without_js
    sign_in(page, "member", PASSWORD)
    page.goto(f"/plans/{CQC_SLUG}/")
    assert page.locator("#priority-A").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    assert "/accounts/login/" in page.url


def test_wrong_password_says_so_and_keeps_the_username(page, member):
    sign_in(page, "member", "not-the-password")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct username and password")
    assert page.get_by_label("Username").input_value() == "member"
