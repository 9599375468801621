"""How fast the HWB dashboard, the filtered action list and the board report are on a large system.

    make bench                      # against a throwaway PostgreSQL
    .venv/bin/python bench/dashboard.py [--plans 50 --repeat 7]

Builds 50 plans × 8 priorities × 10 key actions × (1 + 4 sub-actions) = 20,000 actions, 10 progress
updates each (200,000) and 500 people, in a fresh test database (created and dropped here), then
times each page through the Django test client, signed in as a superuser (who sees every plan),
and prints the median milliseconds (with the fastest and slowest run) and the number of queries.
The same pages on an 80-action system show the query count does not grow with the data. A fixed
Python loop is timed before and after, because shared machines change speed as they run.
"""

import argparse
import os
import statistics
import sys
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

from actionplan.models import Action, ProgressUpdate  # noqa: E402
from tests.helpers import build_system  # noqa: E402


def pages(slug):
    return {
        "dashboard": f"/?plan={slug}",
        "dashboard as at 1 Jan 2019": f"/?plan={slug}&as_at=2019-01-01",
        "action list (overdue, sorted by due date)": f"/actions/?plan={slug}&status=overdue&sort=due",
        "action list (all plans, Red)": "/actions/?rag=red",
        "board report": f"/plans/{slug}/report/?as_at=2019-01-01",
    }


def measure(client, url, repeat):
    client.get(url)  # warm up
    times = []
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times) * 1000, min(times) * 1000, max(times) * 1000, len(queries.captured_queries)


def print_figures(client, big_pages, small_figures, repeat):
    """Time each of `big_pages` ({name: url}) and print it beside the machine's speed and the
    query count of the same page on the small system (`small_figures`: {name: measure(...)})."""
    print(f"machine speed before: {machine_speed():.0f} ms for a fixed loop (lower is faster)")
    print(f"{'page':45} {'median ms':>10} {'min–max':>11} {'queries':>8}   queries with 80 actions")
    for name, url in big_pages.items():
        median, fastest, slowest, queries = measure(client, url, repeat)
        print(f"{name:45} {median:10.0f} {f'{fastest:.0f}–{slowest:.0f}':>11} {queries:8d}   {small_figures[name][-1]}")
    print(f"machine speed after: {machine_speed():.0f} ms for a fixed loop")


def machine_speed():
    """Milliseconds a fixed pure-Python loop takes: shared virtual machines change speed from
    minute to minute, so the figures print beside it (lower is faster)."""
    start = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i
    return (time.perf_counter() - start) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        client = Client()
        client.force_login(get_user_model().objects.create_superuser("bench", password=None))
        small = build_system(
            plans=1, priorities=2, key_actions=8, subs=4, updates_per_action=2, people=10, prefix="small-"
        )
        small_figures = {name: measure(client, url, args.repeat) for name, url in pages(small[0].slug).items()}

        start = time.perf_counter()
        big = build_system(plans=args.plans, priorities=8, key_actions=10, subs=4, updates_per_action=10, people=500)
        built = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"database: {connection.vendor}")
        print(
            f"system: {Action.objects.count():,} actions in {args.plans + 1} plans, "
            f"{ProgressUpdate.objects.count():,} progress updates (built in {built:.0f} s)"
        )
        print_figures(client, pages(big[0].slug), small_figures, args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
