"""send_reminders: each owner one e-mail of their due, overdue and stale actions; each reminder once.

The small plan: A1 and "A1 i" (inheriting) are due 31 May 2018, KT and DHa responsible, Chief
Executives accountable; "A1 ii" is DHe's, due May 2019; A2 is KT's with no date. Only A1 has an
update (the imported one, 22 March 2018); the others have none, so they are stale every day.
"""

import datetime
import os
import socket
import subprocess
import sys
import threading
import time
import uuid

import pytest
import time_machine
from django.core.management import call_command

from actionplan import emails, reminders
from actionplan.models import Owner, SentNotification
from actionplan.reminders import reminders_due, send_reminders
from actionplan.status import RAG
from tests.helpers import ROOT

pytestmark = pytest.mark.django_db

D = datetime.date
Kind = SentNotification.Kind


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = "https://hwb.example.org"


@pytest.fixture
def owners(small_plan):
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


def sent(kinds=None, owner=None, action=None):
    """(day it was recorded for, owner, action, kind) of each reminder sent, oldest first."""
    rows = SentNotification.objects.filter(sent_at__isnull=False).order_by("created_at", "pk")
    if kinds:
        rows = rows.filter(kind__in=kinds)
    if owner:
        rows = rows.filter(owner__code=owner)
    if action:
        rows = rows.filter(action__code=action)
    return list(rows.values_list("owner__code", "action__code", "kind", "period"))


def run_daily(first, last):
    """Run the job every day; return {day: [e-mails sent that day]}."""
    from django.core import mail

    by_day = {}
    for day in days(first, last):
        before = len(mail.outbox)
        send_reminders(day)
        by_day[day] = mail.outbox[before:]
    return by_day


def test_due_reminders_go_30_7_and_1_days_before_and_only_once(owners, mailoutbox):
    run_daily(D(2018, 4, 25), D(2018, 5, 31))
    due_kinds = [Kind.DUE_30, Kind.DUE_7, Kind.DUE_1]
    assert sent(due_kinds, owner="KT", action="A1") == [
        ("KT", "A1", Kind.DUE_30, D(2018, 5, 31)),
        ("KT", "A1", Kind.DUE_7, D(2018, 5, 31)),
        ("KT", "A1", Kind.DUE_1, D(2018, 5, 31)),
    ]


@pytest.mark.parametrize(
    "day, kind",
    [
        (D(2018, 4, 30), None),  # 31 days before
        (D(2018, 5, 1), Kind.DUE_30),
        (D(2018, 5, 23), Kind.DUE_30),  # 8 days before: still the 30-day reminder
        (D(2018, 5, 24), Kind.DUE_7),
        (D(2018, 5, 30), Kind.DUE_1),
        (D(2018, 5, 31), Kind.DUE_1),  # due today
    ],
)
def test_which_due_reminder_an_action_is_on(owners, day, kind):
    kinds = {r.kind for r in reminders_due(day) if r.action.code == "A1" and r.owner.code == "KT"} - {Kind.STALE}
    assert kinds == ({kind} if kind else set())


def test_overdue_reminders_go_on_the_first_day_overdue_then_weekly(owners, mailoutbox):
    run_daily(D(2018, 6, 1), D(2018, 6, 22))
    assert [period for *_, period in sent([Kind.OVERDUE], owner="KT", action="A1")] == [
        D(2018, 6, 1),
        D(2018, 6, 8),
        D(2018, 6, 15),
        D(2018, 6, 22),
    ]
    kt_days = [
        day
        for day, messages in run_daily(D(2018, 6, 23), D(2018, 6, 30)).items()
        if any("kate.terroni@example.org" in m.to and "Overdue" in m.body for m in messages)
    ]
    assert kt_days == [D(2018, 6, 29)]


