"""How fast the published CQC plan's public page is (target: 50 ms median with a warm cache), cold and
warm, beside a conditional GET (304) and the API's first page of actions.

    make bench                      # against a throwaway PostgreSQL (and Redis, as the cache)
    .venv/bin/python bench/public.py [--repeat 21]

Runs in a fresh test database (created and dropped here), so it never touches your data. "Server
time" is the time Django's test client takes for the whole request through every middleware: no
network. A fixed Python loop is timed before and after, as this shared machine's speed varies.
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

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from tests.helpers import CQC_SLUG, import_cqc_plan  # noqa: E402


def loop():
    start = time.perf_counter()
    total = 0
    for i in range(2_000_000):
        total += i % 7
    return time.perf_counter() - start


def measure(client, url, repeat, headers=None, forget=None):
    """(median, min, max) in ms, the response and the queries of the last request. `forget`: a
    cache key deleted before each request (only that key: the cache may be a shared Redis)."""
    times = []
    for _ in range(repeat):
        if forget:
            cache.delete(forget)
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, **(headers or {}))
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), max(times), response, len(queries.captured_queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        plan = import_cqc_plan()
        plan.is_published = True
        plan.save()
        client = Client()
        url = f"/public/plans/{CQC_SLUG}/"
        before = loop()
        # Cold: the rendered page forgotten before each request, so every one renders it.
        rendered = f"public-page:{client.get(url)['ETag'].strip(chr(34))}"
        cold = measure(client, url, max(3, args.repeat // 3), forget=rendered)
        warm = measure(client, url, args.repeat)
        etag = warm[3]["ETag"]
        not_modified = measure(client, url, args.repeat, {"HTTP_IF_NONE_MATCH": etag})
        api = measure(client, f"/api/v1/actions/?plan={CQC_SLUG}", args.repeat)
        after = loop()
        print(f"database: {connection.vendor}; cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")
        print(f"fixed loop: {before * 1000:.0f} ms before, {after * 1000:.0f} ms after")
        print(f"{'request':44} {'median':>8} {'min–max':>16} {'status':>6} {'queries':>7}")
        for name, (median, low, high, response, queries) in [
            ("public plan page, cold (rendered)", cold),
            ("public plan page, warm cache (target 50 ms)", warm),
            ("public plan page, If-None-Match (304)", not_modified),
            ("API: the plan's actions (JSON, 80 rows)", api),
        ]:
            print(f"{name:44} {median:6.1f} ms {low:6.1f}–{high:6.1f} ms {response.status_code:>6} {queries:>7}")
        print(f"public plan page: {len(warm[3].content) / 1024:.0f} KiB")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
