"""send_round_chasers: an update round's request on opening, its reminder 3 working days before
the deadline, its deadline-day e-mail, and after the deadline what is still missing to the
accountable owner; each once, to group contacts as reminders go, links straight to the form.

The small plan in a round for the HWB's 15 November 2018 meeting (opening 18 October, reminder
29 October, deadline 1 November): KT and DHa are responsible for A1 (and "A1 i", which names
nobody), KT for A2 and DHe for "A1 ii"; DHe is accountable for A1 and so its sub-actions, and
the Chief Executives for A2.
"""

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone

from actionplan import emails
from actionplan.models import Owner, RoundNotification
from actionplan.rounds import chasers_due, send_round_chasers
from tests.round_helpers import DEADLINE, OPENS, REMINDER, assure_by_hwb, make_round, update

pytestmark = pytest.mark.django_db

D = datetime.date
Kind = RoundNotification.Kind


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://hwb.example.org"


@pytest.fixture
def round_plan(small_plan):
    assure_by_hwb(small_plan)
    small_plan.actions.get(code="A2").accountable.set([Owner.objects.get(code="Chief Executives")])
    Owner.objects.filter(code="KT").update(email="kate.terroni@example.org")
    Owner.objects.filter(code="DHa").update(email="dominic.hardisty@example.org")
    Owner.objects.filter(code="DHe").update(email="diane.hedges@example.org")
    Owner.objects.filter(code="Chief Executives").update(contact_emails="ceo.occ@example.org\nceo.occg@example.org")
    return small_plan


def days(first, last):
    day = first
    while day <= last:
        yield day
        day += datetime.timedelta(days=1)


def run_twice_daily(first, last):
    """The job twice on every day; {day: e-mails sent that day}."""
    from django.core import mail

    by_day = {}
    for day in days(first, last):
        before = len(mail.outbox)
        with time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(9))), tick=False):
            send_round_chasers(day)
            send_round_chasers(day)
        by_day[day] = mail.outbox[before:]
    return by_day


def sent():
    """(day sent, kind, owner, action) of every chaser sent."""
    rows = RoundNotification.objects.filter(sent_at__isnull=False)
    return sorted(
        (timezone.localtime(sent_at).date(), kind, owner, action)
        for sent_at, kind, owner, action in rows.values_list("sent_at", "kind", "owner__code", "action__code")
    )


def chasers(kind, day, *owner_actions):
    return [(day, kind, owner, action) for owner, action in owner_actions]


ASKED = [("KT", "A1"), ("KT", "A1 i"), ("KT", "A2"), ("DHa", "A1"), ("DHa", "A1 i"), ("DHe", "A1 ii")]
ACCOUNTABLE = [("DHe", "A1"), ("DHe", "A1 i"), ("DHe", "A1 ii"), ("Chief Executives", "A2")]


def test_each_chaser_goes_once_on_its_day_however_often_the_job_runs(round_plan, mailoutbox):
    make_round([round_plan], message="The board looks at delayed transfers of care.")
    by_day = run_twice_daily(D(2018, 10, 15), D(2018, 11, 20))
    assert sent() == sorted(
        chasers(Kind.REQUEST, OPENS, *ASKED)
        + chasers(Kind.REMINDER, REMINDER, *ASKED)
        + chasers(Kind.DEADLINE, DEADLINE, *ASKED)
        + chasers(Kind.MISSING, D(2018, 11, 2), *ACCOUNTABLE)
    )
    # One e-mail per owner on each of those days, none on any other.
    assert {day: len(messages) for day, messages in by_day.items() if messages} == {
        OPENS: 3,
        REMINDER: 3,
        DEADLINE: 3,
        D(2018, 11, 2): 2,
    }
    request_to_kt = next(m for m in by_day[OPENS] if m.to == ["kate.terroni@example.org"])
    assert request_to_kt.subject.startswith("Please update these actions for the board")
    assert "The board looks at delayed transfers of care." in request_to_kt.body
    assert "due by 1 November 2018" in request_to_kt.body
    a1 = round_plan.actions.get(code="A1")
    assert f"https://hwb.example.org/actions/{a1.pk}/update/" in request_to_kt.body
    missing = [m for m in by_day[D(2018, 11, 2)] if "ceo.occ@example.org" in m.to]
    assert len(missing) == 1 and missing[0].to == ["ceo.occ@example.org", "ceo.occg@example.org"]
    assert "A2 Review the strategy" in missing[0].body and "A1" not in missing[0].body.split("Add a progress")[0]


def test_opted_out_people_get_no_chasers_but_are_told_what_is_missing(round_plan, mailoutbox):
    Owner.objects.filter(code__in=["DHa", "DHe"]).update(reminders_opt_out=True)
    make_round([round_plan])
    run_twice_daily(OPENS, D(2018, 11, 15))
    assert [row for row in sent() if row[2] in ("DHa", "DHe")] == chasers(
        Kind.MISSING, D(2018, 11, 2), *ACCOUNTABLE[:3]
    )
    assert not any("dominic.hardisty@example.org" in m.to for m in mailoutbox)


