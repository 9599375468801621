"""board_digest: one e-mail a plan to its plan admins, with what changed since the last digest."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from actionplan.models import BoardDigest, OverdueFlag
from actionplan.reminders import send_board_digests
from actionplan.status import RAG

pytestmark = pytest.mark.django_db

D = datetime.date


def at(day, hour=8):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def admin_with_email(plan_admin):
    plan_admin.email = "plan.admin@example.org"
    plan_admin.save()
    return plan_admin


def test_plan_admins_get_the_changes_since_the_last_digest(small_plan, admin_with_email, officer, mailoutbox):
    a1 = small_plan.actions.get(code="A1")
    with time_machine.travel(at(D(2018, 6, 1), 6), tick=False):
        OverdueFlag.objects.refresh(D(2018, 6, 1), timezone.now())
        a1.add_progress_update(
            author=officer,
            on=D(2018, 6, 1),
            seen_version=a1.version,
            rag=RAG.AMBER,
            narrative="Vision <b>drafted</b>",
            revised_due_date=D(2018, 7, 31),
            revision_reason="Consultation extended",
        )
    send_board_digests(D(2018, 6, 4), at(D(2018, 6, 4)))
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["plan.admin@example.org"]
    assert message.subject == "Small plan: changes since 28 May 2018"
    assert "Became overdue\n- A1 Agree the refreshed vision: missed 31 May 2018" in message.body
    assert "A1 i Review the board: missed 31 May 2018" in message.body
    assert "A1: now 31 July 2018 (was 31 May 2018). Reason: Consultation extended" in message.body
    assert "Vision <b>drafted</b>" in message.body
    assert "Vision &lt;b&gt;drafted&lt;/b&gt;" in message.alternatives[0][0]

    # The next digest starts where this one ended: only the flag cleared since.
    with time_machine.travel(at(D(2018, 6, 6)), tick=False):
        OverdueFlag.objects.refresh(D(2018, 6, 6), timezone.now())
    send_board_digests(D(2018, 6, 11), at(D(2018, 6, 11)))
    second = mailoutbox[1]
    assert second.subject == "Small plan: changes since 4 June 2018"
    assert "No longer overdue (completed or date revised)\n- A1 Agree the refreshed vision." in second.body
    assert "Became overdue" not in second.body and "Progress updates" not in second.body


def test_a_digest_goes_once_a_day_however_often_the_job_runs(small_plan, admin_with_email, mailoutbox):
    send_board_digests(D(2018, 6, 4), at(D(2018, 6, 4)))
    report = send_board_digests(D(2018, 6, 4), at(D(2018, 6, 4), 9))
    assert len(mailoutbox) == 1
    assert "small-plan" in report.skipped["already sent"]
    assert "Nothing has changed since the last digest." in mailoutbox[0].body
    assert BoardDigest.objects.count() == 1


def test_a_plan_without_an_admin_address_is_reported_not_sent(small_plan, plan_admin, mailoutbox):
    report = send_board_digests(D(2018, 6, 4), at(D(2018, 6, 4)))
    assert not mailoutbox and not BoardDigest.objects.exists()
    assert "small-plan" in report.skipped["no plan admin with an e-mail address"]


def test_a_failed_digest_is_sent_on_the_next_run(small_plan, admin_with_email, mailoutbox, monkeypatch):
    from actionplan import emails

    real = emails.send_board_digest
    monkeypatch.setattr(emails, "send_board_digest", lambda *a: (_ for _ in ()).throw(OSError("SMTP down")))
    report = send_board_digests(D(2018, 6, 4), at(D(2018, 6, 4)))
    assert report.failed == [small_plan] and not BoardDigest.objects.exists()
    monkeypatch.setattr(emails, "send_board_digest", real)
    send_board_digests(D(2018, 6, 4), at(D(2018, 6, 4), 9))
    assert len(mailoutbox) == 1 and BoardDigest.objects.count() == 1


def test_the_command_dry_run_sends_nothing(small_plan, admin_with_email, mailoutbox, capsys):
    call_command("board_digest", "--today", "2018-06-04", "--dry-run")
    assert "Would e-mail the admins of small-plan" in capsys.readouterr().out
    assert not mailoutbox and not BoardDigest.objects.exists()
    call_command("board_digest", "--today", "2018-06-04")
    assert len(mailoutbox) == 1
