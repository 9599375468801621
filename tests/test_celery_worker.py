"""Through the broker: a real Celery worker process, on the test Redis and the test PostgreSQL.

The worker is another process, so the data it reads must be committed (a transactional test) and
it must open the same test database pytest-django created.
"""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection

from actionplan import tasks
from actionplan.models import OverdueFlag
from tests.conftest import service_missing
from tests.helpers import ROOT

pytestmark = pytest.mark.django_db(transaction=True)


def database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(redis_url):
    if connection.vendor != "postgresql":
        service_missing("the Celery worker test needs PostgreSQL (DATABASE_URL), which another process can open")
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": redis_url, "DJANGO_DEBUG": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            "pytest@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_flag_overdue_sent_through_the_broker_is_run_by_the_worker(small_plan, worker):
    assert not OverdueFlag.objects.exists()
    tasks.flag_overdue.delay(today="2018-06-01")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and OverdueFlag.objects.count() < 2 and worker.poll() is None:
        time.sleep(0.5)
    if OverdueFlag.objects.count() < 2:
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        pytest.fail(f"the worker did not flag the overdue actions; its log:\n{output}")
    flags = {f.action.code: f.due_date.isoformat() for f in OverdueFlag.objects.select_related("action")}
    assert flags == {"A1": "2018-05-31", "A1 i": "2018-05-31"}