def test_a_missed_day_is_caught_up_next_day(owners, mailoutbox):
    # The job did not run on 1 June: the first overdue reminder goes on the 2nd, the next on the 8th.
    send_reminders(D(2018, 6, 2))
    send_reminders(D(2018, 6, 3))
    send_reminders(D(2018, 6, 8))
    assert [period for *_, period in sent([Kind.OVERDUE], owner="KT", action="A1")] == [D(2018, 6, 1), D(2018, 6, 8)]


def test_overdue_for_more_than_28_days_escalates_to_the_accountable_groups_contacts(owners, mailoutbox):
    by_day = run_daily(D(2018, 6, 1), D(2018, 7, 27))
    escalations = sent([Kind.ESCALATION])
    # Due 31 May: 29 days overdue on 29 June, then every 28 days. "A1 i" has no accountable owner
    # of its own, so its key action's are told.
    assert escalations == [
        ("Chief Executives", "A1", Kind.ESCALATION, D(2018, 6, 29)),
        ("Chief Executives", "A1 i", Kind.ESCALATION, D(2018, 6, 29)),
        ("Chief Executives", "A1", Kind.ESCALATION, D(2018, 7, 27)),
        ("Chief Executives", "A1 i", Kind.ESCALATION, D(2018, 7, 27)),
    ]
    to_ceos = [m for messages in by_day.values() for m in messages if "ceo.occ@example.org" in m.to]
    assert len(to_ceos) == 2
    assert to_ceos[0].to == ["ceo.occ@example.org", "ceo.occg@example.org"]
    assert to_ceos[0].subject.startswith("Escalation:")
    assert "Overdue for more than 28 days" in to_ceos[0].body


def test_each_owner_gets_one_email_with_links_to_the_action_and_the_update_form(owners, mailoutbox):
    send_reminders(D(2018, 6, 1))
    to_kt = [m for m in mailoutbox if m.to == ["kate.terroni@example.org"]]
    assert len(to_kt) == 1
    body = to_kt[0].body
    a1 = owners.actions.get(code="A1")
    assert f"https://hwb.example.org/actions/{a1.pk}/\n" in body
    assert f"https://hwb.example.org/actions/{a1.pk}/update/" in body
    assert "A1 Agree the refreshed vision" in body and "A1 i Review the board" in body
    # A2 (no date, never updated) is in the same e-mail, under no recent update.
    assert body.index("Overdue") < body.index("No progress update recently") < body.index("A2 Review the strategy")
    html = to_kt[0].alternatives[0][0]
    assert f'href="https://hwb.example.org/actions/{a1.pk}/update/"' in html


def test_the_same_run_twice_sends_the_same_emails_once(owners, mailoutbox):
    send_reminders(D(2018, 6, 1))
    first = [(m.to, m.subject) for m in mailoutbox]
    recorded = SentNotification.objects.count()
    assert first
    send_reminders(D(2018, 6, 1))
    send_reminders(D(2018, 6, 2))
    assert [(m.to, m.subject) for m in mailoutbox] == first
    assert SentNotification.objects.count() == recorded


def test_two_runs_at_once_claim_each_reminder_only_once(owners):
    due = reminders_due(D(2018, 6, 1))
    first = reminders.claim(due)
    second = reminders.claim(due)
    assert len(first) == len({r.key for r in due}) and second == {}


def test_a_failed_email_is_sent_on_the_next_run(owners, mailoutbox, monkeypatch):
    real = emails.send_reminders

    def smtp_down(owner, *args):
        if owner.code == "KT":
            raise ConnectionRefusedError("SMTP server refused the connection")
        return real(owner, *args)

    monkeypatch.setattr(emails, "send_reminders", smtp_down)
    report = send_reminders(D(2018, 6, 1))
    assert [o.code for o in report.failed] == ["KT"]
    assert not sent(owner="KT")
    assert sent(owner="DHa")
    monkeypatch.setattr(emails, "send_reminders", real)
    send_reminders(D(2018, 6, 1))
    assert [m.to for m in mailoutbox].count(["kate.terroni@example.org"]) == 1
    assert sent(owner="KT")


