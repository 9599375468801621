"""In Chromium: an officer posts an update in a round, the accountable owner returns it with a
comment, the officer corrects it, the owner signs it off, and the round page counts one more signed
off. Every page on the way is axe clean."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from actionplan.models import UpdateRound
from partnerships.models import Meeting, Partnership
from tests.browser import all_accessibility_violations, sign_in
from tests.conftest import PASSWORD
from tests.round_helpers import assure_by_hwb, make_round

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, user.username, PASSWORD)
    return page


def signed_off_count(page, round_url):
    page.goto(round_url)
    assert all_accessibility_violations(page) == []
    return int(page.locator('tr[data-status="signed_off"] td').first.inner_text())


def test_an_update_returned_corrected_and_signed_off_counts_on_the_round_page(
    browser, live_server, small_plan, officer, other_officer, plan_admin
):
    assure_by_hwb(small_plan)
    today = timezone.localdate()
    meeting = Meeting.objects.create(
        partnership=Partnership.objects.get(slug="hwb"), date=today + datetime.timedelta(30)
    )
    the_round = make_round(
        [small_plan], meeting=meeting, opens_on=today, deadline=UpdateRound.default_deadline(meeting.date)
    )
    round_url = the_round.get_absolute_url()
    admin = signed_in(browser, live_server, plan_admin)
    assert signed_off_count(admin, round_url) == 0

    # The officer (KT) updates A1 from My actions' round section.
    kt = signed_in(browser, live_server, officer)
    kt.goto("/my-actions/")
    expect(kt.get_by_role("heading", name=re.compile("In the current round: due by"))).to_be_visible()
    assert all_accessibility_violations(kt) == []
    kt.get_by_role("link", name="Add a progress update on A1", exact=True).click()
    kt.get_by_label("Green").check()
    kt.get_by_label("Progress", exact=True).fill("The vision is drafted.")
    kt.get_by_role("button", name="Save update").click()
    expect(kt.get_by_text("Your progress update on A1 has been saved.")).to_be_visible()
    # Saved, the officer is back on My actions; the action's history says what happens next.
    kt.get_by_role("link", name="See A1's progress history").click()
    expect(kt.get_by_text("Awaiting sign-off by the accountable owner")).to_be_visible()

    # The accountable owner (DHe) returns it with a comment.
    dhe = signed_in(browser, live_server, other_officer)
    dhe.goto("/my-actions/")
    expect(dhe.get_by_role("heading", name=re.compile("Awaiting your sign-off"))).to_be_visible()
    assert all_accessibility_violations(dhe) == []
    dhe.get_by_role("link", name="Sign off or return the update on A1").click()
    expect(dhe.get_by_text("The vision is drafted.")).to_be_visible()
    assert all_accessibility_violations(dhe) == []
    dhe.get_by_label("Return it to the officer for changes").check()
    dhe.get_by_label("Comment").fill("Say when the board will agree it.")
    dhe.get_by_role("button", name="Save your answer").click()
    expect(dhe.get_by_text("The update on A1 has been returned to the officer for changes.")).to_be_visible()

    # The officer sees why, and corrects it with a new update.
    kt.goto("/my-actions/")
    expect(kt.get_by_text("Say when the board will agree it.")).to_be_visible()
    expect(kt.locator(f"#round-{the_round.pk}-caption").locator("..")).to_contain_text("Returned for changes")
    assert all_accessibility_violations(kt) == []
    kt.get_by_role("link", name="Add a progress update on A1", exact=True).click()
    kt.get_by_label("Green").check()
    kt.get_by_label("Progress", exact=True).fill("The vision is drafted; the board agrees it on 15 November.")
    kt.get_by_role("button", name="Save update").click()
    expect(kt.get_by_text("Your progress update on A1 has been saved.")).to_be_visible()

    # The owner signs the corrected update off.
    dhe.goto("/my-actions/")
    dhe.get_by_role("link", name="Sign off or return the update on A1").click()
    expect(dhe.get_by_text("the board agrees it on 15 November")).to_be_visible()
    dhe.get_by_label("Sign off this update").check()
    dhe.get_by_role("button", name="Save your answer").click()
    expect(dhe.get_by_text("The update on A1 has been signed off.")).to_be_visible()
    expect(dhe.get_by_text(re.compile("Signed off by Other-Officer on"))).to_be_visible()
    assert all_accessibility_violations(dhe) == []

    assert signed_off_count(admin, round_url) == 1
    for page in (admin, kt, dhe):
        page.context.close()
