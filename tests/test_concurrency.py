"""Two people saving the same action from stale pages: the second is told, nothing is lost."""

import pytest
from django.urls import reverse

from actionplan.models import Action, ProgressUpdate

pytestmark = pytest.mark.django_db


def test_the_second_officer_is_told_and_keeps_what_they_typed(client, small_plan, officer, plan_admin):
    a1 = small_plan.actions.get(code="A1")
    url = reverse("actionplan:add_update", args=[a1.pk])
    # Both load the form at the same version.
    seen = a1.version

    client.force_login(plan_admin)
    first = client.post(url, {"rag": "amber", "narrative": "Admin: paper deferred to May.", "version": seen})
    assert first.status_code == 302

    client.force_login(officer)
    second = client.post(url, {"rag": "green", "narrative": "Officer: all on track.", "version": seen})
    assert second.status_code == 409
    page = second.content.decode()
    assert "Someone else changed A1 while you were working on it" in page
    assert "Admin: paper deferred to May." in page  # the other's change
    assert "Officer: all on track." in page  # what this officer typed, still in the form
    assert not ProgressUpdate.objects.filter(narrative="Officer: all on track.").exists()

    # Having read it, the officer saves again from the refreshed form: now it is accepted.
    again = client.post(
        url,
        {"rag": "green", "narrative": "Officer: all on track.", "version": second.context["form"]["version"].value()},
    )
    assert again.status_code == 302
    assert list(a1.progress_updates.exclude(imported=True).values_list("narrative", flat=True)) == [
        "Officer: all on track.",
        "Admin: paper deferred to May.",
    ]


def test_two_admins_editing_an_action_do_not_overwrite_each_other(client, small_plan, plan_admin, superuser):
    a2 = small_plan.actions.get(code="A2")
    url = reverse("actionplan:edit_action", args=[a2.pk])
    form = {
        "description": "",
        "completion_date_text": a2.completion_date_text,
        "responsible": [o.pk for o in a2.responsible.all()],
        "version": a2.version,
    }

    client.force_login(plan_admin)
    assert client.post(url, {**form, "title": "Review the strategy with the districts"}).status_code == 302

    client.force_login(superuser)
    response = client.post(url, {**form, "title": "Review the strategy by June"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Review the strategy with the districts" in page
    assert "Review the strategy by June" in page
    assert Action.objects.get(pk=a2.pk).title == "Review the strategy with the districts"


def test_a_stale_version_is_refused_by_the_model_too(small_plan, officer):
    from actionplan.models import StaleAction

    a1 = small_plan.actions.get(code="A1")
    import datetime

    a1.add_progress_update(
        author=officer, on=datetime.date(2018, 4, 1), seen_version=a1.version, rag="green", narrative="One"
    )
    stale = Action.objects.get(pk=a1.pk)
    stale.version -= 1
    with pytest.raises(StaleAction):
        stale.add_progress_update(
            author=officer, on=datetime.date(2018, 4, 1), seen_version=stale.version, rag="green", narrative="Two"
        )
    assert not ProgressUpdate.objects.filter(narrative="Two").exists()
