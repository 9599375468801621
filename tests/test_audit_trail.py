"""Plan admins see who changed what on an action, and when: old → new."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def edit(client, action, **changes):
    form = {
        "title": action.title,
        "description": action.description,
        "completion_date_text": action.completion_date_text,
        "accountable": [o.pk for o in action.accountable.all()],
        "responsible": [o.pk for o in action.responsible.all()],
        "version": action.version,
        **changes,
    }
    return client.post(reverse("actionplan:edit_action", args=[action.pk]), form)


def test_edits_to_dates_and_owners_show_old_and_new_with_who(client, small_plan, plan_admin):
    from actionplan.models import Owner

    a2 = small_plan.actions.get(code="A2")
    client.force_login(plan_admin)
    response = edit(client, a2, completion_date_text="Nov 2018", responsible=[Owner.objects.get(code="DHe").pk])
    assert response.status_code == 302
    a2.refresh_from_db()
    assert a2.due_date.isoformat() == "2018-11-30"

    trail = a2.audit_trail()
    assert trail[0].what == "Action edited" and trail[0].who == plan_admin
    changes = {label: (old, new) for label, old, new in trail[0].changes}
    assert changes["Completion date"] == ("TBC subject to completion of review", "Nov 2018")
    assert changes["Responsible"] == ("KT (Kate Terroni)", "DHe (Diane Hedges)")

    page = client.get(reverse("actionplan:action", args=[a2.pk])).content.decode()
    assert 'id="audit-trail"' in page
    assert "<del>TBC subject to completion of review</del> → Nov 2018" in page
    assert "Plan-Admin" in page


def test_updates_and_corrections_are_in_the_trail(client, small_plan, officer, plan_admin):
    a1 = small_plan.actions.get(code="A1")
    client.force_login(officer)
    client.post(
        reverse("actionplan:add_update", args=[a1.pk]),
        {"rag": "red", "narrative": "Slipping badly.", "version": a1.version},
    )
    update = a1.progress_updates.first()
    client.post(reverse("actionplan:correct_update", args=[update.pk]), {"narrative": "Slipping."})

    whats = [entry.what for entry in a1.audit_trail()]
    assert whats[:2] == ["Progress update corrected", "Progress update added"]
    corrected = a1.audit_trail()[0]
    assert corrected.who == officer and corrected.changes == [("Progress", "Slipping badly.", "Slipping.")]


def test_the_trail_is_for_plan_admins_only(client, small_plan, officer, board_member):
    a1 = small_plan.actions.get(code="A1")
    for user in (officer, board_member):
        client.force_login(user)
        assert 'id="audit-trail"' not in client.get(reverse("actionplan:action", args=[a1.pk])).content.decode()


def test_the_action_page_runs_a_fixed_number_of_queries(
    client, small_plan, officer, plan_admin, django_assert_max_num_queries
):
    a1 = small_plan.actions.get(code="A1")
    url = reverse("actionplan:action", args=[a1.pk])
    client.force_login(plan_admin)
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    few_count = len(few.captured_queries)  # read now: the query log is bounded

    client.force_login(officer)
    for n in range(15):
        a1.refresh_from_db()
        client.post(
            reverse("actionplan:add_update", args=[a1.pk]),
            {"rag": "green", "narrative": f"Update {n}", "version": a1.version},
        )
    client.force_login(plan_admin)
    for n in range(5):
        a1.refresh_from_db()
        edit(client, a1, title=f"Title {n}")
    with django_assert_max_num_queries(few_count):
        response = client.get(url)
    assert "Update 14" in response.content.decode()


def test_an_action_removed_by_a_re_import_and_added_back_keeps_its_history(tmp_path, small_plan):
    from actionplan.importers.yaml_plan import import_plan_file
    from tests.helpers import minimal_plan, write_plan

    data = minimal_plan()
    a2 = data["priorities"][0]["actions"].pop()
    import_plan_file(write_plan(tmp_path, data))  # A2 is removed...
    data["priorities"][0]["actions"].append({**a2, "title": "Review the strategy again"})
    import_plan_file(write_plan(tmp_path, data))  # ...and added back: a new row

    back = small_plan.actions.get(code="A2")
    whats = [entry.what for entry in back.audit_trail()]
    assert whats == ["Action added back", "Action removed", "Action created"]
