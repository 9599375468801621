"""Delivery status, RAG, staleness and slippage: one set of rules, on any date."""

import datetime

import pytest

from actionplan.models import Action
from actionplan.status import RAG

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def a1(small_plan):
    return small_plan.actions.get(code="A1")  # due 31/05/18; imported progress reported 22 March 2018


def report(action, officer, on, **fields):
    action.refresh_from_db()
    fields.setdefault("narrative", "Update")
    return action.add_progress_update(author=officer, on=on, seen_version=action.version, **fields)


@pytest.mark.parametrize(
    "on, status",
    [
        (D(2018, 4, 30), "on_track"),  # 31 days before: outside the 30-day window
        (D(2018, 5, 1), "due_soon"),
        (D(2018, 5, 31), "due_soon"),  # the due day itself is not yet overdue
        (D(2018, 6, 1), "overdue"),
    ],
)
def test_delivery_status_turns_on_the_due_date(a1, on, status):
    assert a1.status_on(on).delivery_status == status
    assert Action.objects.with_delivery_status(on).get(pk=a1.pk).delivery_status == status


def test_an_action_with_no_date_is_no_date_set_whatever_the_day(small_plan):
    a2 = small_plan.actions.get(code="A2")
    assert a2.status_on(D(2030, 1, 1)).delivery_status == "no_date"


def test_the_due_soon_window_is_the_plans(small_plan, a1):
    small_plan.due_soon_days = 7
    small_plan.save()
    assert a1.status_on(D(2018, 5, 20)).delivery_status == "on_track"
    assert a1.status_on(D(2018, 5, 24)).delivery_status == "due_soon"


@pytest.mark.parametrize(
    "on, derived",
    [
        (D(2018, 4, 1), "green"),
        (D(2018, 5, 10), "amber"),  # due soon and the last update (22 March) is older than 30 days
        (D(2018, 6, 1), "red"),  # overdue
    ],
)
def test_the_derived_rag_follows_due_dates_and_updates(a1, on, derived):
    action = a1.status_on(on)
    assert (action.derived_rag, action.rag) == (derived, derived)


def test_a_recent_update_keeps_a_due_soon_action_green(a1, officer):
    report(a1, officer, D(2018, 5, 1), rag="")
    assert a1.status_on(D(2018, 5, 10)).derived_rag == "green"


def test_the_officers_rag_wins_and_a_rosier_one_is_flagged(a1, officer):
    report(a1, officer, D(2018, 5, 20), rag=RAG.GREEN)
    on_time = a1.status_on(D(2018, 5, 25))
    assert (on_time.rag, on_time.rag_disagrees) == ("green", False)
    late = a1.status_on(D(2018, 6, 5))
    assert (late.rag, late.derived_rag, late.rag_disagrees) == ("green", "red", True)
    assert Action.objects.with_rag(D(2018, 6, 5)).filter(rag_disagrees=True).get() == a1


@pytest.mark.parametrize("given", [RAG.GREEN, RAG.AMBER, RAG.RED])
@pytest.mark.parametrize(
    "on, derived",
    [
        (D(2018, 4, 1), "green"),
        (D(2018, 5, 10), "amber"),  # due soon, last update (25 March) older than 30 days
        (D(2018, 6, 5), "red"),  # overdue
    ],
)
def test_the_officers_rag_disagrees_exactly_when_it_is_rosier_than_the_dates(a1, officer, given, on, derived):
    report(a1, officer, D(2018, 3, 25), rag=given)
    rosier = ["green", "amber", "red"].index(given) < ["green", "amber", "red"].index(derived)
    action = Action.objects.with_rag(on).get(pk=a1.pk)
    assert (action.rag, action.derived_rag, action.rag_disagrees) == (given, derived, rosier)
    assert Action.objects.with_rag(on).filter(pk=a1.pk, rag_disagrees=True).exists() == rosier


def test_complete_stands_apart_and_is_never_overdue_or_stale(a1, officer):
    report(a1, officer, D(2018, 5, 30), rag=RAG.COMPLETE)
    done = a1.status_on(D(2019, 1, 1))
    assert (done.delivery_status, done.rag, done.is_stale, done.completed_on) == (
        "complete",
        "complete",
        False,
        D(2018, 5, 30),
    )


def test_the_past_is_shown_as_it_stood(a1, officer):
    report(a1, officer, D(2018, 6, 10), rag=RAG.COMPLETE)
    # On the board date of 5 June 2018 the action was overdue; the later completion does not count.
    then = a1.status_on(D(2018, 6, 5))
    assert (then.delivery_status, then.rag) == ("overdue", "red")


def test_an_action_is_stale_after_the_plans_period_without_an_update(small_plan, a1, officer):
    assert not a1.status_on(D(2018, 5, 21)).is_stale  # 60 days after 22 March
    assert a1.status_on(D(2018, 5, 22)).is_stale
    small_plan.stale_after_days = 90
    small_plan.save()
    assert not Action.objects.stale(D(2018, 5, 22)).filter(pk=a1.pk).exists()


def test_slippage_counts_the_days_from_the_original_date(a1, officer):
    report(a1, officer, D(2018, 5, 1), revised_due_date=D(2018, 7, 31), revision_reason="Purdah")
    slipped = Action.objects.slipped(D(2018, 6, 15)).get(pk=a1.pk)
    assert slipped.days_slipped == 61
    # Before the revision was reported, nothing had slipped.
    assert not Action.objects.slipped(D(2018, 4, 30)).exists()
    assert a1.status_on(D(2018, 6, 15)).delivery_status == "on_track"  # judged by the revised date
    assert a1.status_on(D(2018, 7, 5)).delivery_status == "due_soon"


def test_the_action_page_shows_the_rag_and_flags_a_rosy_one(client, a1, officer):
    import time_machine
    from django.urls import reverse

    report(a1, officer, D(2018, 5, 20), rag=RAG.GREEN)
    client.force_login(officer)
    with time_machine.travel(datetime.datetime(2018, 6, 5, 12, 0), tick=False):
        page = client.get(reverse("actionplan:action", args=[a1.pk])).content.decode()
    assert "Overdue" in page and "Reported RAG is rosier than the dates suggest" in page
