"""Lists of people and organisations (the action list's owner suggestions and organisation filter,
the edit form's owners and delegates) show only those of plans the reader may see: nobody learns
who works on a plan that was not shared with them."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from actionplan.importers.yaml_plan import import_plan_file
from actionplan.models import Owner
from tests.helpers import give_role, minimal_plan, write_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret_plan(small_plan, tmp_path):
    """Another plan, with a person, a group and an organisation of its own, and two users in it."""
    data = minimal_plan(slug="secret-plan", title="Secret plan")
    data["organisations"] = [{"code": "SEC", "name": "Secret Services Trust"}]
    data["people"] = [{"initials": "MS", "name": "Mallory Secret", "role": "Director", "organisation": "SEC"}]
    data["groups"] = [{"name": "Secret Board"}]
    action = data["priorities"][0]["actions"][0]
    action.update(accountable=["Secret Board"], responsible=["MS"], sub_actions=[])
    data["priorities"][0]["actions"] = [action]
    plan = import_plan_file(write_plan(tmp_path, data, "secret.yaml")).plan
    users = get_user_model().objects
    Owner.objects.filter(code="MS").update(user=users.create_user("mallory-secret"))
    give_role(users.create_user("secret-member"), plan, "viewer")
    return plan


def datalist(html):
    start = html.index('<datalist id="owner-codes">')
    return html[start : html.index("</datalist>", start)]


def test_the_owner_suggestions_list_only_owners_of_plans_the_reader_can_see(client, board_member, secret_plan):
    client.force_login(board_member)
    owners = datalist(client.get(reverse("actionplan:action_list")).content.decode())
    assert 'value="KT"' in owners and 'value="Chief Executives"' in owners
    assert "MS" not in owners and "Mallory" not in owners and "Secret Board" not in owners


def test_the_organisation_filter_offers_only_organisations_of_plans_the_reader_can_see(
    client, board_member, secret_plan
):
    client.force_login(board_member)
    response = client.get(reverse("actionplan:action_list"))
    choices = [org.code for org in response.context["filter"].form.fields["organisation"].queryset]
    assert choices == ["OCC"]
    assert "Secret Services Trust" not in response.content.decode()


def test_a_filter_naming_an_owner_of_an_unseen_plan_is_not_a_valid_choice(client, board_member, secret_plan):
    client.force_login(board_member)
    response = client.get(reverse("actionplan:action_list"), {"responsible": "MS"})
    assert "responsible" in response.context["filter"].form.errors


def test_a_superuser_is_offered_everyone(client, superuser, secret_plan):
    client.force_login(superuser)
    html = client.get(reverse("actionplan:action_list")).content.decode()
    assert 'value="MS"' in datalist(html) and 'value="KT"' in datalist(html)


def test_the_edit_form_offers_only_owners_and_users_of_plans_the_admin_administers(
    client, plan_admin, officer, secret_plan, small_plan
):
    a1 = small_plan.actions.get(code="A1")
    client.force_login(plan_admin)
    response = client.get(reverse("actionplan:edit_action", args=[a1.pk]))
    form = response.context["form"]
    owners = {o.code for o in form.fields["responsible"].queryset}
    assert owners == {"KT", "DHa", "DHe", "Chief Executives"}
    assert {o.code for o in form.fields["accountable"].queryset} == owners
    delegates = {u.username for u in form.fields["delegates"].queryset}
    assert {"officer", "plan-admin"} <= delegates
    assert not delegates & {"mallory-secret", "secret-member"}
    html = response.content.decode()
    assert "Mallory" not in html and "secret-member" not in html and "Secret Board" not in html
