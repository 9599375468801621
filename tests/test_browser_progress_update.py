"""In Chromium: the KT officer updates one of KT's actions with a revised date, and is refused another's."""

import datetime
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from actionplan.models import Owner
from tests.browser import serious_accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.helpers import ROOT, give_role, import_cqc_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def output_dir(request):
    path = ROOT / "test-results" / re.sub(r"[^\w.-]+", "-", request.node.name)
    path.mkdir(parents=True, exist_ok=True)
    return path


def test_kt_updates_an_action_with_a_revised_date_and_is_refused_another(page, output_dir):
    plan = import_cqc_plan()
    kt = get_user_model().objects.create_user("kt-officer", password=PASSWORD, first_name="Kate", last_name="Terroni")
    Owner.objects.filter(code="KT").update(user=kt)
    give_role(kt, plan, "officer")
    i4 = plan.actions.get(code="I4")  # KT is responsible
    g2_vi = plan.actions.get(code="G2 vi")  # PB's, not KT's

    page.goto("/my-actions/")
    assert serious_accessibility_violations(page) == []  # the sign-in page
    sign_in(page, "kt-officer", PASSWORD)
    expect(page.get_by_role("heading", name="My actions")).to_be_visible()
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name=re.compile(r"^I4 ")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(i4.title)
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Add a progress update").click()
    expect(page.get_by_role("heading", name="Add a progress update")).to_be_visible()
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Amber").check()
    page.get_by_label("Progress", exact=True).fill("Recruitment slower than planned; two posts filled.")
    revised = page.get_by_role("group", name="Revised completion date (optional)")
    # A revised date must be after the day of the update (test_validation_rules.py).
    later = timezone.localdate() + datetime.timedelta(days=120)
    revised.get_by_label("Day").fill(str(later.day))
    revised.get_by_label("Month").fill(str(later.month))
    revised.get_by_label("Year").fill(str(later.year))
    page.get_by_label("Reason for the revised date").fill("Recruitment to the new posts has been slow.")
    page.get_by_role("button", name="Save update").click()

    # Back on My actions (test_browser_journeys.py counts the clicks), which links the action's history.
    expect(page.get_by_text("Your progress update on I4 has been saved.")).to_be_visible()
    page.get_by_role("link", name="See I4's progress history").click()
    first = page.locator(".app-history__item").first
    expect(first).to_contain_text("Recruitment slower than planned; two posts filled.")
    expect(first).to_contain_text("Kate Terroni")
    expect(first).to_contain_text(f"Completion date revised to {later.day} {later:%B %Y}")
    expect(page.get_by_text("Slipped")).to_be_visible()
    page.screenshot(path=str(output_dir / "kt-update-saved.png"), full_page=True)

    page.goto(f"/actions/{g2_vi.pk}/")
    expect(page.get_by_role("link", name="Add a progress update")).to_have_count(0)
    response = page.goto(f"/actions/{g2_vi.pk}/update/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You cannot do that")).to_be_visible()
    page.screenshot(path=str(output_dir / "kt-refused.png"), full_page=True)
    assert Path(output_dir / "kt-update-saved.png").stat().st_size > 0


def test_the_update_form_works_without_javascript_and_keeps_input_on_error(page_without_js):
    page = page_without_js
    plan = import_cqc_plan()
    kt = get_user_model().objects.create_user("kt-officer", password=PASSWORD)
    Owner.objects.filter(code="KT").update(user=kt)
    give_role(kt, plan, "officer")
    i4 = plan.actions.get(code="I4")
    sign_in(page, "kt-officer", PASSWORD)
    page.goto(f"/actions/{i4.pk}/update/")
    page.get_by_label("Red").check()
    page.get_by_label("Progress", exact=True).fill("Typed before the mistake")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("12")
    page.get_by_label("Year").fill("2018")
    page.get_by_role("button", name="Save update").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give a reason for the revised completion date.")
    expect(page.get_by_label("Progress", exact=True)).to_have_value("Typed before the mistake")
    expect(page.get_by_label("Red")).to_be_checked()
