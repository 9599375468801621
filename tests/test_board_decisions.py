"""The board's decisions: recorded by the board's admin with the meeting and the minute reference;
closing makes the action complete from the meeting's date, accepting a revised date makes it the
action's current date (the original kept, so slippage counts), through a progress update written
for the decision. The action page and the board's profile show them.

The small plan is assured by the HWB; its meeting of 19 July 2018 (a workshop) is the one used.
"""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from actionplan.models import Action, BoardDecision, ProgressUpdate
from actionplan.status import RAG, DeliveryStatus
from partnerships.models import Partnership
from tests.round_helpers import assure_by_hwb, hwb_meeting, update

pytestmark = pytest.mark.django_db

D = datetime.date
JULY = D(2018, 7, 19)


@pytest.fixture
def plan(small_plan):
    return assure_by_hwb(small_plan)


@pytest.fixture
def clerk(plan, outsider):
    """The HWB's admin."""
    Partnership.objects.get(slug="hwb").admins.add(outsider)
    return outsider


def decide(client, user, action, **data):
    client.force_login(user)
    with time_machine.travel(timezone.make_aware(datetime.datetime(2018, 7, 20, 10)), tick=False):
        return client.post(reverse("actionplan:record_decision", args=[action.pk]), data)


def test_closing_makes_the_action_complete_from_the_meetings_date(client, plan, clerk):
    a1 = plan.actions.get(code="A1")
    meeting = hwb_meeting(JULY)
    response = decide(client, clerk, a1, meeting=meeting.pk, kind="close", minute_reference="HWB 19/07/18 item 6")
    assert response.status_code == 302
    decision = BoardDecision.objects.get()
    assert (decision.meeting, decision.minute_reference, decision.recorded_by) == (
        meeting,
        "HWB 19/07/18 item 6",
        clerk,
    )
    written = ProgressUpdate.objects.get(decision=decision)
    assert (written.rag, written.reported_on, written.completed_on) == (RAG.COMPLETE, JULY, JULY)
    assert written.narrative.startswith("Closed by the HWB at its meeting of 19 July 2018, minute HWB 19/07/18 item 6.")
    assert a1.status_on(JULY).delivery_status == DeliveryStatus.COMPLETE
    assert a1.status_on(JULY - datetime.timedelta(days=1)).delivery_status == DeliveryStatus.OVERDUE
    assert Action.objects.complete(D(2018, 8, 1)).filter(pk=a1.pk).exists()


def test_accepting_a_revised_date_keeps_the_original_and_counts_as_slippage(client, plan, clerk, officer):
    a1 = plan.actions.get(code="A1")
    update(a1, officer, D(2018, 7, 10), rag=RAG.AMBER)
    decide(client, clerk, a1, meeting=hwb_meeting(JULY).pk, kind="revised_date", revised_due_date="2018-12-31")
    a1 = a1.status_on(D(2018, 8, 1))
    assert (a1.due_date, a1.current_due_date, a1.days_slipped) == (D(2018, 5, 31), D(2018, 12, 31), 214)
    assert a1.has_slipped and a1.delivery_status == DeliveryStatus.ON_TRACK
    # The officer's RAG stands: the decision moved only the date.
    assert a1.latest_rag == RAG.AMBER
    assert Action.objects.slipped(D(2018, 8, 1)).filter(pk=a1.pk).exists()


@pytest.mark.parametrize(
    "data, said",
    [
        ({"kind": "deep_dive", "note": "At the September workshop."}, "Deep dive requested by the HWB"),
        ({"kind": "escalate", "escalated_to": "growth-board"}, "Escalated to Oxfordshire Growth Board by the HWB"),
        ({"kind": "note", "note": "Progress welcomed."}, "Noted by the HWB"),
    ],
)
def test_other_decisions_are_recorded_and_change_no_status(client, plan, clerk, data, said):
    a1 = plan.actions.get(code="A1")
    before = a1.status_on(D(2018, 8, 1))
    if "escalated_to" in data:
        data["escalated_to"] = Partnership.objects.get(slug=data["escalated_to"]).pk
    assert decide(client, clerk, a1, meeting=hwb_meeting(JULY).pk, **data).status_code == 302
    decision = BoardDecision.objects.get()
    assert decision.summary().startswith(said)
    assert not ProgressUpdate.objects.filter(decision__isnull=False).exists()
    after = a1.status_on(D(2018, 8, 1))
    assert (after.delivery_status, after.rag) == (before.delivery_status, before.rag)


@pytest.mark.parametrize(
    "data, error",
    [
        ({"kind": "revised_date"}, "Enter the revised completion date the board accepted"),
        ({"kind": "escalate"}, "Select the board it was escalated to"),
        ({"kind": "note"}, "Enter what the board noted"),
        ({}, "Select the decision"),
    ],
)
def test_a_decision_missing_what_it_needs_is_refused(client, plan, clerk, data, error):
    response = decide(client, clerk, plan.actions.get(code="A1"), meeting=hwb_meeting(JULY).pk, **data)
    assert response.status_code == 400 and error in response.content.decode()
    assert not BoardDecision.objects.exists()


@pytest.mark.parametrize("who", ["plan_admin", "officer", "board_member", "superuser_of_another_board"])
def test_only_the_boards_admin_records_its_decisions(client, plan, who, request, outsider):
    if who == "superuser_of_another_board":
        Partnership.objects.get(slug="oscb").admins.add(outsider)
        user = outsider
    else:
        user = request.getfixturevalue(who)
    response = decide(client, user, plan.actions.get(code="A1"), meeting=hwb_meeting(JULY).pk, kind="close")
    assert response.status_code == 403
    assert not BoardDecision.objects.exists()


def test_only_meetings_held_by_then_may_be_chosen(client, plan, clerk):
    response = decide(client, clerk, plan.actions.get(code="A1"), meeting=hwb_meeting(D(2018, 11, 15)).pk, kind="close")
    assert response.status_code == 400 and "Select the meeting the decision was taken at" in response.content.decode()


def test_the_action_page_and_the_boards_profile_show_the_decisions(client, plan, clerk, board_member, outsider):
    a1 = plan.actions.get(code="A1")
    decide(client, clerk, a1, meeting=hwb_meeting(JULY).pk, kind="deep_dive", minute_reference="23/18")
    client.force_login(board_member)
    page = client.get(reverse("actionplan:action", args=[a1.pk])).content.decode()
    assert (
        "Board decisions" in page
        and "Deep dive requested by the HWB at its meeting of 19 July 2018, minute 23/18." in page
    )
    profile = client.get(reverse("partnerships:partnership", args=["hwb"]))
    assert [(m.date, [d.action.code for d in ds]) for m, ds in profile.context["decisions_by_meeting"]] == [
        (JULY, ["A1"])
    ]
    assert "Decisions on actions" in profile.content.decode()
    # Someone who may not see the plan sees none of its decisions.
    Partnership.objects.get(slug="hwb").admins.remove(clerk)
    client.force_login(outsider)
    assert client.get(reverse("partnerships:partnership", args=["hwb"])).context["decisions_by_meeting"] == []


def test_a_decision_is_in_the_actions_audit_trail(client, plan, clerk):
    a1 = plan.actions.get(code="A1")
    decide(client, clerk, a1, meeting=hwb_meeting(JULY).pk, kind="close", minute_reference="6")
    whats = [entry.what for entry in a1.audit_trail()]
    assert "Board decision recorded" in whats and "Progress update written for a board decision" in whats
