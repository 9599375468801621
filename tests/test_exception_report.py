"""A board's exception report: every Red outcome and Red indicator it assures (directly or through
its sub-boards) with the recommended action and decision, and its plans' overdue or slipped actions."""

import datetime

import pytest
from django.urls import reverse

from actionplan.models import Action, Plan
from partnerships.models import Partnership
from tests.helpers import give_role
from tests.indicator_helpers import import_outcome_assurance

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    import_outcome_assurance()


@pytest.fixture
def hwb_plan(imported, small_plan):
    """The small plan, assured by the HWB: A1 due 2018-05-31 and the rest by the file's dates."""
    small_plan.board = Partnership.objects.get(slug="hwb")
    small_plan.save(update_fields=["board"])
    return small_plan


def url(slug="hwb", **params):
    return reverse("actionplan:exception_report", args=[slug])


def test_the_hwb_report_lists_the_red_outcome_with_its_recommended_action_and_decision(client, board_member, hwb_plan):
    client.force_login(board_member)
    page = client.get(url()).content.decode()
    row = page.split('id="red-outcome-CEF2"')[1].split("</tr>")[0]
    assert "Safely reducing the number of looked after children" in row
    assert "no additional actions are recommended at this time" in row
    assert "Accepted by County Leadership Team on 6 December 2017" in row
    assert "Red outcomes (1)" in page


def test_red_indicators_come_with_their_outcomes_rating_and_recommendation(client, board_member, hwb_plan):
    client.force_login(board_member)
    page = client.get(url()).content.decode()
    assert "Red indicators (3)" in page  # 7 (Better Care Fund JMG), 11 and 12 (Children's Trust)
    eleven = page.split('id="red-indicator-11"')[1].split("</tr>")[0]
    assert "no additional actions are recommended" in eleven
    seven = page.split('id="red-indicator-7"')[1].split("</tr>")[0]
    assert "Amber" in seven and "No exception record" in seven
    assert 'id="red-indicator-40"' not in page  # highways: no partnership board assures it


def test_a_sub_board_sees_only_its_own(client, board_member, hwb_plan):
    client.force_login(board_member)
    page = client.get(url("childrens-trust")).content.decode()
    assert 'id="red-outcome-CEF2"' in page
    assert 'id="red-indicator-7"' not in page
    assert "Overdue actions (0)" in page  # the HWB's plan is not the Children's Trust's


def test_overdue_and_slipped_actions_of_the_boards_plans_are_listed(client, board_member, officer, hwb_plan):
    a1 = Action.objects.get(plan=hwb_plan, code="A1")  # due 31/05/18, as is "A1 i", which inherits it
    a1.add_progress_update(
        author=officer,
        on=datetime.date(2018, 4, 1),
        seen_version=a1.version,
        narrative="Moved.",
        revised_due_date=datetime.date(2018, 8, 31),
        revision_reason="Waiting for the review.",
    )
    client.force_login(board_member)
    on = datetime.date(2018, 6, 1)
    page = client.get(url(), {"on": on.isoformat()}).content.decode()
    overdue = set(Action.objects.filter(plan=hwb_plan).overdue(on).values_list("pk", flat=True))
    slipped = set(Action.objects.filter(plan=hwb_plan).slipped(on).values_list("pk", flat=True))
    assert slipped == {a1.pk} and a1.pk not in overdue  # revised later, so no longer overdue
    assert Action.objects.get(plan=hwb_plan, code="A1 i").pk in overdue
    for pk in overdue:
        assert f'id="overdue-{pk}"' in page
    assert f'id="slipped-{a1.pk}"' in page
    assert "92 days later" in page
    assert f"Overdue actions ({len(overdue)})" in page


def test_actions_of_plans_not_shared_with_the_user_are_left_out(client, outsider, hwb_plan):
    client.force_login(outsider)
    page = client.get(url(), {"on": "2030-01-01"}).content.decode()
    assert "Overdue actions (0)" in page
    assert 'id="red-outcome-CEF2"' in page  # outcomes are read by every signed-in user, as on the indicator pages


def test_a_bad_date_gets_a_clear_error_and_keeps_what_was_typed(client, board_member, hwb_plan):
    client.force_login(board_member)
    response = client.get(url(), {"on_day": "31", "on_month": "2", "on_year": "2018x"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "The date for actions must be a real date" in page
    assert 'value="31"' in page and 'value="2"' in page and 'value="2018x"' in page
    # A date given as one parameter in the address is read, or refused as clearly.
    assert client.get(url(), {"on": "31/02/2018x"}).status_code == 400


def test_the_report_runs_a_fixed_number_of_queries(client, board_member, hwb_plan, django_assert_max_num_queries):
    from tests.helpers import import_cqc_plan

    client.force_login(board_member)
    with django_assert_max_num_queries(40) as captured:
        assert client.get(url(), {"on": "2030-01-01"}).status_code == 200
    queries = len(captured.captured_queries)
    give_role(board_member, import_cqc_plan(), "viewer")  # many more overdue actions
    assert Plan.objects.filter(board__slug="hwb").count() == 2
    with django_assert_max_num_queries(queries):
        response = client.get(url(), {"on": "2030-01-01"})
    assert 'id="overdue-' in response.content.decode()


def test_unknown_boards_are_not_found(client, board_member, imported):
    client.force_login(board_member)
    assert client.get(url("no-such-board")).status_code == 404
