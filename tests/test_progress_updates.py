"""Officers add progress updates; slippage is recorded, never overwritten; history is append-only."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from actionplan.models import Action, ProgressUpdate
from actionplan.status import RAG

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2018, 4, 16)


@pytest.fixture
def a1(small_plan):
    return small_plan.actions.get(code="A1")


def post_update(client, action, **fields):
    data = {"rag": "green", "narrative": "Workshop held with partners.", "version": action.version, **fields}
    return client.post(reverse("actionplan:add_update", args=[action.pk]), data)


@time_machine.travel(datetime.datetime(2018, 4, 16, 10, 0), tick=False)
def test_an_officer_adds_an_update_and_it_heads_the_history(client, officer, a1):
    client.force_login(officer)
    response = post_update(client, a1, rag="amber", narrative="Draft vision shared with the HWB.", percent_complete=40)
    assert response.status_code == 302
    update = a1.progress_updates.first()
    assert (update.author, update.reported_on, update.rag, update.percent_complete) == (officer, TODAY, "amber", 40)

    page = client.get(reverse("actionplan:action", args=[a1.pk])).content.decode()
    history = page[page.index('id="progress"') :]
    assert history.index("Draft vision shared with the HWB.") < history.index("Paper in development.")
    assert "16 April 2018 · Officer" in history


def test_a_form_error_keeps_everything_the_user_typed(client, officer, a1):
    client.force_login(officer)
    response = post_update(
        client,
        a1,
        rag="red",
        narrative="Delayed by purdah.",
        percent_complete=150,
        revised_due_date_day="30",
        revised_due_date_month="9",
        revised_due_date_year="2018",
        revision_reason="",
    )
    assert response.status_code == 400
    page = response.content.decode()
    # GOV.UK's messages only, each once: not Django's "Ensure this value is less than or equal to 100."
    assert page.count("Percentage complete must be between 0 and 100") == 2  # summary and field
    assert "Ensure this value" not in page
    assert "Give a reason for the revised completion date." in page
    assert "Delayed by purdah." in page
    assert 'value="150"' in page
    for box, typed in (("day", "30"), ("month", "9"), ("year", "2018")):
        assert f'name="revised_due_date_{box}" type="text" inputmode="numeric" value="{typed}"' in page
    assert re.search(r'<input type="radio" name="rag" value="red"[^>]*checked', page)
    assert not a1.progress_updates.exclude(imported=True).exists()


def test_a_narrative_and_a_rag_are_required(client, officer, a1):
    client.force_login(officer)
    response = client.post(reverse("actionplan:add_update", args=[a1.pk]), {"version": a1.version})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"rag", "narrative"}


@time_machine.travel(datetime.datetime(2018, 4, 16, 10, 0), tick=False)
def test_a_revised_date_keeps_the_original_and_records_slippage(client, officer, a1):
    original = a1.due_date
    client.force_login(officer)
    response = post_update(
        client, a1, rag="amber", revised_due_date="2018-09-30", revision_reason="Waiting for the new CEO to start."
    )
    assert response.status_code == 302
    a1.refresh_from_db()
    assert a1.due_date == original == datetime.date(2018, 5, 31)
    assert a1.completion_date_text == "31/05/18"
    slipped = Action.objects.slipped(TODAY).get(pk=a1.pk)
    assert slipped.revised_due_date == datetime.date(2018, 9, 30)
    assert slipped.current_due_date == datetime.date(2018, 9, 30)

    # A later revision moves the current date again; the first revision stays in the history.
    post_update(
        client, Action.objects.get(pk=a1.pk), revised_due_date="2018-12-31", revision_reason="Consultation extended."
    )
    assert Action.objects.with_progress().get(pk=a1.pk).current_due_date == datetime.date(2018, 12, 31)
    assert list(a1.progress_updates.exclude(revised_due_date=None).values_list("revised_due_date", flat=True)) == [
        datetime.date(2018, 12, 31),
        datetime.date(2018, 9, 30),
    ]
    page = client.get(reverse("actionplan:action", args=[a1.pk])).content.decode()
    assert "31 May 2018" in page and "31 December 2018" in page and "Slipped" in page


@time_machine.travel(datetime.datetime(2018, 4, 16, 10, 0), tick=False)
def test_a_date_brought_forward_is_not_slippage(client, officer, a1):
    client.force_login(officer)
    post_update(client, a1, revised_due_date="2018-05-01", revision_reason="Board meeting moved earlier.")
    assert not Action.objects.slipped(TODAY).filter(pk=a1.pk).exists()


@time_machine.travel(datetime.datetime(2018, 6, 4, 9, 0), tick=False)
def test_marking_complete_records_the_completion_date(client, officer, a1):
    client.force_login(officer)
    post_update(client, a1, rag=RAG.COMPLETE, narrative="Vision agreed at the HWB.")
    annotated = Action.objects.with_progress().get(pk=a1.pk)
    assert annotated.completed_on == datetime.date(2018, 6, 4)
    assert a1.status_on(datetime.date(2018, 6, 4)).delivery_status == "complete"


def test_html_in_a_narrative_is_shown_as_text(client, officer, a1):
    client.force_login(officer)
    post_update(client, a1, narrative="<script>alert(1)</script> done")
    for url in (reverse("actionplan:action", args=[a1.pk]), reverse("actionplan:my_actions")):
        page = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; done" in page


# -- append-only ---------------------------------------------------------------------------------


def correct(client, update, text):
    return client.post(reverse("actionplan:correct_update", args=[update.pk]), {"narrative": text})


def test_the_author_may_correct_a_typo_in_their_latest_update_soon_after(client, officer, a1):
    client.force_login(officer)
    post_update(client, a1, narrative="Worksop held.")
    update = a1.progress_updates.first()
    assert correct(client, update, "Workshop held.").status_code == 302
    update.refresh_from_db()
    assert update.narrative == "Workshop held." and update.corrected_at is not None
    # The first wording is kept in the history.
    assert list(update.history.order_by("history_date").values_list("narrative", flat=True)) == [
        "Worksop held.",
        "Workshop held.",
    ]


def test_a_correction_after_the_window_is_refused(client, officer, a1):
    client.force_login(officer)
    with time_machine.travel(datetime.datetime(2018, 4, 16, 10, 0, tzinfo=datetime.UTC), tick=False):
        post_update(client, a1, narrative="Worksop held.")
    update = a1.progress_updates.first()
    with time_machine.travel(datetime.datetime(2018, 4, 16, 10, 31, tzinfo=datetime.UTC), tick=False):
        assert correct(client, update, "Rewritten history").status_code == 403
    update.refresh_from_db()
    assert update.narrative == "Worksop held."


def test_only_the_author_may_correct_and_only_their_latest(client, officer, plan_admin, a1):
    client.force_login(officer)
    post_update(client, a1, narrative="First.")
    first = a1.progress_updates.first()
    post_update(client, Action.objects.get(pk=a1.pk), narrative="Second.")
    assert correct(client, first, "Changed first").status_code == 403

    client.force_login(plan_admin)
    assert correct(client, a1.progress_updates.first(), "Not my words").status_code == 403
    assert set(ProgressUpdate.objects.filter(action=a1).values_list("narrative", flat=True)) == {
        "First.",
        "Second.",
        "Paper in development.",
    }


def test_imported_progress_cannot_be_corrected_in_the_browser(client, superuser, a1):
    client.force_login(superuser)
    assert correct(client, a1.progress_updates.imported().get(), "x").status_code == 403


def test_progress_updates_cannot_be_deleted_in_the_admin(client, superuser, a1):
    client.force_login(superuser)
    update = a1.progress_updates.first()
    response = client.post(reverse("admin:actionplan_progressupdate_delete", args=[update.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert ProgressUpdate.objects.filter(pk=update.pk).exists()
