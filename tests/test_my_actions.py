"""My actions: every action I am responsible or accountable for, grouped by due state."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from actionplan.status import RAG

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime.datetime(2018, 5, 10, 12, 0), tick=False)
def test_actions_are_grouped_overdue_due_soon_later_no_date_complete(client, small_plan, officer):
    # As at 10 May 2018 KT holds A1 (due 31/05/18: due soon), "A1 i" (inherits 31 May: due soon)
    # and A2 (TBC: no date). DHe's "A1 ii" is not KT's.
    client.force_login(officer)
    groups = {
        status.value: [a.code for a in actions]
        for status, actions in client.get(reverse("actionplan:my_actions")).context["groups"]
    }
    assert groups == {"overdue": [], "due_soon": ["A1", "A1 i"], "on_track": [], "no_date": ["A2"], "complete": []}


def test_revisions_and_completion_move_actions_between_groups(client, small_plan, officer):
    a1 = small_plan.actions.get(code="A1")
    a1_i = small_plan.actions.get(code="A1 i")
    a1.add_progress_update(
        author=officer,
        on=datetime.date(2018, 5, 1),
        seen_version=a1.version,
        rag="amber",
        narrative="Later",
        revised_due_date=datetime.date(2018, 12, 31),
        revision_reason="Elections",
    )
    a1_i.add_progress_update(
        author=officer, on=datetime.date(2018, 5, 1), seen_version=a1_i.version, rag=RAG.COMPLETE, narrative="Done"
    )
    client.force_login(officer)
    with time_machine.travel(datetime.datetime(2018, 6, 15, 12, 0), tick=False):
        groups = {
            s.value: [a.code for a in actions]
            for s, actions in client.get(reverse("actionplan:my_actions")).context["groups"]
        }
    assert groups["on_track"] == ["A1"] and groups["complete"] == ["A1 i"]
    with time_machine.travel(datetime.datetime(2019, 1, 2, 12, 0), tick=False):
        groups = {
            s.value: [a.code for a in actions]
            for s, actions in client.get(reverse("actionplan:my_actions")).context["groups"]
        }
    assert groups["overdue"] == ["A1"]


def test_accountable_and_delegated_actions_are_listed(client, small_plan, other_officer):
    from actionplan.models import Owner

    a2 = small_plan.actions.get(code="A2")
    a2.delegates.add(other_officer)
    a2.accountable.add(Owner.objects.get(code="DHe"))
    client.force_login(other_officer)
    codes = {a.code for _, actions in client.get(reverse("actionplan:my_actions")).context["groups"] for a in actions}
    assert codes == {"A1 ii", "A2"}


def test_a_user_who_is_no_person_is_told_so(client, board_member):
    client.force_login(board_member)
    assert "not linked to a person" in client.get(reverse("actionplan:my_actions")).content.decode()


def test_my_actions_runs_a_fixed_number_of_queries(client, tmp_path, officer, django_assert_max_num_queries):
    from actionplan.importers.yaml_plan import import_plan_file
    from tests.helpers import big_plan, give_role, write_plan

    client.force_login(officer)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("actionplan:my_actions"))
    few_count = len(few.captured_queries)  # read now: the query log is bounded
    plan = import_plan_file(write_plan(tmp_path, big_plan(5, 8, 3), "big.yaml")).plan
    give_role(officer, plan, "officer")
    with django_assert_max_num_queries(few_count):
        response = client.get(reverse("actionplan:my_actions"))
    assert len([a for _, actions in response.context["groups"] for a in actions]) > 40
