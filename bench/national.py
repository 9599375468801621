"""National scale: 150 boards, 1,500 plans, 1,000,000 actions, 10,000,000 updates on one PostgreSQL.

    make bench-national             # against a throwaway PostgreSQL; a quarter to half an hour
    DATABASE_URL=postgres://… .venv/bin/python bench/national.py [--minutes 30 --repeat 5]

It builds, with INSERT … SELECT generate_series, three boards of ten plans (about 20,000 actions:
each plan 8 priorities of 17 key actions with 4 sub-actions, 10 progress updates an action), and a
board member who sees one board's ten plans, in a fresh test database; copies that database and
grows the copy to 150 boards and 1,500 plans, fifty plans at a time, until it has them or --minutes
have passed (it prints what it built). Then it times the member's pages in the small database and
in the national one, turn and turn about, and the daily jobs in each, beside their floors in
hand-written SQL (each run rolled back). A page that reads only what its reader may see costs the
same whatever else the database holds. Both databases are dropped at the end.
"""

import argparse
import datetime
import io
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
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from actionplan.models import Action, KeptSummary, OverdueFlag, Owner, Plan, PlanMembership, StrategicPriority  # noqa: E402
from bench import floors  # noqa: E402
from bench.dashboard import machine_speed  # noqa: E402
from bench.flag_overdue import FLOOR as FLAG_FLOOR  # noqa: E402
from bench.flag_overdue import insert_select  # noqa: E402
from partnerships.models import Organisation, Partnership  # noqa: E402

PLANS_PER_BOARD = 10
PRIORITIES, KEY_ACTIONS, SUBS, UPDATES, PEOPLE = 8, 17, 4, 10, 50
PAST, SINCE = datetime.date(2019, 1, 1), datetime.date(2018, 12, 1)

# The daily job's other half, by hand: every priority's summary of today's picture, in one statement.
KEEP_FLOOR = f"""
    INSERT INTO actionplan_keptsummary (priority_id, plan_id, "on", counts)
    SELECT x.priority_id, x.plan_id, %(on)s,
        json_build_object({", ".join(f"'{name}', {sql}" for name, sql in floors.FIGURES)})
    FROM ({floors.picture("true", as_at=False)}) x GROUP BY x.priority_id, x.plan_id
    ON CONFLICT (priority_id) DO UPDATE SET "on" = excluded."on", counts = excluded.counts"""


