"""The pages of issue 19 beside their floors, on a large system, measured in the same run.

    make bench                      # against a throwaway PostgreSQL
    DATABASE_URL=postgres://… .venv/bin/python bench/dashboard.py [--plans 50 --repeat 9]

Builds 50 plans × 8 priorities × 10 key actions × (1 + 4 sub-actions) = 20,000 actions, 10 progress
updates each (200,000), 500 people, and the seed indicators, in a fresh test database (created and
dropped here); the daily job keeps today's summaries. Then each page is fetched through the Django
test client (signed in as a superuser, who sees every plan, or as a board member who sees one), and
its floor (bench/floors.py: the same numbers in hand-written SQL) is run straight after it, turn
and turn about, so both see the same machine. It prints the medians, their ratio, the queries the
page ran (and with 80 actions: the count must not grow), and a fixed Python loop before and after,
because this shared machine changes speed from minute to minute. It checks that each floor's RAG
counts are the app's.
"""

import argparse
import datetime
import gzip
import io
import os
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from actionplan.models import Action, Plan, PlanMembership, ProgressUpdate  # noqa: E402
from actionplan.status import RagSummary  # noqa: E402
from bench import floors  # noqa: E402
from tests.helpers import build_system  # noqa: E402

PAST = datetime.date(2019, 1, 1)
SINCE = datetime.date(2018, 12, 1)


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


def fetch(client, url):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.get(url)
        seconds = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return seconds, len(queries.captured_queries), response


def floor_of_queries(client, url):
    """A floor for a page with no hand-written one: the very SQL it ran, run again by itself."""
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]

    def run(cursor):
        for sql in statements:
            cursor.execute(sql.replace("%", "%%"))
            if cursor.description:
                cursor.fetchall()

    return run


def pages(big, member_plan, clients):
    """[(name, client, url, floor(cursor))] for the big system."""
    superuser, member = clients
    today = timezone.localdate()
    every = list(Plan.objects.values_list("pk", flat=True))
    first = Plan.objects.order_by("title").first()
    chosen = big[0]
    return [
        (
            "dashboard, all plans (superuser)",
            superuser,
            "/",
            lambda c: floors.dashboard(c, today, every, first.pk, as_at=False),
        ),
        (
            "dashboard, one plan (board member)",
            member,
            "/",
            lambda c: floors.dashboard(c, today, [member_plan.pk], member_plan.pk, as_at=False),
        ),
        (
            "dashboard as at 1 Jan 2019 (superuser)",
            superuser,
            f"/?as_at={PAST}",
            lambda c: floors.dashboard(c, PAST, every, first.pk, as_at=True),
        ),
        (
            "board report as at 1 Jan 2019",
            superuser,
            f"/plans/{chosen.slug}/report/?as_at={PAST}&since={SINCE}",
            lambda c: floors.board_report(c, chosen.pk, PAST, SINCE),
        ),
        (
            "action list, rag=red (all plans)",
            superuser,
            "/actions/?rag=red",
            lambda c: floors.action_list(c, today, every, "x.rag = 'red'", "pl.title, x.position", every),
        ),
        (
            "action list, one plan overdue, by due date",
            superuser,
            f"/actions/?plan={chosen.slug}&status=overdue&sort=due",
            lambda c: floors.action_list(c, today, [chosen.pk], "x.status = 'overdue'", "x.cur, x.position", every),
        ),
    ]


def small_counts(client, slug):
    """Queries each page runs on an 80-action system, by page name."""
    urls = {
        "dashboard, all plans (superuser)": "/",
        "dashboard as at 1 Jan 2019 (superuser)": f"/?as_at={PAST}",
        "board report as at 1 Jan 2019": f"/plans/{slug}/report/?as_at={PAST}&since={SINCE}",
        "action list, rag=red (all plans)": "/actions/?rag=red",
        "action list, one plan overdue, by due date": f"/actions/?plan={slug}&status=overdue&sort=due",
    }
    return {name: fetch(client, url)[1] for name, url in urls.items()}


def check_floors_agree(today, member_plan):
    """The floors count what the app counts (else the ratios would compare different work)."""
    with connection.cursor() as cursor:
        for on, as_at in [(today, False), (PAST, True)]:
            app = {plan.pk: asdict(plan.summary) for plan in Plan.objects.all().with_rag_summaries(on)}
            floor = floors.dashboard(cursor, on, list(app), member_plan.pk, as_at)["by_plan"]
            assert app == {pk: floor.get(pk, asdict(RagSummary())) for pk in app}, on


