"""Through the broker: a real Celery worker process, on the test Redis and the test PostgreSQL.

The worker is another process, so the data it reads must be committed (a transactional test) and
it must open the same test database pytest-django created.
"""

import time

import pytest

from actionplan import tasks
from actionplan.models import OverdueFlag
from tests.celery_worker import celery_worker, worker_log

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
