"""How fast the action list's CSV and XLSX downloads are, beside the database's own floor.

    DATABASE_URL=postgres://… .venv/bin/python bench/export.py [--plans 50 --repeat 3]

Builds 50 plans of 400 actions (20,000; bench/dashboard.py's system: 10 progress updates each,
500 people) in a fresh test database (created and dropped here), then, signed in as a superuser
(who sees every plan), downloads "all actions" from the action list as CSV and as XLSX through the
Django test client, reading the response to the end. The floor is PostgreSQL writing the same
columns for the same rows by itself: `COPY (the action list's query, with the owners and the
latest narrative as subqueries) TO STDOUT`. Prints the median seconds of each, the ratio to the
floor, and the peak memory Python allocated during one more download of each (tracemalloc, which
slows Python, so it is a separate run). PostgreSQL only.

bench/import.py prints these rows beside the import figures: see export_figures().
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc
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


def export_figures(plans=50, repeat=3):
    """Build `plans` × 400 actions (in the current, test, database) and measure the downloads.

    Returns (rows, actions): rows of (what, median seconds, floor seconds, ratio, peak MB). Needs a
    database where bench/dashboard.py's builder may add its plans (prefix "export-")."""
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
    return rows, Action.objects.visible_to(user).count()


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
        rows, actions = export_figures(args.plans, args.repeat)
        print(f"database: {connection.vendor}; {actions:,} actions, all of them exported")
        print_figures(rows)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
