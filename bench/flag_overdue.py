"""flag_overdue beside its floor, whatever PostgreSQL's statistics say about the flag table.

    make bench                      # against a throwaway PostgreSQL
    DATABASE_URL=postgres://… .venv/bin/python bench/flag_overdue.py [--sizes 100000 1000000]

Builds the actions with one INSERT … SELECT generate_series per size (half of them past their due
date) in a fresh test database (created and dropped here), with autovacuum off for the flag table
so that its statistics are only what this script makes them. Then it times the job
(OverdueFlag.objects.refresh) and its floor (the same flags cleared and written by two hand-written
statements) turn and turn about, each rolled back so both start from the same rows:

- the first run, the flag table analysed while empty (a fresh deployment);
- a week later, the table full of the first run's flags but its statistics still those of the
  empty table (autovacuum has not come round yet): the case that was quadratic;
- a week later again, the table analysed while full.
"""

import argparse
import datetime
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

from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from actionplan.models import Action, OverdueFlag, Plan, StrategicPriority  # noqa: E402

# Set here, the generated columns; every other column of Action gets its model default.
GENERATED = {
    "plan": "%(plan)s",
    "priority": "%(priority)s",
    "code": "'B' || g",
    "number": "'B' || g",
    "title": "'Bench action ' || g",
    "position": "g",
    # Due dates spread over two years around today: half are overdue.
    "due_date": "%(first_due)s::date + (g %% 730)",
}

# The floor: what the job does, written by hand (today's picture: each action's kept progress).
FLOOR = [
    """UPDATE actionplan_overdueflag f SET cleared_at = %(now)s
       WHERE f.cleared_at IS NULL AND NOT EXISTS (
           SELECT 1 FROM actionplan_action a
           WHERE a.id = f.action_id AND a.progress_rag IS DISTINCT FROM 'complete'
             AND COALESCE(a.progress_revised_due_date, a.due_date) = f.due_date
             AND COALESCE(a.progress_revised_due_date, a.due_date) < %(on)s)""",
    """INSERT INTO actionplan_overdueflag (action_id, due_date, flagged_at)
       SELECT a.id, COALESCE(a.progress_revised_due_date, a.due_date), %(now)s FROM actionplan_action a
       WHERE a.progress_rag IS DISTINCT FROM 'complete' AND COALESCE(a.progress_revised_due_date, a.due_date) < %(on)s
       ON CONFLICT (action_id) WHERE cleared_at IS NULL DO NOTHING""",
]


def insert_select(model, generated, source, params=None):
    """INSERT … SELECT into `model`'s table: `generated` {field name: SQL} over `source` (FROM …),
    every other column its model default (generated columns: the database's own)."""
    columns, values, params = [], [], dict(params or {})
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in generated:
            values.append(generated[field.name])
        else:
            params[f"default_{field.name}"] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%(default_{field.name})s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}", params
        )
        return cursor.rowcount


def build_actions(count, on):
    """`count` actions in one plan, in one statement."""
    plan = Plan.objects.create(slug=f"bench-{count}", title=f"Bench {count}")
    priority = StrategicPriority.objects.create(plan=plan, code="A", text="Bench")
    insert_select(
        Action,
        GENERATED,
        f"FROM generate_series(1, {int(count)}) AS g",
        {"plan": plan.pk, "priority": priority.pk, "first_due": on - datetime.timedelta(days=365)},
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Action._meta.db_table}")
    return plan


def run_job(on, now):
    flagged, cleared = OverdueFlag.objects.refresh(on, now)
    return flagged, cleared


def run_floor(on, now):
    with connection.cursor() as cursor:
        cursor.execute(FLOOR[0], {"on": on, "now": now})
        cleared = cursor.rowcount
        cursor.execute(FLOOR[1], {"on": on, "now": now})
        return cursor.rowcount, cleared


def rolled_back(work, on, now):
    """Seconds `work` takes, its (flagged, cleared) and queries, undone afterwards."""
    reset_queries()
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        start = time.perf_counter()
        done = work(on, now)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds, done, len(queries.captured_queries)


def side_by_side(label, on, now, repeat):
    jobs, floors = [], []
    for _ in range(repeat):
        seconds, done, queries = rolled_back(run_job, on, now)
        jobs.append(seconds)
        floor_seconds, floor_done, _ = rolled_back(run_floor, on, now)
        floors.append(floor_seconds)
        assert done == floor_done, (label, done, floor_done)
    job, floor = statistics.median(jobs), statistics.median(floors)
    print(
        f"  {label:<46} {job:7.2f} s {floor:7.2f} s {job / floor:6.2f}×  {queries} queries, "
        f"{done[0]:,} flagged, {done[1]:,} cleared"
    )


def analyse_flags():
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {OverdueFlag._meta.db_table}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    setup_test_environment()
    print(f"database: {connection.vendor}")
    on, now = timezone.localdate(), timezone.now()
    week = datetime.timedelta(days=7)
    for size in args.sizes:
        # A fresh database for each size, so one size's statistics never steer the next one's plans.
        old_name = connection.creation.create_test_db(verbosity=0)
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {OverdueFlag._meta.db_table} SET (autovacuum_enabled = false)")
            start = time.perf_counter()
            build_actions(size, on)
            built = time.perf_counter() - start
            print(f"{size:>9,} actions built in {built:6.1f} s")
            print(f"  {'':<46} {'job':>9} {'floor':>9} {'ratio':>7}")
            analyse_flags()
            side_by_side("first run, flags analysed while empty", on, now, args.repeat)
            run_job(on, now)  # the first run, kept: the table is full, its statistics still say empty
            side_by_side("a week later, statistics still of the empty table", on + week, now + week, args.repeat)
            analyse_flags()
            side_by_side("a week later, flags analysed while full", on + week, now + week, args.repeat)
            side_by_side("same day again, nothing changes", on, now, args.repeat)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