def test_an_updated_action_is_not_chased_and_a_returned_one_is_again_with_the_comment(
    round_plan, officer, other_officer, mailoutbox
):
    make_round([round_plan])
    run_twice_daily(OPENS, D(2018, 10, 19))
    a1 = round_plan.actions.get(code="A1")
    first = update(a1, officer, D(2018, 10, 20))
    update(round_plan.actions.get(code="A2"), officer, D(2018, 10, 20))
    run_twice_daily(D(2018, 10, 20), D(2018, 10, 30))
    first.review(other_officer, timezone.now(), None, comment="Add the figures for October.")
    by_day = run_twice_daily(D(2018, 10, 31), D(2018, 11, 16))
    reminded = [(day, owner, action) for day, kind, owner, action in sent() if kind == Kind.REMINDER]
    # A1 was updated before the reminder's day; returned on 30 October, it is reminded the next day.
    assert sorted(reminded) == sorted(
        [
            (REMINDER, "KT", "A1 i"),
            (REMINDER, "DHa", "A1 i"),
            (REMINDER, "DHe", "A1 ii"),
            (D(2018, 10, 31), "KT", "A1"),
            (D(2018, 10, 31), "DHa", "A1"),
        ]
    )
    deadline = [(owner, action) for _, kind, owner, action in sent() if kind == Kind.DEADLINE]
    assert sorted(deadline) == sorted([("KT", "A1"), ("KT", "A1 i"), ("DHa", "A1"), ("DHa", "A1 i"), ("DHe", "A1 ii")])
    to_kt = next(m for m in by_day[DEADLINE] if m.to == ["kate.terroni@example.org"])
    assert "Returned for changes: Add the figures for October." in to_kt.body


def test_a_failed_email_is_sent_on_the_next_run(round_plan, mailoutbox, monkeypatch):
    make_round([round_plan])
    real = emails.send_round_chaser
    monkeypatch.setattr(emails, "send_round_chaser", lambda *args: (_ for _ in ()).throw(OSError("mail server down")))
    report = send_round_chasers(OPENS)
    assert len(report.failed) == 3 and not mailoutbox
    assert not RoundNotification.objects.exists()
    monkeypatch.setattr(emails, "send_round_chaser", real)
    send_round_chasers(OPENS)
    assert len(mailoutbox) == 3


def test_finding_the_chasers_runs_a_fixed_number_of_queries(round_plan, django_assert_num_queries):
    from tests.helpers import build_system

    update_round = make_round([round_plan])
    with django_assert_num_queries(5) as small:
        assert len(chasers_due(update_round, OPENS)) == len(ASKED)
    plans = build_system(plans=2, priorities=2, key_actions=4, subs=2, updates_per_action=1, prefix="x-")
    update_round.plans.add(*plans)
    update_round.memberships.all().delete()
    update_round.opened_at = None
    update_round.save()
    from actionplan.rounds import open_round

    open_round(update_round, timezone.now())
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(chasers_due(update_round, OPENS)) > 40


def test_the_command_dry_run_sends_and_records_nothing_and_beat_runs_it_hourly(round_plan, mailoutbox, capsys):
    make_round([round_plan])
    call_command("send_round_chasers", "--today", "2018-10-18", "--dry-run")
    out = capsys.readouterr().out
    assert "Would e-mail KT <kate.terroni@example.org>: A1 (Update requested)" in out
    assert not mailoutbox and not RoundNotification.objects.exists()
    jobs = [job for job in django_settings.CELERY_BEAT_SCHEDULE.values() if job["task"].endswith("send_round_chasers")]
    assert len(jobs) == 1 and jobs[0]["schedule"].hour == set(range(7, 19))


def test_a_chaser_claimed_by_a_run_that_died_is_sent_once_its_lease_runs_out(round_plan, mailoutbox):
    import uuid

    update_round = make_round([round_plan])
    kt, a2 = Owner.objects.get(code="KT"), round_plan.actions.get(code="A2")
    claimed = RoundNotification.objects.create(
        round=update_round, owner=kt, action=a2, kind=Kind.REQUEST, claim=uuid.uuid4(), claimed_at=timezone.now()
    )
    send_round_chasers(OPENS)  # the lease still runs: another run may be sending it
    to_kt = [m for m in mailoutbox if m.to == ["kate.terroni@example.org"]]
    assert len(to_kt) == 1 and "A2 Review the strategy" not in to_kt[0].body
    RoundNotification.objects.filter(pk=claimed.pk).update(claimed_at=timezone.now() - RoundNotification.LEASE * 2)
    send_round_chasers(OPENS)
    send_round_chasers(OPENS)
    to_kt = [m for m in mailoutbox if m.to == ["kate.terroni@example.org"]]
    assert len(to_kt) == 2 and "A2 Review the strategy" in to_kt[1].body and "A1 Agree" not in to_kt[1].body
    claimed.refresh_from_db()
    assert claimed.sent_at is not None
