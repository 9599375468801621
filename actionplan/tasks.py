"""The scheduled jobs (beat timetable in config/settings.py): thin wrappers round the commands.

A database or broker briefly away raises OperationalError: the task is retried with back-off, and
the retry is sent to Redis as patiently as beat sends the run (JOB_PUBLISH_RETRY_POLICY), so a
broker that is away at that moment too does not drop the run. Each command does its writes in
transactions, so a failed try leaves nothing half-written.
"""

from celery import shared_task
from django.conf import settings
from django.core.management import call_command
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

RETRY = {
    "autoretry_for": (OperationalError, InterfaceError, BrokerError),
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "retry_jitter": True,
    "max_retries": 6,
    "retry_kwargs": {"retry_policy": settings.JOB_PUBLISH_RETRY_POLICY},
}


def _today(today: str | None) -> list[str]:
    return ["--today", today] if today else []


@shared_task(**RETRY)
def flag_overdue(today: str | None = None) -> None:
    call_command("flag_overdue", *_today(today))


@shared_task(**RETRY)
def keep_summaries(today: str | None = None) -> None:
    call_command("keep_summaries", *_today(today))


@shared_task(**RETRY)
def send_reminders(today: str | None = None) -> None:
    call_command("send_reminders", *_today(today))


@shared_task(**RETRY)
def send_round_chasers(today: str | None = None) -> None:
    call_command("send_round_chasers", *_today(today))


@shared_task(**RETRY)
def board_digest(today: str | None = None) -> None:
    call_command("board_digest", *_today(today))


@shared_task(**RETRY)
def delete_unconfirmed_uploads() -> None:
    call_command("delete_unconfirmed_uploads")


# A big plan upload is checked here, not in the web request: the worker gives up after the soft
# limit (the outcome says so) and is stopped at the hard one; uploads.check() limits its memory.
# Acknowledged on receipt: a file that brings a worker down is not handed to the next one.
@shared_task(
    soft_time_limit=settings.PLAN_UPLOAD_CHECK_SECONDS,
    time_limit=settings.PLAN_UPLOAD_CHECK_SECONDS + 30,
    acks_late=False,
)
def check_plan_upload(token: str, user_id: int, confirm: bool = False) -> str:
    from actionplan import uploads

    state: str = uploads.run_check(token, user_id, confirm)
    return state
