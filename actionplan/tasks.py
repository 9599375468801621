"""The scheduled jobs (beat timetable in config/settings.py): thin wrappers round the commands.

A database or broker briefly away raises OperationalError: the task is retried with back-off.
Each command does its writes in transactions, so a failed try leaves nothing half-written.
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
}


def _today(today):
    return ["--today", today] if today else []


@shared_task(**RETRY)
def flag_overdue(today=None):
    call_command("flag_overdue", *_today(today))


@shared_task(**RETRY)
def send_reminders(today=None):
    call_command("send_reminders", *_today(today))


@shared_task(**RETRY)
def board_digest(today=None):
    call_command("board_digest", *_today(today))


@shared_task(**RETRY)
def delete_unconfirmed_uploads():
    call_command("delete_unconfirmed_uploads")


# A big plan upload is checked here, not in the web request: the worker gives up after the soft
# limit (the outcome says so) and is stopped at the hard one; uploads.check() limits its memory.
# Acknowledged on receipt: a file that brings a worker down is not handed to the next one.
@shared_task(
    soft_time_limit=settings.PLAN_UPLOAD_CHECK_SECONDS,
    time_limit=settings.PLAN_UPLOAD_CHECK_SECONDS + 30,
    acks_late=False,
)
def check_plan_upload(token, user_id, confirm=False):
    from actionplan import uploads

    return uploads.run_check(token, user_id, confirm)