def measure(client, url, repeat):
    """(median, fastest, slowest ms, queries) of fetching `url` `repeat` times after a warm-up: for
    pages without a floor of their own (bench/papers.py, bench/rounds.py)."""
    fetch(client, url)
    times = []
    for _ in range(repeat):
        seconds, queries, _ = fetch(client, url)
        times.append(seconds)
    return statistics.median(times) * 1000, min(times) * 1000, max(times) * 1000, queries


def measure_beside_floors(rows, repeat):
    """[(name, app ms, floor ms, queries, HTML bytes)]: each of `rows` (pages()) fetched and its
    floor run straight after it, turn and turn about, `repeat` times; the medians."""
    results = []
    with connection.cursor() as cursor:
        for name, client, url, floor in rows:
            fetch(client, url)
            floor(cursor)  # warm both
            app_times, floor_times = [], []
            for _ in range(repeat):
                seconds, queries, response = fetch(client, url)
                app_times.append(seconds)
                start = time.perf_counter()
                floor(cursor)
                floor_times.append(time.perf_counter() - start)
            app, low = statistics.median(app_times) * 1000, statistics.median(floor_times) * 1000
            results.append((name, app, low, queries, len(response.content)))
    return results


def print_table(results, small=None):
    print(f"{'page':45} {'app ms':>7} {'floor ms':>9} {'ratio':>6} {'queries':>8} {'80 actions':>10} {'HTML':>8}")
    for name, app, low, queries, size in results:
        few = small.get(name, "") if small else ""
        print(f"{name:45} {app:7.0f} {low:9.1f} {app / low:5.1f}× {queries:8d} {few!s:>10} {size / 1024:6.0f} KB")


def build_bench_system(plans=50):
    """50 plans of 400 actions with 10 updates each, 500 people, the seed indicators, today's
    summaries kept by the daily job, and a board member who sees one plan: the system of issue 19.
    Returns {"plans", "member_plan", "member", "built", "kept"} (seconds to build and keep)."""
    start = time.perf_counter()
    big = build_system(plans=plans, priorities=8, key_actions=10, subs=4, updates_per_action=10, people=500)
    built = time.perf_counter() - start
    call_command("import_partnerships", str(ROOT / "fixtures" / "partnerships.yaml"), stdout=io.StringIO())
    for path in sorted(Path(ROOT, "fixtures", "indicators").glob("*.yaml")):
        call_command("import_indicators", str(path), stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    start = time.perf_counter()
    call_command("keep_summaries", stdout=io.StringIO())
    kept = time.perf_counter() - start
    member = get_user_model().objects.create_user("member", password=None)
    PlanMembership.objects.create(user=member, plan=big[1], role=PlanMembership.Role.VIEWER)
    return {"plans": big, "member_plan": big[1], "member": member, "built": built, "kept": kept}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        today = timezone.localdate()
        superuser = Client()
        superuser.force_login(get_user_model().objects.create_superuser("bench", password=None))
        small = build_system(
            plans=1, priorities=2, key_actions=8, subs=4, updates_per_action=2, people=10, prefix="small-"
        )
        call_command("keep_summaries", stdout=io.StringIO())
        small_figures = small_counts(superuser, small[0].slug)
        system = build_bench_system(args.plans)
        big, member_plan = system["plans"], system["member_plan"]
        member = Client()
        member.force_login(system["member"])
        check_floors_agree(today, member_plan)

        print(f"database: {connection.vendor}")
        print(
            f"system: {Action.objects.count():,} actions in {Plan.objects.count()} plans, "
            f"{ProgressUpdate.objects.count():,} progress updates (built in {system['built']:.0f} s); "
            f"the daily job kept today's summaries in {system['kept']:.2f} s; the floors' RAG counts equal the app's"
        )
        print(f"machine speed before: {machine_speed():.0f} ms for a fixed loop (lower is faster)")
        rows = pages(big, member_plan, (superuser, member))
        rows.append(
            ("/indicators/ (seed indicators)", superuser, "/indicators/", floor_of_queries(superuser, "/indicators/"))
        )
        results = measure_beside_floors(rows, args.repeat)
        print_table(results, small_figures)
        healthz = [fetch(superuser, "/healthz/") for _ in range(args.repeat)]
        print(
            f"{'/healthz/ signed in':45} {statistics.median(s for s, _, _ in healthz) * 1000:7.1f} "
            f"{'':>9} {'':>6} {healthz[0][1]:8d}"
        )
        _, _, dashboard = fetch(superuser, "/")
        print(
            f"dashboard HTML: {len(dashboard.content) / 1024:.0f} KB, "
            f"{len(gzip.compress(dashboard.content)) / 1024:.0f} KB gzipped"
        )
        print(f"machine speed after: {machine_speed():.0f} ms for a fixed loop")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