def test_people_who_opted_out_get_no_reminders_but_escalations_still_go(owners, mailoutbox):
    Owner.objects.filter(code__in=["KT", "Chief Executives"]).update(reminders_opt_out=True)
    report = send_reminders(D(2018, 6, 1))
    assert "kate.terroni@example.org" not in [a for m in mailoutbox for a in m.to]
    assert "KT" in report.skipped["opted out"]
    assert ["dominic.hardisty@example.org"] in [m.to for m in mailoutbox]
    send_reminders(D(2018, 6, 29))
    assert sent([Kind.ESCALATION])
    assert not sent(owner="KT")


def test_owners_without_an_address_are_left_out_and_told_once_they_have_one(owners, mailoutbox):
    Owner.objects.filter(code="KT").update(email="")
    report = send_reminders(D(2018, 6, 1))
    assert "KT" in report.skipped["no e-mail address"]
    assert not SentNotification.objects.filter(owner__code="KT").exists()
    Owner.objects.filter(code="KT").update(email="kt@example.org")
    send_reminders(D(2018, 6, 2))
    assert sent([Kind.OVERDUE], owner="KT", action="A1") == [("KT", "A1", Kind.OVERDUE, D(2018, 6, 1))]


def test_stale_reminders_go_when_no_update_for_the_plans_period_then_each_period(owners, officer, mailoutbox):
    # A1's last update was 22 March; the plan's staleness period is 60 days.
    run_daily(D(2018, 5, 20), D(2018, 7, 22))
    assert [period for *_, period in sent([Kind.STALE], owner="KT", action="A1")] == [D(2018, 5, 22), D(2018, 7, 21)]
    a1 = owners.actions.get(code="A1")
    a1.add_progress_update(
        author=officer, on=D(2018, 7, 25), seen_version=a1.version, rag=RAG.AMBER, narrative="Back on it"
    )
    run_daily(D(2018, 7, 23), D(2018, 9, 24))
    assert [period for *_, period in sent([Kind.STALE], owner="KT", action="A1")][2:] == [D(2018, 9, 24)]


def test_complete_actions_get_no_reminders(owners, officer, mailoutbox):
    a1 = owners.actions.get(code="A1")
    a1.add_progress_update(
        author=officer, on=D(2018, 5, 20), seen_version=a1.version, rag=RAG.COMPLETE, narrative="Done"
    )
    send_reminders(D(2018, 6, 1))
    assert not sent(action="A1")


def test_titles_are_escaped_in_the_html_email(owners, mailoutbox):
    owners.actions.filter(code="A1").update(title="<script>alert(1)</script> & more")
    send_reminders(D(2018, 6, 1))
    html = next(m for m in mailoutbox if m.to == ["kate.terroni@example.org"]).alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html


def test_the_command_dry_run_sends_and_records_nothing(owners, mailoutbox, capsys):
    call_command("send_reminders", "--today", "2018-06-01", "--dry-run")
    out = capsys.readouterr().out
    assert "Would e-mail KT <kate.terroni@example.org>: A1 (Overdue)" in out
    assert not mailoutbox and not SentNotification.objects.exists()
    call_command("send_reminders", "--today", "2018-06-01")
    assert mailoutbox and SentNotification.objects.exists()


def test_finding_reminders_runs_a_fixed_number_of_queries(owners, django_assert_max_num_queries):
    with django_assert_max_num_queries(12) as small:
        reminders.reminders_to_send(D(2018, 6, 1))
    plan = owners
    a1 = plan.actions.get(code="A1")
    for n in range(30):
        action = plan.actions.create(
            priority=a1.priority,
            code=f"B{n}",
            number=f"B{n}",
            title="More",
            due_date=D(2018, 5, 1) + datetime.timedelta(days=n),
            position=100 + n,
        )
        action.responsible.set(Owner.objects.filter(code__in=["KT", "DHe"]))
        action.accountable.set(Owner.objects.filter(code="Chief Executives"))
    with django_assert_max_num_queries(12) as large:
        by_owner, _ = reminders.reminders_to_send(D(2018, 6, 1))
    assert sum(len(r) for r in by_owner.values()) > 60
    assert len(large.captured_queries) == len(small.captured_queries)


