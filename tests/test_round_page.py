"""The round page for the performance team: where the round's actions stand overall, by plan, by
responsible owner and organisation, who has not returned; each number links to exactly those
actions in the action list, which downloads them with their return status. A fixed number of
queries whatever the round's size."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from actionplan.status import ReturnStatus
from tests.helpers import build_system
from tests.round_helpers import assure_by_hwb, make_round, update

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def the_round(small_plan, officer, other_officer):
    assure_by_hwb(small_plan)
    update_round = make_round([small_plan])
    first = update(small_plan.actions.get(code="A1"), officer, D(2018, 10, 20))
    first.review(other_officer, timezone.now(), None, comment="Give the date of the <b>board</b>.")
    update(small_plan.actions.get(code="A1 ii"), other_officer, D(2018, 10, 21))
    return update_round


def listed(client, url):
    return {a.code for a in client.get(url).context["page"].object_list}


def test_the_round_page_counts_the_round_and_links_each_number_to_those_actions(client, the_round, plan_admin):
    client.force_login(plan_admin)
    response = client.get(reverse("actionplan:round", args=[the_round.pk]))
    report = response.context["report"]
    summary = report.summary
    assert (summary.total, summary.awaiting_update, summary.returned, summary.awaiting_sign_off) == (4, 2, 1, 1)
    assert summary.percent(summary.awaiting_update) == 50 and summary.percent_complete == 0
    assert [(owner.code, s.awaiting_update, s.returned) for owner, s in report.not_returned] == [
        ("KT", 2, 1),
        ("DHa", 1, 1),
    ]
    assert [(owner.code, s.awaiting_sign_off) for owner, s in report.awaiting_sign_off] == [("DHe", 1)]
    assert [(o.code, s.total) for o, s in report.by_organisation] == [("OCC", 3)]
    page = response.content.decode()
    round_url = reverse("actionplan:action_list") + f"?round={the_round.pk}"
    assert f'href="{round_url}&amp;return_status=awaiting_update">2</a>' in page
    assert listed(client, f"{round_url}&return_status=awaiting_update") == {"A1 i", "A2"}
    assert listed(client, f"{round_url}&responsible=KT&return_status=returned") == {"A1"}
    assert listed(client, f"{round_url}&plan=small-plan") == {"A1", "A1 i", "A1 ii", "A2"}
    # Return status means nothing without a round: nothing rather than everything.
    assert listed(client, reverse("actionplan:action_list") + "?return_status=returned") == set()


def test_the_rounds_list_downloads_with_where_each_action_stands(client, the_round, plan_admin):
    client.force_login(plan_admin)
    url = reverse("actionplan:action_list") + f"?round={the_round.pk}&export=csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get(url).streaming_content).decode())))
    by_code = {row["Action"]: row for row in rows}
    assert set(by_code) == {"A1", "A1 i", "A1 ii", "A2"}
    assert by_code["A1"]["In the round"] == "Returned for changes"
    assert by_code["A1"]["Comment on returning"] == "Give the date of the <b>board</b>."
    assert by_code["A2"]["In the round"] == ReturnStatus.AWAITING_UPDATE.label
    xlsx = client.get(url.replace("csv", "xlsx"))
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')


def test_the_round_page_runs_the_same_number_of_queries_for_a_small_and_a_large_round(
    client, the_round, plan_admin, django_assert_num_queries, django_assert_max_num_queries
):
    client.force_login(plan_admin)
    url = reverse("actionplan:round", args=[the_round.pk])
    client.get(url)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    plans = build_system(plans=3, priorities=2, key_actions=5, subs=3, updates_per_action=3, people=30, prefix="big-")
    for plan in plans:
        plan.memberships.create(user=plan_admin, role="admin")
    the_round.plans.add(*plans)
    the_round.memberships.all().delete()
    the_round.opened_at = None
    the_round.save()
    from actionplan.rounds import open_round

    assert open_round(the_round, timezone.now()) > 50
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["report"].summary.total > 50


def test_the_round_page_counts_only_the_plans_the_reader_may_see(client, the_round, board_member, outsider):
    other = build_system(plans=1, priorities=1, key_actions=2, subs=1, updates_per_action=1, prefix="other-")
    the_round.plans.add(*other)
    client.force_login(board_member)
    report = client.get(reverse("actionplan:round", args=[the_round.pk])).context["report"]
    assert [plan.slug for plan in report.plans] == ["small-plan"] and report.summary.total == 4
    client.force_login(outsider)
    assert client.get(reverse("actionplan:round", args=[the_round.pk])).status_code == 403
    assert the_round not in client.get(reverse("actionplan:round_list")).context["rounds"]


def test_officers_see_their_actions_in_the_current_round_what_it_needs_first(client, the_round, officer):
    import time_machine

    client.force_login(officer)
    with time_machine.travel(timezone.make_aware(datetime.datetime(2018, 10, 25, 9)), tick=False):
        page = client.get(reverse("actionplan:my_actions"))
    [(update_round, actions)] = page.context["current_rounds"]
    assert update_round == the_round
    assert [(a.code, a.return_status) for a in actions] == [
        ("A1", ReturnStatus.RETURNED),
        ("A1 i", ReturnStatus.AWAITING_UPDATE),
        ("A2", ReturnStatus.AWAITING_UPDATE),
    ]
    assert "In the current round: due by 1 November 2018" in page.content.decode()
    with time_machine.travel(timezone.make_aware(datetime.datetime(2018, 11, 16, 9)), tick=False):
        assert client.get(reverse("actionplan:my_actions")).context["current_rounds"] == []
