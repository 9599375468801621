"""How fast the action list's CSV and XLSX downloads are, beside the database's own floor.

    DATABASE_URL=postgres://… .venv/bin/python bench/export.py [--plans 50 --repeat 3]

Builds 50 plans of 400 actions (20,000; bench/dashboard.py's system: 10 progress updates each,
500 people) in a fresh test database (created and dropped here), then, signed in as a superuser
(who sees every plan), downloads "all actions" from the action list as CSV and as XLSX through the
Django test client, reading the response to the end. The floor is PostgreSQL writing the same
columns for the same rows by itself: `COPY (the action list's query, with the owners and the
latest narrative as subqueries) TO STDOUT`. Prints the median seconds of each, the ratio to the
floor, and the peak memory Python allocated during one more download of each (tracemalloc, which
slows Python, so it is a separate run). Then it serves the same downloads from gunicorn as
docker-compose.yml runs it (sync worker, default 30 s timeout) and prints the status, the time and
how much memory the worker holds afterwards. PostgreSQL only.

bench/import.py prints these rows beside the import figures: see export_figures().
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.postgres.aggregates import StringAgg  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import OuterRef, Subquery  # noqa: E402
from django.db.models.functions import Coalesce  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from actionplan.models import Action, ProgressUpdate  # noqa: E402
from tests.helpers import build_system  # noqa: E402

URL = "/actions/?export={}"


def _owner_codes(role):
    """An action's owners in `role` as "P1, P2" (its key action's where it names none)."""

    def codes(ref):
        through = getattr(Action, role).through.objects.filter(action=OuterRef(ref)).order_by().values("action")
        joined = StringAgg("owner__code", ", ", ordering=("owner__kind", "owner__code"))
        return Subquery(through.annotate(codes=joined).values("codes"))

    return Coalesce(codes("pk"), codes("parent"))


def floor_query(user, as_at):
    """SQL (and parameters) giving the export's columns for the action list's rows, all in the database."""
    latest = ProgressUpdate.objects.filter(action=OuterRef("pk"), reported_on__lte=as_at)
    narrative = Subquery(latest.order_by("-reported_on", "-created_at", "-pk").values("narrative")[:1])
    rows = (
        Action.objects.visible_to(user)
        .with_rag(as_at)
        .order_by("plan__title", "position")
        .annotate(accountable_codes=_owner_codes("accountable"), responsible_codes=_owner_codes("responsible"))
        .annotate(narrative=narrative)
        .values_list(
            "plan__title",
            "priority__code",
            "code",
            "title",
            "accountable_codes",
            "responsible_codes",
            "completion_date_text",
            "due_date",
            "current_due_date",
            "revised_due_date",
            "delivery_status",
            "rag",
            "rag_disagrees",
            "is_stale",
            "last_reported_on",
            "narrative",
        )
    )
    return rows.query.sql_with_params()


class _Count:
    """A file that only counts what is written to it."""

    def __init__(self):
        self.size = 0

    def write(self, data):
        self.size += len(data)


def copy_floor(user, as_at):
    """Seconds for PostgreSQL to write the rows as CSV (COPY … TO STDOUT), and the rows' size."""
    sql, params = floor_query(user, as_at)
    sink = _Count()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        statement = f"COPY ({raw.mogrify(sql, params).decode()}) TO STDOUT WITH CSV HEADER"
        start = time.perf_counter()
        raw.copy_expert(statement, sink)
        return time.perf_counter() - start, sink.size


def download(client, fmt):
    """Seconds to get the whole download, and its size in bytes."""
    start = time.perf_counter()
    response = client.get(URL.format(fmt))
    assert response.status_code == 200, response.status_code
    size = sum(len(part) for part in response.streaming_content)
    return time.perf_counter() - start, size


def peak_memory(client, fmt):
    """The most memory Python held at once (MB) while serving one download, beyond what it held before."""
    tracemalloc.start()
    try:
        download(client, fmt)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _children(pid):
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == pid]


def _parent(proc):
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def through_gunicorn(client, formats):
    """Each download from gunicorn as docker-compose.yml runs it (one sync worker, its default 30 s
    timeout), on this database: (format, HTTP status, seconds, the worker's memory after, MB)."""
    from tests.celery_worker import database_url

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_DEBUG": "1"}
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "--workers", "1"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/healthz/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}
        results = []
        for fmt in formats:
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(urllib.request.Request(base + URL.format(fmt), headers=cookie)) as got:
                    while got.read(1 << 20):
                        pass
                    status = got.status
            except urllib.error.HTTPError as error:
                status = error.code
            except (urllib.error.URLError, ConnectionError, http.client.HTTPException):
                status = "killed"
            seconds = time.perf_counter() - start
            workers = _children(server.pid)
            results.append((fmt, status, seconds, _rss_mb(workers[0]) if workers else float("nan")))
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def export_figures(plans=50, repeat=3):
    """Build `plans` × 400 actions (in the current, test, database) and measure the downloads.

    Returns (rows, actions, served): rows of (what, median seconds, floor seconds, ratio, peak MB),
    the number of actions, and through_gunicorn()'s figures. Needs a database (committed, so that
    gunicorn sees it) where bench/dashboard.py's builder may add its plans (prefix "export-")."""
    build_system(plans=plans, priorities=8, key_actions=10, subs=4, updates_per_action=10, people=500, prefix="export-")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    user = get_user_model().objects.create_superuser("export-bench", password=None)
    client = Client()
    client.force_login(user)
    as_at = timezone.localdate()
    formats = {"csv": "CSV export, all actions", "xlsx": "XLSX export, all actions"}
    # Warm up, then take turns, so that a machine slowing down mid-run slows all three alike.
    copy_floor(user, as_at)
    for fmt in formats:
        download(client, fmt)
    floors, times = [], {fmt: [] for fmt in formats}
    for _ in range(repeat):
        floors.append(copy_floor(user, as_at)[0])
        for fmt in formats:
            times[fmt].append(download(client, fmt)[0])
    floor = statistics.median(floors)
    rows = []
    for fmt, label in formats.items():
        seconds = statistics.median(times[fmt])
        rows.append((label, seconds, floor, seconds / floor, peak_memory(client, fmt)))
    return rows, Action.objects.visible_to(user).count(), through_gunicorn(client, formats)


def print_figures(rows):
    print(f"{'what':28} {'median s':>9} {'COPY floor s':>13} {'ratio':>7} {'peak MB':>8}")
    for label, seconds, floor, ratio, peak in rows:
        print(f"{label:28} {seconds:9.2f} {floor:13.2f} {ratio:6.1f}× {peak:8.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/export.py needs PostgreSQL: set DATABASE_URL")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        rows, actions, served = export_figures(args.plans, args.repeat)
        print(f"database: {connection.vendor}; {actions:,} actions, all of them exported")
        print_figures(rows)
        print("through gunicorn (one sync worker, default 30 s timeout):")
        for fmt, status, seconds, rss in served:
            print(f"  {fmt:5} HTTP {status} in {seconds:.1f} s; the worker holds {rss:.0f} MB afterwards")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
