"""Through the broker: a real Celery worker process, on the test Redis and the test PostgreSQL.

The worker is another process, so the data it reads must be committed (a transactional test) and
it must open the same test database pytest-django created.
"""

import shutil
import subprocess
import threading
import time

import pytest

from actionplan import tasks
from actionplan.models import OverdueFlag
from tests.celery_worker import celery_worker, worker_log
from tests.conftest import service_missing
from tests.helpers import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(redis_url):
    with celery_worker(redis_url) as process:
        yield process


def test_flag_overdue_sent_through_the_broker_is_run_by_the_worker(small_plan, worker):
    assert not OverdueFlag.objects.exists()
    tasks.flag_overdue.delay(today="2018-06-01")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and OverdueFlag.objects.count() < 2 and worker.poll() is None:
        time.sleep(0.5)
    if OverdueFlag.objects.count() < 2:
        pytest.fail(f"the worker did not flag the overdue actions; its log:\n{worker_log(worker)}")
    flags = {f.action.code: f.due_date.isoformat() for f in OverdueFlag.objects.select_related("action")}
    assert flags == {"A1": "2018-05-31", "A1 i": "2018-05-31"}


def test_a_beat_run_while_redis_is_away_is_sent_once_redis_is_back(settings, tmp_path):
    """Beat fires at 07:00 while Redis restarts: the day's send_reminders must not be dropped."""
    from celery import Celery, beat

    redis_server = shutil.which("redis-server")
    if redis_server is None:
        service_missing("redis-server is not installed (make test installs it)")
    port = free_port()
    # Not the current app: shared tasks sent later in this process must keep the real broker.
    app = Celery("beat-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.broker_url = f"redis://127.0.0.1:{port}/0"
    job = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    entry = beat.ScheduleEntry(
        name="send-reminders", task=job["task"], schedule=job["schedule"], options=job.get("options", {}), app=app
    )
    command = [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)]
    servers = []
    comes_back = threading.Timer(3, lambda: servers.append(subprocess.Popen(command, stdout=subprocess.DEVNULL)))
    comes_back.start()
    try:
        beat.Scheduler(app, lazy=True).apply_async(entry)
        import redis

        queued = redis.Redis(port=port).lrange("celery", 0, -1)
    finally:
        comes_back.cancel()
        comes_back.join()
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        app.close()
    assert len(queued) == 1 and b"actionplan.tasks.send_reminders" in queued[0]


def test_the_jobs_own_retries_are_sent_as_patiently(settings):
    for task in (tasks.flag_overdue, tasks.send_reminders, tasks.board_digest):
        assert task.retry_kwargs["retry_policy"] == settings.JOB_PUBLISH_RETRY_POLICY