def build_plans(first, count):
    """Plans number `first` to first + count - 1, their boards, people, priorities, actions, owners
    and updates; each action's kept progress refreshed as the app does (refresh_progress)."""
    boards = range(first // PLANS_PER_BOARD, (first + count - 1) // PLANS_PER_BOARD + 1)
    for board in boards:
        if Partnership.objects.filter(slug=f"board-{board}").exists():
            continue
        Partnership.objects.create(slug=f"board-{board}", name=f"Health and Wellbeing Board {board:03d}")
        organisations = Organisation.objects.bulk_create(
            Organisation(code=f"B{board}-O{i}", name=f"Organisation {i} of board {board}") for i in range(5)
        )
        Owner.objects.bulk_create(
            Owner(
                kind=Owner.Kind.PERSON,
                code=f"B{board}-P{i}",
                name=f"Person {i} of board {board}",
                organisation=organisations[i % 5],
            )
            for i in range(PEOPLE)
        )
    plans = Plan.objects.bulk_create(
        Plan(
            slug=f"plan-{n}",
            title=f"Plan {n:04d}",
            board=Partnership.objects.get(slug=f"board-{n // PLANS_PER_BOARD}"),
            reporting_date=datetime.date(2018, 1, 1),
        )
        for n in range(first, first + count)
    )
    StrategicPriority.objects.bulk_create(
        StrategicPriority(plan=plan, code=chr(65 + p), text=f"Priority {chr(65 + p)}", position=p)
        for plan in plans
        for p in range(PRIORITIES)
    )
    params = {"plans": [plan.pk for plan in plans], "keys": KEY_ACTIONS, "subs": SUBS, "updates": UPDATES}
    due = "CASE WHEN ({seed}) %% 20 = 0 THEN NULL ELSE DATE '2018-01-01' + ((({seed}) * 37 %% 730))::int END"
    insert_select(
        Action,
        {
            "plan": "pr.plan_id",
            "priority": "pr.id",
            "code": "pr.code || k",
            "number": "pr.code || k",
            "title": "'Key action ' || pr.code || k",
            "position": f"k * {SUBS + 1}",
            "due_date": due.format(seed="pr.id * 31 + k"),
        },
        "FROM actionplan_strategicpriority pr, generate_series(1, %(keys)s) k WHERE pr.plan_id = ANY(%(plans)s)",
        params,
    )
    insert_select(
        Action,
        {
            "plan": "a.plan_id",
            "priority": "a.priority_id",
            "parent": "a.id",
            "code": "a.code || ' ' || s",
            "number": "s::text",
            "title": "'Sub-action ' || a.code || ' ' || s",
            "position": "a.position + s",
            "due_date": due.format(seed="a.id * 7 + s"),
        },
        "FROM actionplan_action a, generate_series(1, %(subs)s) s "
        "WHERE a.plan_id = ANY(%(plans)s) AND a.parent_id IS NULL",
        params,
    )
    board_people = (
        "FROM actionplan_action a JOIN actionplan_plan pl ON pl.id = a.plan_id "
        "JOIN partnerships_partnership b ON b.id = pl.board_id "
        "JOIN actionplan_owner o ON o.code = 'B' || substr(b.slug, 7) || '-P' || ((a.id + {offset}) %% {people}) "
        "WHERE a.plan_id = ANY(%(plans)s) {more}"
    )
    with connection.cursor() as cursor:
        for table, offset, more in [
            ("accountable", 0, "AND a.parent_id IS NULL"),
            ("responsible", 7, ""),
            ("responsible", 19, "AND a.id %% 2 = 0"),
        ]:
            cursor.execute(
                f"INSERT INTO actionplan_action_{table} (action_id, owner_id) SELECT a.id, o.id "
                + board_people.format(offset=offset, people=PEOPLE, more=more)
                + " ON CONFLICT DO NOTHING",
                params,
            )
        done = "(n = %(updates)s AND a.id %% 10 < 3)"
        reported = "DATE '2018-01-01' + n * 40 + (a.id %% 37)::int"
        cursor.execute(
            f"""INSERT INTO actionplan_progressupdate (action_id, reported_on, narrative, rag, revised_due_date,
                    revision_reason, completed_on, imported, status_text, action_version, created_at, return_comment)
                SELECT a.id, {reported}, 'Update ' || n || ' on ' || a.code,
                    CASE WHEN {done} THEN 'complete'
                         ELSE (ARRAY['green', 'green', 'amber', 'red', ''])[1 + (a.id + n) %% 5] END,
                    CASE WHEN a.due_date IS NOT NULL AND (a.id + n) %% 10 = 0 AND NOT {done}
                          THEN a.due_date + (a.id %% 120)::int + 1 END,
                    '', CASE WHEN {done} THEN {reported} END, false, '', 0, now(), ''
                FROM actionplan_action a, generate_series(1, %(updates)s) n WHERE a.plan_id = ANY(%(plans)s)""",
            params,
        )
    Action.objects.filter(plan__in=plans).refresh_progress()
    return plans


def figures():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM partnerships_partnership), (SELECT count(*) FROM actionplan_plan), "
            "(SELECT count(*) FROM actionplan_action), (SELECT count(*) FROM actionplan_progressupdate)"
        )
        return cursor.fetchone()


def member_pages(member_plans):
    first = member_plans[0]
    return {
        "dashboard (the board's 10 plans)": "/",
        "dashboard as at 1 Jan 2019": f"/?as_at={PAST}",
        "action list, rag=red": "/actions/?rag=red",
        "board report as at 1 Jan 2019": f"/plans/{first.slug}/report/?as_at={PAST}&since={SINCE}",
    }


def use_database(name):
    """Point the connection at database `name` (the small or the national one), connected."""
    connection.close()
    connection.settings_dict["NAME"] = name
    connection.ensure_connection()


def time_pages(client, pages, databases, repeat):
    """{database: {page: (median ms, queries)}}: each page in each database, turn and turn about."""
    runs = {db: {name: [] for name in pages} for db in databases}
    queries = {db: {} for db in databases}
    for name, url in pages.items():
        for db in databases:
            use_database(db)
            client.get(url)  # warm
        for _ in range(repeat):
            for db in databases:
                use_database(db)
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(url)
                    runs[db][name].append(time.perf_counter() - start)
                assert response.status_code == 200, (url, response.status_code)
                queries[db][name] = len(captured.captured_queries)
    return {
        db: {name: (statistics.median(runs[db][name]) * 1000, queries[db][name]) for name in pages} for db in databases
    }


def rolled_back(work):
    with transaction.atomic():
        start = time.perf_counter()
        work()
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds


