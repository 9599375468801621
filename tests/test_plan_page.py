"""The plan page shows the whole plan to signed-in users, safely, in a fixed number of queries."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from actionplan.importers.yaml_plan import import_plan_file
from actionplan.models import Action, Plan
from tests.conftest import PASSWORD
from tests.helpers import CQC_SLUG, big_plan, give_role, import_cqc_plan, minimal_plan, write_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    user = get_user_model().objects.create_user("member", password=PASSWORD)
    client.force_login(user)
    return user


def plan_url(slug=CQC_SLUG):
    return reverse("actionplan:plan", args=[slug])


def test_plan_page_needs_sign_in(client):
    import_cqc_plan()
    response = client.get(plan_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_plan_list_needs_sign_in(client):
    response = client.get(reverse("actionplan:plan_list"))
    assert response.status_code == 302


def test_healthz_is_open_for_load_balancers(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_asks_the_database_nothing_even_signed_in(client, member, django_assert_num_queries):
    """Sign-in is checked after the view is known to be open to all: Django's own middleware
    loaded the session and the user first, two queries for every health check."""
    client.force_login(member)
    with django_assert_num_queries(0):
        assert client.get("/healthz/").status_code == 200


def test_plan_list_links_each_plan_shared_with_the_user(client, member, tmp_path):
    give_role(member, import_cqc_plan(), "viewer")
    import_plan_file(write_plan(tmp_path, minimal_plan()))
    response = client.get(reverse("actionplan:plan_list"))
    assert response.status_code == 200
    assert plan_url().encode() in response.content
    assert plan_url("small-plan").encode() not in response.content


def test_a_plan_not_shared_with_the_user_is_refused(client, member):
    import_cqc_plan()
    assert client.get(plan_url()).status_code == 403


def test_unknown_plan_is_404(client, member):
    assert client.get(plan_url("no-such-plan")).status_code == 404


def test_plan_page_shows_every_priority_and_action(client, member):
    give_role(member, import_cqc_plan(), "viewer")
    response = client.get(plan_url())
    assert response.status_code == 200
    html = response.content.decode()
    for code in "ABCDEFGHIJKLMNO":
        assert f'id="priority-{code}"' in html
    for action in Action.objects.all():
        assert f'id="{action.anchor}"' in html
    assert "TBC subject to completion of review" in html
    assert "19/07/18 (HWB)" in html


def test_plan_page_shows_owners_and_the_gaps(client, member):
    plan = import_cqc_plan()
    give_role(member, plan, "viewer")
    html = client.get(plan_url()).content.decode()
    # I5 has no accountable owner; H3 has no completion date: both are shown, not hidden.
    i5 = plan.actions.get(code="I5")
    row = html[html.index(f'id="{i5.anchor}"') :]
    row = row[: row.index("</tr>")]
    assert "None named" in row
    h3 = plan.actions.get(code="H3")
    row = html[html.index(f'id="{h3.anchor}"') :]
    row = row[: row.index("</tr>")]
    assert "No date set" in row
    assert "Chief Executives" in html


def test_html_in_source_text_is_shown_not_run(client, member, tmp_path):
    data = minimal_plan()
    action = data["priorities"][0]["actions"][0]
    action["title"] = "<script>alert('title')</script>"
    action["description"] = "<img src=x onerror=alert(1)>"
    action["progress"] = "<b>bold</b> claim"
    data["priorities"][0]["text"] = "<i>priority</i>"
    give_role(member, import_plan_file(write_plan(tmp_path, data)).plan, "viewer")
    html = client.get(plan_url("small-plan")).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in html
    assert "&lt;i&gt;priority&lt;/i&gt;" in html


def test_plan_page_queries_do_not_grow_with_the_plan(client, member, tmp_path, django_assert_max_num_queries):
    give_role(member, import_plan_file(write_plan(tmp_path, big_plan(1, 1, 1), "small.yaml")).plan, "viewer")
    # A fixed number: the plan and its actions, owners, milestones and latest updates, and what the
    # reader may do with the plan (import, publish, update an action). It must not grow below.
    with django_assert_max_num_queries(16) as small:
        assert client.get(plan_url("big-plan")).status_code == 200
    small_count = len(small.captured_queries)  # read now: the query log is bounded

    import_plan_file(write_plan(tmp_path, big_plan(6, 8, 4), "big.yaml"))
    assert Plan.objects.get(slug="big-plan").actions.count() == 6 * 8 * 5
    with django_assert_max_num_queries(small_count):
        response = client.get(plan_url("big-plan"))
    assert response.status_code == 200
    assert b"Sub-action 3 progress" in response.content


def test_admin_finds_an_action_by_owner_initials(client, tmp_path):
    import_cqc_plan()
    admin = get_user_model().objects.create_superuser("boss", password=PASSWORD)
    client.force_login(admin)
    response = client.get(reverse("admin:actionplan_action_changelist"), {"q": "DHe"})
    assert response.status_code == 200
    shown = {a.code for a in response.context["cl"].result_list}
    expected = set(Action.objects.filter(responsible__code="DHe").values_list("code", flat=True)) | set(
        Action.objects.filter(accountable__code="DHe").values_list("code", flat=True)
    )
    assert expected and shown == expected


def test_the_plan_page_links_its_board_and_the_board_lists_the_plan(client, member):
    plan = import_cqc_plan()
    give_role(member, plan, "viewer")
    page = client.get(plan_url()).content.decode()
    assert f'href="{plan.board.get_absolute_url()}"' in page
    profile = client.get(plan.board.get_absolute_url()).content.decode()
    assert f'href="{plan.get_absolute_url()}"' in profile
