"""Small builders for the update-round tests: the small plan assured by the HWB, a round for the
HWB's 15 November 2018 meeting, and an officer's update on a given day."""

import datetime

from django.utils import timezone

from actionplan.models import Action, Owner, UpdateRound
from actionplan.rounds import open_round
from partnerships.models import Meeting, Partnership
from tests.helpers import import_partnerships

D = datetime.date
# The HWB's meeting of 15 November 2018 (fixtures/partnerships.yaml): a round opening on 18 October
# has its deadline 10 working days before the meeting, 1 November, and its reminder 3 working days
# before that, 29 October.
MEETING = D(2018, 11, 15)
OPENS = D(2018, 10, 18)
DEADLINE = D(2018, 11, 1)
REMINDER = D(2018, 10, 29)


def hwb_meeting(on=MEETING):
    import_partnerships()
    return Meeting.objects.select_related("partnership").get(partnership__slug="hwb", date=on)


def assure_by_hwb(plan, sign_off=True):
    """The plan assured by the HWB, asking for sign-off; DHe (the other officer) accountable for A1,
    so for its sub-actions too (A1 ii is DHe's own: responsible and, by inheritance, accountable)."""
    import_partnerships()
    plan.board = Partnership.objects.get(slug="hwb")
    plan.sign_off_required = sign_off
    plan.save()
    plan.actions.get(code="A1").accountable.set([Owner.objects.get(code="DHe")])
    return plan


def make_round(plans, meeting=None, opens_on=OPENS, deadline=DEADLINE, message="", open_now=True):
    meeting = meeting or hwb_meeting()
    update_round = UpdateRound.objects.create(meeting=meeting, opens_on=opens_on, deadline=deadline, message=message)
    update_round.plans.set(plans)
    if open_now:
        open_round(update_round, timezone.now())
    return update_round


def update(action, user, on, rag="green", narrative="Progress made.", **fields):
    action = Action.objects.get(pk=action.pk)
    return action.add_progress_update(
        author=user, on=on, seen_version=action.version, rag=rag, narrative=narrative, **fields
    )


def statuses(update_round, plan=None):
    """{action code: return status} of the round's actions."""
    actions = Action.objects.in_round(update_round).with_return_status(update_round)
    if plan is not None:
        actions = actions.filter(plan=plan)
    return dict(actions.values_list("code", "return_status"))
