"""In a real browser: the dashboard's red count opens the list of those actions. (Their accessibility,
at any impact and at phone width too, is held by test_accessibility.py.)"""

import datetime

import pytest

from actionplan.status import RAG
from tests.browser import sign_in
from tests.conftest import PASSWORD
from tests.helpers import give_role, import_cqc_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def member_with_cqc(board_member, superuser):
    plan = import_cqc_plan()
    give_role(board_member, plan, "viewer")
    for code in ("B1", "B2"):
        action = plan.actions.get(code=code)
        action.add_progress_update(
            author=superuser, on=datetime.date(2018, 4, 2), seen_version=action.version, rag=RAG.RED, narrative="Behind"
        )
    return plan


def test_red_count_opens_the_filtered_list(page, live_server, board_member, member_with_cqc):
    plan = member_with_cqc
    page.goto(f"/?plan={plan.slug}&as_at=2018-04-03")
    sign_in(page, board_member.username, PASSWORD)
    assert page.locator("h1").inner_text() == "Action plan dashboard"
    red = page.locator(".app-headline__link", has_text="Red")
    # B1 and B2 reported Red; the seven actions overdue on the day are Red by the rules.
    assert red.locator(".app-headline__count").inner_text() == "9"
    red.click()
    page.wait_for_url("**/actions/**")
    assert "rag=red" in page.url and "as_at=2018-04-03" in page.url
    assert page.locator("#result-count strong").inner_text() == "9"
    rows = page.locator("tbody.govuk-table__body tr")
    codes = {rows.nth(i).locator("td").nth(1).locator("a").inner_text() for i in range(rows.count())}
    assert codes == {"B1", "B2", "E2", "G2 i", "H4", "I1", "I1 i", "I1 ii", "I3"}
    for i in range(rows.count()):
        assert rows.nth(i).locator("td").nth(6).inner_text().startswith("Red")