def time_jobs(on, now, repeat):
    """{job: (app seconds, floor seconds)}, each run rolled back, turn and turn about."""

    def flag_floor():
        with connection.cursor() as cursor:
            for sql in FLAG_FLOOR:
                cursor.execute(sql, {"on": on, "now": now})

    def keep_floor():
        with connection.cursor() as cursor:
            cursor.execute(KEEP_FLOOR, {"on": on})

    jobs = {
        "flag_overdue": (lambda: OverdueFlag.objects.refresh(on, now), flag_floor),
        "keep_summaries": (lambda: KeptSummary.objects.keep(on), keep_floor),
    }
    found = {}
    for name, (app, floor) in jobs.items():
        apps, lows = [], []
        for _ in range(repeat):
            apps.append(rolled_back(app))
            lows.append(rolled_back(floor))
        found[name] = (statistics.median(apps), statistics.median(lows))
    return found


def sizes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size('actionplan_progressupdate'), pg_relation_size('progress_latest_first'), "
            "pg_total_relation_size('actionplan_action'), pg_database_size(current_database())"
        )
        return cursor.fetchone()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=1500)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    small_db = connection.settings_dict["NAME"]
    national_db = f"{small_db}_national"
    try:
        on, now = timezone.localdate(), timezone.now()
        start = time.perf_counter()
        built = build_plans(0, 3 * PLANS_PER_BOARD)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        call_command("flag_overdue", stdout=io.StringIO())
        call_command("keep_summaries", stdout=io.StringIO())
        small_built = time.perf_counter() - start
        member_plans = [plan for plan in built if plan.board.slug == "board-0"]
        member = get_user_model().objects.create_user("member", password=None)
        PlanMembership.objects.bulk_create(
            PlanMembership(user=member, plan=plan, role=PlanMembership.Role.VIEWER) for plan in member_plans
        )
        client = Client()
        client.force_login(member)
        pages = member_pages(member_plans)
        print(f"database: {connection.vendor}")
        boards, plans, actions, updates = figures()
        print(
            f"small: {boards} boards, {plans} plans, {actions:,} actions, {updates:,} updates "
            f"(built in {small_built:.0f} s)"
        )
        small_jobs = time_jobs(on, now, 3)

        # The national system starts as a copy of the small one (the same member, session and plans).
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{national_db}" TEMPLATE "{small_db}"')
        use_database(national_db)
        start = time.perf_counter()
        made = plans
        while made < args.plans and time.perf_counter() - start < args.minutes * 60:
            count = min(50, args.plans - made)
            build_plans(made, count)
            made += count
            print(f"  {made} plans after {time.perf_counter() - start:.0f} s", flush=True)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        call_command("flag_overdue", stdout=io.StringIO())
        call_command("keep_summaries", stdout=io.StringIO())
        grown = time.perf_counter() - start
        boards, plans, actions, updates = figures()
        updates_size, index_size, actions_size, database_size = sizes()
        print(
            f"national: {boards} boards, {plans} plans, {actions:,} actions, {updates:,} updates "
            f"(grown in {grown / 60:.0f} minutes); progress updates {updates_size / 2**30:.1f} GB with their "
            f"indexes (the latest-first index {index_size / 2**30:.1f} GB), actions {actions_size / 2**30:.1f} GB, "
            f"database {database_size / 2**30:.1f} GB"
        )
        big_jobs = time_jobs(on, now, 3)

        print(f"machine speed before: {machine_speed():.0f} ms for a fixed loop (lower is faster)")
        timed = time_pages(client, pages, [small_db, national_db], args.repeat)
        print(f"machine speed after: {machine_speed():.0f} ms for a fixed loop")
        print(
            f"\n{'the board member sees 10 plans':40} {'small ms':>9} {'national ms':>12} {'ratio':>6} {'queries':>8}"
        )
        for name in pages:
            (small_ms, small_queries), (big_ms, big_queries) = timed[small_db][name], timed[national_db][name]
            print(
                f"{name:40} {small_ms:9.0f} {big_ms:12.0f} {big_ms / small_ms:5.2f}× {small_queries:4d}/{big_queries}"
            )
        print(f"\n{'daily job (rolled back)':40} {'small':>15} {'national':>22}")
        for name in small_jobs:
            (app, low), (big_app, big_low) = small_jobs[name], big_jobs[name]
            print(
                f"{name:40} {app:5.2f} s {app / low:4.2f}× floor   {big_app:7.2f} s {big_app / big_low:4.2f}× floor "
                f"({big_low:.2f} s)"
            )
    finally:
        use_database(small_db)
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{national_db}"')
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
