"""A board member opens the HWB's profile, reads the RAG summary of the plans it assures and follows
the CQC plan to its page, in Chromium; both pages pass axe (no serious or critical violations)."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser import serious_accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.helpers import CQC_SLUG, give_role, import_cqc_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member():
    user = get_user_model().objects.create_user("member", password=PASSWORD)
    give_role(user, import_cqc_plan(), "viewer")
    return user


def follow_the_cqc_plan_from_the_hwb(page):
    page.goto("/partnerships/hwb/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Health and Wellbeing Board")
    summary = page.locator("#rag-summary")
    expect(summary).to_contain_text("All 1 plan together")
    expect(summary.locator("#rag-summary-total [data-rag=total]")).to_have_text("80")
    assert serious_accessibility_violations(page) == []
    with page.expect_navigation():
        summary.get_by_role("link", name="Oxfordshire Local System Review action plan").click()
    assert page.url.endswith(f"/plans/{CQC_SLUG}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Care Quality Commission Oxfordshire Local System Review (November 2017): Action Plan"
    )
    assert serious_accessibility_violations(page) == []


def test_member_follows_the_cqc_plan_from_the_hwb_profile(page, member):
    page.goto("/partnerships/hwb/")
    sign_in(page, "member", PASSWORD)
    follow_the_cqc_plan_from_the_hwb(page)


def test_the_same_works_without_javascript(page_without_js, member):
    sign_in(page_without_js, "member", PASSWORD)
    page_without_js.goto("/partnerships/hwb/")
    with page_without_js.expect_navigation():
        page_without_js.locator("#rag-summary").get_by_role(
            "link", name="Oxfordshire Local System Review action plan"
        ).click()
    assert page_without_js.url.endswith(f"/plans/{CQC_SLUG}/")
