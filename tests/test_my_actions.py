"""My actions: every action I am responsible or accountable for, what needs me first (overdue, due
soon, no recent update), each a click from its update form; where signing in lands an officer; the
banner after an update, with the next action that needs one."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from actionplan.status import RAG
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

MY_ACTIONS = reverse("actionplan:my_actions")


def grouped(client):
    return {group.value: [a.code for a in group.actions] for group in client.get(MY_ACTIONS).context["groups"]}


@time_machine.travel(datetime.datetime(2018, 5, 10, 12, 0), tick=False)
def test_actions_are_grouped_overdue_due_soon_stale_on_track_no_date_complete(client, small_plan, officer):
    # As at 10 May 2018 KT holds A1 (due 31/05/18: due soon), "A1 i" (inherits 31 May: due soon)
    # and A2 (TBC: no date, and never updated, so it needs an update: "No recent update").
    # DHe's "A1 ii" is not KT's.
    client.force_login(officer)
    assert grouped(client) == {
        "overdue": [],
        "due_soon": ["A1", "A1 i"],
        "stale": ["A2"],
        "on_track": [],
        "no_date": [],
        "complete": [],
    }


def test_revisions_and_completion_move_actions_between_groups(client, small_plan, officer):
    a1 = small_plan.actions.get(code="A1")
    a1_i = small_plan.actions.get(code="A1 i")
    a2 = small_plan.actions.get(code="A2")
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
    a2.add_progress_update(author=officer, on=datetime.date(2018, 6, 1), seen_version=a2.version, narrative="Begun")
    client.force_login(officer)
    with time_machine.travel(datetime.datetime(2018, 6, 15, 12, 0), tick=False):
        groups = grouped(client)
    assert groups["on_track"] == ["A1"] and groups["complete"] == ["A1 i"] and groups["no_date"] == ["A2"]
    with time_machine.travel(datetime.datetime(2019, 1, 2, 12, 0), tick=False):
        groups = grouped(client)
    assert groups["overdue"] == ["A1"] and groups["stale"] == ["A2"]


def test_the_most_overdue_come_first_then_the_longest_without_an_update(client, small_plan, officer, tmp_path):
    from actionplan.importers.yaml_plan import import_plan_file
    from tests.helpers import minimal_plan, write_plan

    data = minimal_plan(slug="second", title="Second plan")
    actions = data["priorities"][0]["actions"]
    actions[0].update(completion_date="30/04/18", sub_actions=[])  # overdue by 40 days on 9 June
    actions[1].update(completion_date="31/01/18")  # overdue by 129 days: first
    import_plan_file(write_plan(tmp_path, data, "second.yaml"))
    client.force_login(officer)
    with time_machine.travel(datetime.datetime(2018, 6, 9, 12, 0), tick=False):
        response = client.get(MY_ACTIONS)
    overdue = next(group for group in response.context["groups"] if group.value == "overdue")
    assert [(a.plan.slug, a.code) for a in overdue.actions] == [
        ("second", "A2"),
        ("second", "A1"),
        ("small-plan", "A1"),
        ("small-plan", "A1 i"),
    ]
    page = response.content.decode()
    assert page.index("Overdue") < page.index("Due soon") < page.index("No recent update")
    assert 'title="129 days overdue">4 months overdue' in page


def test_each_row_links_straight_to_its_update_form(client, small_plan, officer):
    client.force_login(officer)
    page = client.get(MY_ACTIONS).content.decode()
    for code in ("A1", "A1 i", "A2"):
        action = small_plan.actions.get(code=code)
        assert f'href="{reverse("actionplan:add_update", args=[action.pk])}">Update<' in page


def test_accountable_and_delegated_actions_are_listed(client, small_plan, other_officer):
    from actionplan.models import Owner

    a2 = small_plan.actions.get(code="A2")
    a2.delegates.add(other_officer)
    a2.accountable.add(Owner.objects.get(code="DHe"))
    client.force_login(other_officer)
    codes = {a.code for group in client.get(MY_ACTIONS).context["groups"] for a in group.actions}
    assert codes == {"A1 ii", "A2"}


def test_a_user_who_is_no_person_is_told_so(client, board_member):
    client.force_login(board_member)
    assert "not linked to a person" in client.get(MY_ACTIONS).content.decode()


def test_signing_in_lands_an_officer_on_my_actions_and_others_on_the_dashboard(
    client, officer, board_member, plan_admin
):
    for user, landing in ((officer, MY_ACTIONS), (board_member, "/"), (plan_admin, "/")):
        client.logout()
        response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
        assert response.redirect_chain[-1][0] == landing, user.username
    # Asking for a page before signing in still leads there.
    client.logout()
    response = client.post(reverse("login") + "?next=/plans/", {"username": "officer", "password": PASSWORD})
    assert response["Location"] == "/plans/"


def test_the_header_offers_my_actions_only_to_someone_with_actions(client, officer, board_member):
    link = f'href="{MY_ACTIONS}"'
    client.force_login(board_member)
    assert link not in client.get("/").content.decode()
    client.force_login(officer)
    assert link in client.get("/").content.decode()


def test_whether_a_user_has_actions_is_answered_from_the_rows_naming_them_as_mine_would(
    small_plan, officer, other_officer, board_member, outsider, django_assert_num_queries
):
    """has_any_mine (the header's question, asked on every page) agrees with mine().exists() for a
    person named on actions, a person named nowhere, someone delegated only and a user who is no
    person, in one query whatever the number of actions."""
    from actionplan.models import Action, Owner

    nobody_named = _person_named_nowhere()
    small_plan.actions.get(code="A2").delegates.add(outsider)
    users = [officer, other_officer, board_member, outsider, nobody_named]
    expected = {user.username: Action.objects.mine(user).exists() for user in users}
    assert expected == {"officer": True, "other-officer": True, "member": False, "outsider": True, "nobody": False}
    for user in users:
        with django_assert_num_queries(1):
            assert Action.objects.has_any_mine(user) == expected[user.username], user.username
    # Asked of some actions only, it is mine(user) of those.
    assert (
        Action.objects.filter(code="A2").has_any_mine(officer)
        == Action.objects.filter(code="A2").mine(officer).exists()
    )
    assert Owner.objects.filter(user=nobody_named).exists()


def _person_named_nowhere():
    from django.contrib.auth import get_user_model

    from actionplan.models import Owner

    user = get_user_model().objects.create_user("nobody")
    Owner.objects.create(code="NB", name="Named Nowhere", kind=Owner.Kind.PERSON, user=user)
    return user


@time_machine.travel(datetime.datetime(2018, 5, 10, 12, 0), tick=False)
def test_after_an_update_the_officer_is_back_on_my_actions_with_the_next_action_one_click_away(
    client, small_plan, officer
):
    a1, a2 = small_plan.actions.get(code="A1"), small_plan.actions.get(code="A2")
    client.force_login(officer)
    response = client.post(
        reverse("actionplan:add_update", args=[a1.pk]),
        {"rag": "green", "narrative": "Vision agreed", "version": a1.version},
        follow=True,
    )
    assert response.redirect_chain == [(MY_ACTIONS, 302)]
    page = response.content.decode()
    assert "Your progress update on A1 has been saved." in page
    assert a1.title in page.split("govuk-notification-banner__content", 1)[1]
    # Next: "A1 i" is due soon like A1 (which was just updated); A2 has no recent update.
    next_action = response.context["next_action"]
    assert next_action.code == "A1 i"
    assert f'href="{reverse("actionplan:add_update", args=[next_action.pk])}">Update A1 i' in page
    # The banner is shown once.
    assert "has been saved" not in client.get(MY_ACTIONS).content.decode()
    # Once A1 i is updated too, A2 is next; once that is done, nothing is.
    a1_i = small_plan.actions.get(code="A1 i")
    response = client.post(
        reverse("actionplan:add_update", args=[a1_i.pk]),
        {"rag": "green", "narrative": "Reviewed", "version": a1_i.version},
        follow=True,
    )
    assert response.context["next_action"] == a2
    response = client.post(
        reverse("actionplan:add_update", args=[a2.pk]),
        {"rag": "green", "narrative": "Started", "version": a2.version},
        follow=True,
    )
    assert response.context["next_action"] is None
    assert "None of your other actions needs an update now." in response.content.decode()


def test_a_plan_admin_updating_someone_else_s_action_goes_back_to_the_action(client, small_plan, plan_admin):
    a1 = small_plan.actions.get(code="A1")
    client.force_login(plan_admin)
    response = client.post(
        reverse("actionplan:add_update", args=[a1.pk]), {"rag": "green", "narrative": "Noted", "version": a1.version}
    )
    assert response["Location"] == reverse("actionplan:action", args=[a1.pk])


def test_my_actions_runs_a_fixed_number_of_queries(client, tmp_path, officer, django_assert_max_num_queries):
    from actionplan.importers.yaml_plan import import_plan_file
    from tests.helpers import big_plan, give_role, write_plan

    client.force_login(officer)
    with django_assert_max_num_queries(20) as few:
        client.get(MY_ACTIONS)
    few_count = len(few.captured_queries)  # read now: the query log is bounded
    plan = import_plan_file(write_plan(tmp_path, big_plan(5, 8, 3), "big.yaml")).plan
    give_role(officer, plan, "officer")
    with django_assert_max_num_queries(few_count):
        response = client.get(MY_ACTIONS)
    assert len([a for group in response.context["groups"] for a in group.actions]) > 40
