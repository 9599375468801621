"""How long importing and showing a large plan takes, and how many queries the page runs.

    make bench                      # against a throwaway PostgreSQL
    .venv/bin/python bench/plan_page.py [--priorities 20 --actions 25 --subs 4 --repeat 5]

Runs in a fresh test database (created and dropped here), so it never touches your data.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from actionplan.importers.yaml_plan import import_plan_file  # noqa: E402
from actionplan.models import Action, PlanMembership  # noqa: E402
from tests.helpers import big_plan, write_plan  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--priorities", type=int, default=20)
    parser.add_argument("--actions", type=int, default=25, help="key actions per priority")
    parser.add_argument("--subs", type=int, default=4, help="sub-actions per key action")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = write_plan(Path(tmp), big_plan(args.priorities, args.actions, args.subs))
            report, first = timed(lambda: import_plan_file(path))
            _, again = timed(lambda: import_plan_file(path))
        client = Client()
        member = get_user_model().objects.create_user("bench")
        PlanMembership.objects.create(plan=report.plan, user=member, role=PlanMembership.Role.VIEWER)
        client.force_login(member)
        times = []
        for _ in range(args.repeat):
            reset_queries()  # the query log keeps 9,000 entries: the import filled it
            with CaptureQueriesContext(connection) as queries:
                response, seconds = timed(lambda: client.get("/plans/big-plan/"))
            assert response.status_code == 200, response.status_code
            times.append(seconds)
        print(f"database: {connection.vendor}")
        print(f"plan: {args.priorities} priorities, {Action.objects.count()} actions and sub-actions")
        print(f"import_plan (new):       {first:8.2f} s")
        print(f"import_plan (unchanged): {again:8.2f} s")
        print(
            f"plan page: median {statistics.median(times) * 1000:8.1f} ms over {args.repeat}, "
            f"{len(queries.captured_queries)} queries, {len(response.content) / 1024:.0f} KiB"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
