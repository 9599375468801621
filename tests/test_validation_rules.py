"""Validation a person expects: a revised completion date is in the future (or the action was
delivered late, and says so); an earlier date is "brought forward"; a key action is someone's; an
indicator value is for a period that has begun, and "1,234" and "12.5%" are numbers."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from actionplan.models import Owner
from actionplan.status import RAG
from indicators.models import DirectorateMembership
from tests.conftest import PASSWORD
from tests.indicator_helpers import make_indicator
from tests.test_audit_trail import edit
from tests.test_progress_updates import post_update

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = datetime.datetime(2018, 5, 10, 12, 0)  # A1 of the small plan is due 31 May 2018


@pytest.fixture
def a1(small_plan):
    return small_plan.actions.get(code="A1")


def revised(day):
    return {"revised_due_date": day.isoformat(), "revision_reason": "The consultation ran late"}


# -- A revised completion date ------------------------------------------------------------------


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("day", [D(2018, 5, 10), D(2018, 5, 9), D(2017, 1, 1)])
def test_a_revised_date_not_after_the_update_is_refused(client, officer, a1, day):
    client.force_login(officer)
    response = post_update(client, a1, **revised(day))
    assert response.status_code == 400
    assert (
        "The revised completion date must be after today (10 May 2018), or tick that it was already done, "
        "late (delivered late)" in response.content.decode()
    )
    assert not a1.progress_updates.filter(imported=False).exists()


@time_machine.travel(TODAY, tick=False)
def test_a_revised_date_after_the_update_is_saved(client, officer, a1):
    client.force_login(officer)
    assert post_update(client, a1, **revised(D(2018, 5, 11))).status_code == 302
    assert a1.progress_updates.get(imported=False).revised_due_date == D(2018, 5, 11)


@time_machine.travel(TODAY, tick=False)
def test_a_past_date_confirmed_as_delivered_late_completes_the_action_on_that_day(client, officer, small_plan):
    a2 = small_plan.actions.get(code="A2")
    client.force_login(officer)
    not_complete = post_update(client, a2, delivered_late="on", **revised(D(2018, 4, 30)))
    assert "Select Complete: the action has already been delivered" in not_complete.content.decode()
    assert post_update(client, a2, rag="complete", delivered_late="on", **revised(D(2018, 4, 30))).status_code == 302
    saved = a2.progress_updates.get(imported=False)
    assert (saved.rag, saved.revised_due_date, saved.completed_on) == (RAG.COMPLETE, D(2018, 4, 30), D(2018, 4, 30))
    no_reason = post_update(client, a2, rag="complete", delivered_late="on", revised_due_date="2018-04-30")
    assert "Give a reason for the revised completion date." in no_reason.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_delivered_late_needs_the_date_it_was_delivered(client, officer, a1):
    client.force_login(officer)
    response = post_update(client, a1, rag="complete", delivered_late="on")
    assert "Enter the date it was delivered as the revised completion date." in response.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_an_earlier_revised_date_is_called_brought_forward_not_slipped(client, officer, a1):
    client.force_login(officer)
    assert post_update(client, a1, rag="green", **revised(D(2018, 5, 20))).status_code == 302  # due 31 May
    page = client.get(reverse("actionplan:action", args=[a1.pk])).content.decode()
    assert "Brought forward</strong>" in page and "Slipped</strong>" not in page
    assert "Completion date brought forward to 20 May 2018" in page
    mine = client.get(reverse("actionplan:my_actions")).content.decode()
    assert "brought forward from 31 May 2018" in mine
    assert post_update(client, a1.__class__.objects.get(pk=a1.pk), **revised(D(2018, 7, 31))).status_code == 302
    page = client.get(reverse("actionplan:action", args=[a1.pk])).content.decode()
    assert "Slipped</strong>" in page and "Completion date revised to 31 July 2018" in page


# -- A key action's owners ----------------------------------------------------------------------


def test_a_key_action_must_keep_an_accountable_or_responsible_owner(client, plan_admin, small_plan, a1):
    client.force_login(plan_admin)
    response = edit(client, a1, accountable=[], responsible=[])
    assert response.status_code == 400
    assert "Select at least one owner who is accountable or responsible" in response.content.decode()
    assert a1.responsible.exists()
    kt = Owner.objects.get(code="KT")
    assert edit(client, a1, accountable=[], responsible=[kt.pk]).status_code == 302


def test_a_sub_action_may_name_nobody_and_take_its_key_actions_owners(client, plan_admin, small_plan):
    a1_ii = small_plan.actions.get(code="A1 ii")
    client.force_login(plan_admin)
    assert edit(client, a1_ii, accountable=[], responsible=[]).status_code == 302
    assert not a1_ii.responsible.exists()


# -- Indicator values ---------------------------------------------------------------------------


@pytest.fixture
def performance_officer(client):
    indicator = make_indicator()
    user = get_user_model().objects.create_user("performance", password=PASSWORD)
    DirectorateMembership.objects.create(
        directorate=indicator.directorate, user=user, role=DirectorateMembership.Role.OFFICER
    )
    client.force_login(user)
    return indicator


def enter(client, indicator, **fields):
    return client.post(reverse("indicators:value_create", args=[indicator.code]), fields)


@time_machine.travel(TODAY, tick=False)
def test_a_value_for_a_period_that_has_not_started_is_refused(client, performance_officer):
    response = enter(client, performance_officer, period="Q2 2018-19", actual="40")
    assert "Q2 2018-19 has not started yet (it starts on 1 July 2018)" in response.content.decode()
    assert not performance_officer.values.exists()
    # One that has begun, though not ended, is taken: a month's figure so far.
    assert enter(client, performance_officer, period="May 2018", actual="40").status_code == 302


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(
    ("typed", "read"),
    [("1,234", Decimal("1234")), ("12.5%", Decimal("12.5")), ("1,234,567.25", Decimal("1234567.25")), (" 7 % ", 7)],
)
def test_numbers_are_read_as_people_write_them(client, performance_officer, typed, read):
    assert enter(client, performance_officer, period="Q4 2017-18", actual=typed).status_code == 302
    assert performance_officer.values.get().actual == read


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize("typed", ["1,23", "12,5", "1,2345", "12.5%%", "twelve"])
def test_what_is_not_a_number_is_still_refused(client, performance_officer, typed):
    response = enter(client, performance_officer, period="Q4 2017-18", actual=typed)
    assert "Actual value must be a number" in response.content.decode()
    assert not performance_officer.values.exists()