# -- After a crash: a claim is a lease (SentNotification.LEASE), and the mail server has a timeout --


class RunDied(BaseException):
    """The worker process was killed mid-run: nothing after this point ran, no handler cleaned up."""


def die_while_sending(*args):
    raise RunDied


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return send_reminders(D(2018, 6, 1))


START = datetime.datetime(2018, 6, 1, 7, 0, tzinfo=datetime.UTC)


def test_reminders_claimed_by_a_run_that_died_are_sent_once_its_lease_runs_out(owners, mailoutbox, monkeypatch):
    real = emails.send_reminders
    monkeypatch.setattr(emails, "send_reminders", die_while_sending)
    with pytest.raises(RunDied):
        run_at(START)
    claimed = SentNotification.objects.count()
    assert claimed and not sent()
    monkeypatch.setattr(emails, "send_reminders", real)

    # Within the lease the claims may still be being sent by their run: left alone.
    run_at(START + SentNotification.LEASE - datetime.timedelta(minutes=1))
    assert not mailoutbox and not sent()

    report = run_at(START + SentNotification.LEASE + datetime.timedelta(minutes=1))
    assert {o.code for o, _ in report.sent} == {"KT", "DHa", "DHe"}
    assert len(sent()) == claimed == SentNotification.objects.count()
    run_at(START + datetime.timedelta(hours=2))
    assert len(mailoutbox) == len(report.sent)


def test_a_run_overtaken_after_its_lease_does_not_send_what_the_other_run_sent(owners, mailoutbox):
    on = D(2018, 6, 1)
    with time_machine.travel(START, tick=False):
        due, _ = reminders.reminders_to_send(on)
        batch = uuid.uuid4()
        claimed = reminders.claim((r for rs in due.values() for r in rs), batch=batch)
    # The first run stalls past its lease; a second run takes the claims over and sends them.
    run_at(START + SentNotification.LEASE + datetime.timedelta(minutes=1))
    sent_before = len(mailoutbox)
    assert sent_before == len(due)
    # The first run wakes up and carries on: nothing of its claims is still its own.
    with time_machine.travel(START + datetime.timedelta(minutes=20), tick=False):
        report = reminders.RunReport()
        for owner, owner_reminders in due.items():
            reminders.handle_one_owner(owner, owner_reminders, claimed, on, report, batch)
    assert report.sent == [] and len(mailoutbox) == sent_before


def test_a_mail_server_that_never_answers_times_out_and_the_reminders_wait_for_the_next_run(owners, settings):
    """A server that accepts the connection and says nothing (the audit's 3,067 lost reminders)."""
    server = socket.create_server(("127.0.0.1", 0))
    held = []

    def accept_and_say_nothing():
        server.settimeout(15)
        try:
            while True:
                held.append(server.accept()[0])
        except OSError:
            pass

    threading.Thread(target=accept_and_say_nothing, daemon=True).start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.getsockname()
    settings.EMAIL_TIMEOUT = 1
    try:
        started = time.monotonic()
        report = send_reminders(D(2018, 6, 1))
        elapsed = time.monotonic() - started
    finally:
        server.close()
        for connection in held:
            connection.close()
    assert {o.code for o in report.failed} == {"KT", "DHa", "DHe"}
    assert elapsed < 3 * (1 + 1)  # three owners, one timeout each (and a little time for the rest)
    assert not SentNotification.objects.exists()  # given back for the next run


def test_the_mail_server_timeout_is_30_seconds_unless_email_timeout_says_otherwise():
    probe = (
        "from django.core.mail import get_connection; "
        "print(get_connection('django.core.mail.backends.smtp.EmailBackend').timeout)"
    )

    def timeout(**env):
        environment = {k: v for k, v in os.environ.items() if k != "EMAIL_TIMEOUT"} | env
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", probe],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert timeout() == "30"
    assert timeout(EMAIL_TIMEOUT="5") == "5"
