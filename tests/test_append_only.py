"""Progress updates are history: nothing deletes an officer's update, and nothing deletes an action
(or its key action, priority or plan) that has some, whether from the admin's delete pages, its
bulk delete, its inlines or the shell. What was deleted stays visible in the admin's history.

The small plan: priority A holds A1 (sub-actions "A1 i" and "A1 ii") and A2. Only officers'
updates count: the plan file's imported progress text goes with its action (the importer's rule).
"""

import datetime
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from actionplan.models import RAG, Action, Plan, ProgressUpdate, StrategicPriority

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported(small_plan, officer, other_officer):
    """Officers' progress on the sub-action "A1 ii" (two updates) and on A2 (one)."""
    a1_ii = small_plan.actions.get(code="A1 ii")
    for narrative in ["Started", "Half way"]:
        a1_ii.refresh_from_db()
        a1_ii.add_progress_update(
            author=other_officer, on=datetime.date(2018, 4, 1), seen_version=a1_ii.version, rag=RAG.GREEN,
            narrative=narrative,
        )  # fmt: skip
    a2 = small_plan.actions.get(code="A2")
    a2.add_progress_update(
        author=officer, on=datetime.date(2018, 4, 2), seen_version=a2.version, rag=RAG.AMBER, narrative="Waiting"
    )
    return small_plan


def officers_updates():
    return ProgressUpdate.objects.filter(imported=False).count()


class FormValues(HTMLParser):
    """The values a browser would post for the admin's change form, as it was drawn."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))

    def handle_data(self, data):
        if self._textarea:
            name, value = self.data[-1]
            self.data[-1] = (name, value + data)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_change_form(client, url, **changes):
    """Post the admin change form at `url` as drawn, with `changes` (e.g. an inline's DELETE ticked)."""
    html = client.get(url).content.decode()
    parser = FormValues()
    parser.feed(html)
    data = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        data[name] = [value]
    data.pop("_addanother", None), data.pop("_continue", None)
    return client.post(url, data), html


def test_the_sub_action_inline_cannot_delete_a_sub_action_and_its_updates(client, superuser, reported):
    a1 = reported.actions.get(code="A1")
    client.force_login(superuser)
    url = reverse("admin:actionplan_action_change", args=[a1.pk])
    response, form = post_change_form(client, url, **{"sub_actions-1-DELETE": "on"})
    assert 'name="sub_actions-1-DELETE"' not in form
    assert response.status_code == 302, response.content.decode()[:2000]
    assert reported.actions.filter(code="A1 ii").exists()
    assert officers_updates() == 3


def test_the_priorities_inline_cannot_delete_a_priority_and_its_actions(client, superuser, reported):
    client.force_login(superuser)
    url = reverse("admin:actionplan_plan_change", args=[reported.pk])
    response, form = post_change_form(client, url, **{"priorities-0-DELETE": "on"})
    assert 'name="priorities-0-DELETE"' not in form
    assert response.status_code == 302, response.content.decode()[:2000]
    assert reported.priorities.count() == 1 and reported.actions.count() == 4
    assert officers_updates() == 3


@pytest.mark.parametrize(
    "admin_url, obj",
    [
        ("admin:actionplan_action_delete", lambda plan: plan.actions.get(code="A1")),  # via its sub-action
        ("admin:actionplan_action_delete", lambda plan: plan.actions.get(code="A2")),
        ("admin:actionplan_strategicpriority_delete", lambda plan: plan.priorities.get()),
        ("admin:actionplan_plan_delete", lambda plan: plan),
    ],
    ids=["key action", "action", "priority", "plan"],
)
def test_the_admin_refuses_to_delete_what_holds_officers_progress_and_says_why(
    client, superuser, reported, admin_url, obj
):
    target = obj(reported)
    client.force_login(superuser)
    url = reverse(admin_url, args=[target.pk])
    page = client.get(url).content.decode()
    assert "Cannot delete" in page and "progress update" in page.lower()
    response = client.post(url, {"post": "yes"})
    assert response.status_code in (200, 403)
    assert type(target).objects.filter(pk=target.pk).exists()
    assert officers_updates() == 3


def test_the_admins_bulk_delete_refuses_too(client, superuser, reported):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:actionplan_action_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": list(reported.actions.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code in (200, 403)
    assert response.status_code == 403 or "Cannot delete actions" in response.content.decode()
    assert reported.actions.count() == 4 and officers_updates() == 3


@pytest.mark.parametrize(
    "delete",
    [
        lambda plan: plan.actions.get(code="A1 ii").delete(),
        lambda plan: plan.actions.get(code="A1").delete(),
        lambda plan: Action.objects.filter(plan=plan).delete(),
        lambda plan: StrategicPriority.objects.filter(plan=plan).delete(),
        lambda plan: Plan.objects.filter(pk=plan.pk).delete(),
        lambda plan: ProgressUpdate.objects.filter(imported=False).delete(),
        lambda plan: ProgressUpdate.objects.filter(imported=False).first().delete(),
    ],
    ids=["sub-action", "key action", "actions", "priorities", "plan", "updates", "one update"],
)
def test_the_shell_cannot_delete_officers_progress_either(reported, delete):
    with (
        pytest.raises(ProtectedError, match="Progress updates are history|protected foreign keys"),
        transaction.atomic(),
    ):
        delete(reported)
    assert officers_updates() == 3 and reported.actions.count() == 4


def test_an_action_with_only_the_plan_files_own_progress_text_can_still_be_deleted(small_plan):
    # As the importer does for an action no longer in the file.
    assert ProgressUpdate.objects.filter(action__code="A1", imported=True).exists()
    small_plan.actions.get(code="A1").delete()
    assert list(small_plan.actions.values_list("code", flat=True)) == ["A2"]
    assert not ProgressUpdate.objects.exists()


def test_the_admin_shows_the_history_of_deleted_rows(client, superuser, small_plan):
    a2 = small_plan.actions.get(code="A2")
    client.force_login(superuser)
    client.post(reverse("admin:actionplan_action_delete", args=[a2.pk]), {"post": "yes"})
    assert not Action.objects.filter(pk=a2.pk).exists()

    deleted = client.get(reverse("admin:actionplan_historicalaction_changelist"), {"history_type__exact": "-"})
    assert deleted.status_code == 200
    html = deleted.content.decode()
    assert "A2 Review the strategy" in html and "super" in html
    history_url = reverse("admin:actionplan_action_history", args=[a2.pk])
    assert history_url in html
    history = client.get(history_url)
    assert history.status_code == 200
    assert "Deleted" in history.content.decode()
