"""Update rounds: opening one for a board meeting, which actions are in it, where each stands
(return status), its deadline in working days, and who may open one."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from actionplan.importers.yaml_plan import import_plan_file
from actionplan.models import Action, Plan, ProgressUpdate, UpdateRound
from actionplan.rounds import record_decision
from actionplan.status import RAG, ReturnStatus
from tests.helpers import ROOT, import_cqc_plan
from tests.round_helpers import DEADLINE, MEETING, OPENS, REMINDER, assure_by_hwb, hwb_meeting, make_round, statuses
from tests.round_helpers import update as post_update

pytestmark = pytest.mark.django_db

D = datetime.date
HIC_FIXTURE = ROOT / "fixtures" / "plans" / "hic-implementation-plan-2018.yaml"


def noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def open_on(day):
    """Open actions as at `day`, worked out from the updates themselves: those whose latest update
    reported by then does not say Complete (or that have none)."""
    open_actions = set()
    for action in Action.objects.filter(
        plan__slug__in=["cqc-local-system-review-2018", "hic-implementation-plan-2018"]
    ):
        reported = [u for u in action.progress_updates.all() if u.reported_on <= day]
        latest = max(reported, key=lambda u: (u.reported_on, u.created_at, u.pk), default=None)
        if latest is None or latest.rag != RAG.COMPLETE:
            open_actions.add(action.pk)
    return open_actions


def test_opening_a_round_for_the_hwbs_15_november_2018_meeting_takes_exactly_the_open_cqc_and_hic_actions(
    client, superuser
):
    cqc = import_cqc_plan()
    hic = import_plan_file(HIC_FIXTURE).plan
    meeting = hwb_meeting()
    client.force_login(superuser)
    with time_machine.travel(noon(OPENS), tick=False):
        form = client.get(reverse("actionplan:open_round", args=[meeting.pk])).context["form"]
        # By default every plan the HWB assures (through its sub-boards too), and the deadline 10
        # working days before the meeting.
        assert set(form.initial["plans"]) == {cqc, hic}
        assert form.initial["deadline"] == DEADLINE
        assert form.initial["opens_on"] == OPENS
        response = client.post(
            reverse("actionplan:open_round", args=[meeting.pk]),
            {
                "plans": [cqc.pk, hic.pk],
                "opens_on": "2018-10-18",
                "deadline": "2018-11-01",
                "message": "Please focus on the overdue actions.",
            },
        )
    update_round = UpdateRound.objects.get(meeting=meeting)
    assert response.status_code == 302 and response.url == update_round.get_absolute_url()
    in_round = set(Action.objects.in_round(update_round).values_list("pk", flat=True))
    expected = open_on(OPENS)
    assert in_round == expected
    # The HIC plan's complete recommendations are the ones left out; every CQC action is open.
    left_out = Action.objects.filter(plan__in=[cqc, hic]).exclude(pk__in=in_round)
    assert left_out.exists() and not left_out.filter(plan=cqc).exists()
    assert all(a.progress_rag == RAG.COMPLETE for a in left_out)
    assert set(statuses(update_round).values()) == {ReturnStatus.AWAITING_UPDATE}


def test_an_action_completed_after_the_opening_date_stays_in_the_round_as_not_required(small_plan, officer):
    assure_by_hwb(small_plan, sign_off=False)
    a2 = small_plan.actions.get(code="A2")
    post_update(a2, officer, D(2018, 10, 1), rag=RAG.COMPLETE)  # before the opening: not in it
    update_round = make_round([small_plan])
    assert "A2" not in statuses(update_round)
    ProgressUpdate.objects.create(
        action=small_plan.actions.get(code="A1 i"),
        reported_on=D(2018, 10, 25),
        narrative="Done, says the plan file.",
        rag=RAG.COMPLETE,
        imported=True,
    )
    assert statuses(update_round)["A1 i"] == ReturnStatus.NOT_REQUIRED


def test_return_status_moves_through_every_state(small_plan, officer, other_officer, superuser):
    assure_by_hwb(small_plan)
    a1 = small_plan.actions.get(code="A1")
    post_update(a1, officer, D(2018, 10, 10), narrative="Before the round: does not count.")
    update_round = make_round([small_plan])

    def status_of(code):
        return statuses(update_round)[code]

    assert status_of("A1") == ReturnStatus.AWAITING_UPDATE

    first = post_update(a1, officer, D(2018, 10, 20))
    assert status_of("A1") == ReturnStatus.AWAITING_SIGN_OFF

    assert first.review(other_officer, timezone.now(), None, comment="Say what the board decided.")
    assert status_of("A1") == ReturnStatus.RETURNED
    returned = Action.objects.in_round(update_round).with_return_status(update_round).get(code="A1")
    assert returned.return_comment == "Say what the board decided."

    second = post_update(a1, officer, D(2018, 10, 22), narrative="The board agreed the vision on 19 July.")
    assert status_of("A1") == ReturnStatus.AWAITING_SIGN_OFF

    assert second.review(other_officer, timezone.now(), None)
    assert status_of("A1") == ReturnStatus.SIGNED_OFF

    # Complete says the officer: still their return, signed off by the accountable owner first.
    a1_ii = small_plan.actions.get(code="A1 ii")
    post_update(a1_ii, other_officer, D(2018, 10, 23), rag=RAG.COMPLETE)
    assert status_of("A1 ii") == ReturnStatus.AWAITING_SIGN_OFF
    # Closed by the board at its meeting: nothing more needed.
    record_decision(a1_ii, hwb_meeting(D(2018, 10, 3)), "close", superuser, minute_reference="12/18")
    assert status_of("A1 ii") == ReturnStatus.NOT_REQUIRED

    # In a plan that asks for no sign-off, the update is the return.
    small_plan.sign_off_required = False
    small_plan.save()
    post_update(small_plan.actions.get(code="A2"), officer, D(2018, 11, 2))
    assert status_of("A2") == ReturnStatus.UPDATED
    # After the meeting, an update is for the next round.
    post_update(small_plan.actions.get(code="A1 i"), officer, D(2018, 11, 16))
    assert status_of("A1 i") == ReturnStatus.AWAITING_UPDATE


def test_a_correction_after_sign_off_clears_it_and_needs_a_fresh_one(small_plan, officer, other_officer):
    assure_by_hwb(small_plan)
    update_round = make_round([small_plan])
    update = post_update(small_plan.actions.get(code="A1"), officer, D(2018, 10, 20))
    assert update.review(other_officer, timezone.now(), None)
    update.refresh_from_db()
    assert update.is_signed_off and update.signed_off_by == other_officer

    update.correct("Corrected wording.", timezone.now())
    update.refresh_from_db()
    assert not update.is_signed_off and update.signed_off_by is None and update.signed_off_at is None
    assert statuses(update_round)["A1"] == ReturnStatus.AWAITING_SIGN_OFF
    # The signer must read the corrected words: a sign-off from the page read before fails.
    assert not update.review(other_officer, timezone.now(), None)
    assert update.review(other_officer, timezone.now(), update.corrected_at)
    assert statuses(update_round)["A1"] == ReturnStatus.SIGNED_OFF


@pytest.mark.parametrize(
    "meeting, deadline, reminder",
    [
        # Nothing in the way: ten working days before a Thursday is the Thursday two weeks before.
        (MEETING, DEADLINE, REMINDER),
        # Good Friday (19 April 2019) and Easter Monday (22 April) are not working days.
        (D(2019, 5, 2), D(2019, 4, 16), D(2019, 4, 11)),
        # Christmas Day, Boxing Day and New Year's Day 2019 are not either.
        (D(2019, 1, 10), D(2018, 12, 24), D(2018, 12, 19)),
        # The early May bank holiday of 2020 moved to Friday 8 May for VE Day.
        (D(2020, 5, 21), D(2020, 5, 6), D(2020, 5, 1)),
    ],
)
def test_the_deadline_and_reminder_count_working_days_skipping_englands_bank_holidays(meeting, deadline, reminder):
    assert UpdateRound.default_deadline(meeting) == deadline
    assert UpdateRound(deadline=deadline).reminder_on == reminder


def test_the_deadline_must_fall_after_the_opening_and_by_the_meeting(client, superuser, small_plan):
    assure_by_hwb(small_plan)
    meeting = hwb_meeting()
    client.force_login(superuser)
    url = reverse("actionplan:open_round", args=[meeting.pk])
    with time_machine.travel(noon(OPENS), tick=False):
        late = client.post(url, {"plans": [small_plan.pk], "opens_on": "2018-10-18", "deadline": "2018-11-16"})
        early = client.post(url, {"plans": [small_plan.pk], "opens_on": "2018-10-18", "deadline": "2018-10-18"})
    assert late.status_code == 400 and "The deadline must be on or before the meeting." in late.content.decode()
    assert early.status_code == 400 and "The deadline must be after the opening date." in early.content.decode()
    assert not UpdateRound.objects.exists()


def test_a_round_opening_later_chooses_its_actions_on_its_opening_date(client, superuser, small_plan, officer):
    from actionplan.rounds import send_round_chasers

    assure_by_hwb(small_plan)
    client.force_login(superuser)
    with time_machine.travel(noon(D(2018, 10, 1)), tick=False):
        client.post(
            reverse("actionplan:open_round", args=[hwb_meeting().pk]),
            {"plans": [small_plan.pk], "opens_on": "2018-10-18", "deadline": "2018-11-01"},
        )
    update_round = UpdateRound.objects.get()
    assert update_round.opened_at is None and not Action.objects.in_round(update_round).exists()
    # Completed before the opening date: not in the round.
    post_update(small_plan.actions.get(code="A2"), officer, D(2018, 10, 5), rag=RAG.COMPLETE)
    send_round_chasers(D(2018, 10, 17))
    assert not Action.objects.in_round(update_round).exists()
    send_round_chasers(OPENS)
    assert set(statuses(update_round)) == {"A1", "A1 i", "A1 ii"}


# -- Who may open a round -------------------------------------------------------------------------


def test_the_boards_admin_opens_rounds_for_every_plan_it_assures_and_a_plan_admin_for_their_own(
    client, small_plan, plan_admin, outsider
):
    assure_by_hwb(small_plan)
    cqc = import_cqc_plan()
    meeting = hwb_meeting()
    url = reverse("actionplan:open_round", args=[meeting.pk])
    meeting.partnership.admins.add(outsider)  # the HWB's admin
    client.force_login(outsider)
    with time_machine.travel(noon(OPENS), tick=False):
        assert set(client.get(url).context["form"].fields["plans"].queryset) == {small_plan, cqc}
        client.force_login(plan_admin)
        assert set(client.get(url).context["form"].fields["plans"].queryset) == {small_plan}
        # A plan admin cannot slip another plan in.
        response = client.post(url, {"plans": [cqc.pk], "opens_on": "2018-10-18", "deadline": "2018-11-01"})
        assert response.status_code == 400
        rounds_page = client.get(reverse("actionplan:round_list"))
    assert meeting in rounds_page.context["meetings"]


@pytest.mark.parametrize("who", ["officer", "board_member", "outsider"])
def test_no_one_else_may_open_a_round(client, small_plan, who, request):
    assure_by_hwb(small_plan)
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("actionplan:open_round", args=[hwb_meeting().pk])).status_code == 403
    assert client.post(reverse("actionplan:open_round", args=[hwb_meeting().pk]), {}).status_code == 403


def test_a_boards_admin_reads_the_plans_it_assures_through_its_sub_boards(small_plan, outsider):
    from partnerships.models import Partnership

    assure_by_hwb(small_plan)
    small_plan.board = Partnership.objects.get(slug="health-improvement-board")  # a sub-board of the HWB
    small_plan.save()
    assert not Plan.objects.visible_to(outsider).exists()
    Partnership.objects.get(slug="hwb").admins.add(outsider)
    assert list(Plan.objects.visible_to(outsider)) == [small_plan]
    Partnership.objects.get(slug="hwb").admins.remove(outsider)
    Partnership.objects.get(slug="oscb").admins.add(outsider)  # another family of boards
    assert not Plan.objects.visible_to(outsider).exists()
