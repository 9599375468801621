"""How long flag_overdue takes over many actions, and how many queries it runs (the same at any size).

    make bench                      # against a throwaway PostgreSQL
    .venv/bin/python bench/flag_overdue.py [--sizes 100000 1000000]

Builds the actions with one INSERT … SELECT generate_series per size (half of them past their due
date) in a fresh test database (created and dropped here), then times the first run (flags
written), a second run the same day (nothing changes) and a run a week later (more flagged).
"""

import argparse
import datetime
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
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


def build_actions(count, on):
    """`count` actions in one plan, in one statement."""
    plan = Plan.objects.create(slug=f"bench-{count}", title=f"Bench {count}")
    priority = StrategicPriority.objects.create(plan=plan, code="A", text="Bench")
    columns, values, params = (
        [],
        [],
        {
            "plan": plan.pk,
            "priority": priority.pk,
            "first_due": on - datetime.timedelta(days=365),
        },
    )
    for field in Action._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in GENERATED:
            values.append(GENERATED[field.name])
        else:
            params[field.name] = field.get_db_prep_save(field.get_default(), connection)
            values.append(f"%({field.name})s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Action._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, {int(count)}) AS g",
            params,
        )
        cursor.execute(f"ANALYZE {Action._meta.db_table}")
    return plan


def timed_run(on):
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        flagged, cleared = OverdueFlag.objects.refresh(on, timezone.now())
        seconds = time.perf_counter() - start
    return seconds, len(queries.captured_queries), flagged, cleared


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()

    setup_test_environment()
    print(f"database: {connection.vendor}")
    on = timezone.localdate()
    for size in args.sizes:
        # A fresh database for each size, so one size's statistics never steer the next one's plans.
        old_name = connection.creation.create_test_db(verbosity=0)
        try:
            start = time.perf_counter()
            build_actions(size, on)
            built = time.perf_counter() - start
            print(f"{size:>9,} actions built in {built:6.1f} s")
            for label, day in [
                ("first run", on),
                ("same day again", on),
                ("a week later", on + datetime.timedelta(days=7)),
            ]:
                seconds, queries, flagged, cleared = timed_run(day)
                print(
                    f"  flag_overdue, {label:<15} {seconds:7.2f} s, {queries} queries, "
                    f"{flagged:,} flagged, {cleared:,} cleared"
                )
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
