"""A real Celery worker process, on the test Redis and the test PostgreSQL, for tests that go
through the broker.

The worker is another process, so the data it reads must be committed (a transactional test) and
it must open the same test database pytest-django created.
"""

import os
import subprocess
import sys
from contextlib import contextmanager

from django.db import connection

from tests.conftest import service_missing
from tests.helpers import ROOT


def database_url():
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_worker(redis_url, **env):
    """A worker process (solo pool) for the duration; `env`: more environment for its settings."""
    if connection.vendor != "postgresql":
        service_missing("a Celery worker test needs PostgreSQL (DATABASE_URL), which another process can open")
    env = {**os.environ, "DATABASE_URL": database_url(), "REDIS_URL": redis_url, "DJANGO_DEBUG": "1", **env}
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


def worker_log(process):
    """What the worker printed (stops it)."""
    process.terminate()
    return process.communicate(timeout=20)[0]
