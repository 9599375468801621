"""Who may do what: every page checks the user's role for that plan or action, not just sign-in."""

import pytest
from django.urls import reverse

from actionplan.models import Action, Owner, Plan, ProgressUpdate

pytestmark = pytest.mark.django_db

ROLES = ["outsider", "board_member", "officer", "other_officer", "plan_admin", "superuser"]


def page_url(page, plan):
    action = {code: a.pk for code, a in ((a.code, a) for a in plan.actions.all())}
    return {
        "plan list": reverse("actionplan:plan_list"),
        "my actions": reverse("actionplan:my_actions"),
        "plan": reverse("actionplan:plan", args=[plan.slug]),
        "action A1": reverse("actionplan:action", args=[action["A1"]]),
        "update A1": reverse("actionplan:add_update", args=[action["A1"]]),
        "update A1 i": reverse("actionplan:add_update", args=[action["A1 i"]]),
        "update A1 ii": reverse("actionplan:add_update", args=[action["A1 ii"]]),
        "edit A1": reverse("actionplan:edit_action", args=[action["A1"]]),
    }[page]


# Expected status of GET for each role, in the order of ROLES.
MATRIX = {
    "plan list": [200, 200, 200, 200, 200, 200],
    "my actions": [200, 200, 200, 200, 200, 200],
    "plan": [403, 200, 200, 200, 200, 200],
    "action A1": [403, 200, 200, 200, 200, 200],
    # KT (officer) is responsible for A1 and, by inheritance, "A1 i"; DHe (other officer) for "A1 ii".
    "update A1": [403, 403, 200, 403, 200, 200],
    "update A1 i": [403, 403, 200, 403, 200, 200],
    "update A1 ii": [403, 403, 403, 200, 200, 200],
    "edit A1": [403, 403, 403, 403, 200, 200],
}


@pytest.mark.parametrize("page", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_it_may_see_and_is_refused_the_rest(request, client, small_plan, page, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(page_url(page, small_plan))
    assert response.status_code == MATRIX[page][ROLES.index(role)]


@pytest.mark.parametrize("page", MATRIX)
def test_every_page_needs_sign_in(client, small_plan, page):
    response = client.get(page_url(page, small_plan))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["outsider", "board_member", "other_officer"])
def test_a_refused_post_writes_nothing(request, client, small_plan, role):
    client.force_login(request.getfixturevalue(role))
    a1 = small_plan.actions.get(code="A1")
    before = ProgressUpdate.objects.count()
    response = client.post(
        reverse("actionplan:add_update", args=[a1.pk]),
        {"rag": "green", "narrative": "Not mine to say", "version": a1.version},
    )
    assert response.status_code == 403
    assert ProgressUpdate.objects.count() == before


def test_the_update_button_shows_only_to_those_who_may_update(client, small_plan, officer, other_officer):
    a1 = small_plan.actions.get(code="A1")
    update_url = reverse("actionplan:add_update", args=[a1.pk])
    client.force_login(officer)
    assert update_url in client.get(reverse("actionplan:action", args=[a1.pk])).content.decode()
    client.force_login(other_officer)
    page = client.get(reverse("actionplan:action", args=[a1.pk])).content.decode()
    assert "Add a progress update" not in page and update_url not in page


def test_a_plan_admin_can_delegate_an_action_to_another_officer(client, small_plan, plan_admin, other_officer):
    a2 = small_plan.actions.get(code="A2")
    update_url = reverse("actionplan:add_update", args=[a2.pk])
    client.force_login(other_officer)
    assert client.get(update_url).status_code == 403

    client.force_login(plan_admin)
    response = client.post(
        reverse("actionplan:edit_action", args=[a2.pk]),
        {
            "title": a2.title,
            "description": "",
            "completion_date_text": a2.completion_date_text,
            "responsible": [o.pk for o in a2.responsible.all()],
            "delegates": [other_officer.pk],
            "version": a2.version,
        },
    )
    assert response.status_code == 302

    client.force_login(other_officer)
    assert client.get(update_url).status_code == 200
    assert Action.objects.mine(other_officer).filter(pk=a2.pk).exists()


def test_a_plan_admin_of_one_plan_has_no_rights_in_another(client, plan_admin, tmp_path):
    from actionplan.importers.yaml_plan import import_plan_file
    from tests.helpers import minimal_plan, write_plan

    other = import_plan_file(write_plan(tmp_path, minimal_plan(slug="other-plan"), "other.yaml")).plan
    client.force_login(plan_admin)
    assert client.get(reverse("actionplan:plan", args=[other.slug])).status_code == 403
    a1 = other.actions.get(code="A1")
    assert client.get(reverse("actionplan:edit_action", args=[a1.pk])).status_code == 403


def test_forms_refuse_a_post_without_the_csrf_token(small_plan, officer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    a1 = small_plan.actions.get(code="A1")
    response = client.post(
        reverse("actionplan:add_update", args=[a1.pk]), {"rag": "green", "narrative": "x", "version": a1.version}
    )
    assert response.status_code == 403
    assert not ProgressUpdate.objects.filter(narrative="x").exists()


def test_the_edit_form_draws_owners_as_govuk_checkboxes(client, small_plan, plan_admin):
    a1 = small_plan.actions.get(code="A1")
    client.force_login(plan_admin)
    page = client.get(reverse("actionplan:edit_action", args=[a1.pk])).content.decode()
    assert 'type="checkbox" name="responsible" value=' in page
    assert "govuk-radios__input" not in page
    # Every owner named in the admin's plans, twice (accountable and responsible).
    offered = Owner.objects.named_in(Plan.objects.administered_by(plan_admin)).count()
    assert offered == 4
    assert page.count('class="govuk-checkboxes__input"') >= offered * 2


def test_a_refused_request_is_logged_in_one_line_without_a_traceback(client, small_plan, outsider, caplog):
    client.force_login(outsider)
    with caplog.at_level("WARNING", logger="django.request"):
        response = client.get(page_url("plan", small_plan))
    assert response.status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == f"Forbidden (Permission denied): {page_url('plan', small_plan)}"
    assert record.exc_info is None
    assert "Traceback" not in caplog.text
