"""How fast imports are, each beside its floor: a bulk_create of exactly the rows the import writes.

    make bench                      # against a throwaway PostgreSQL
    .venv/bin/python bench/import.py [--priorities 20 --actions 25 --subs 4 --repeat 5]

In a fresh test database (created and dropped here): the boards and indicators the CQC plan names
are imported first (not timed); then each plan import runs inside a transaction that is rolled
back, so every run starts from the same database. The floor inserts the same rows (the plan, its
organisations, owners, priorities, actions, owner and indicator links, milestones and imported
progress updates, and their audit history records, with the ids the import gave them) with one
bulk_create per table, without the parsing, validation and comparing the import also does. An
unchanged re-import is checked to write nothing at all. Prints the median of the runs and how long
a fixed Python loop takes (this shared machine changes speed from minute to minute).

Then the action list's downloads (bench/export.py's export_figures(): 20,000 actions exported as
CSV and XLSX beside PostgreSQL's COPY … TO STDOUT of the same columns), so one run prints all four
ratios; --no-exports leaves them out.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Max  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from simple_history.models import HistoricalRecords  # noqa: E402

from actionplan.importers.yaml_plan import import_plan_file  # noqa: E402
from actionplan.models import Action, Milestone, Owner, Plan, ProgressUpdate, StrategicPriority  # noqa: E402
from partnerships.models import Organisation  # noqa: E402
from tests.helpers import CQC_FIXTURE, big_plan, import_indicators, import_partnerships, write_plan  # noqa: E402

# What a plan import writes, parents first: (model, how to find the plan's rows).
PLAN_ROWS = [
    (Organisation, lambda plan: Organisation.objects.filter(plans=plan)),
    (Plan, lambda plan: Plan.objects.filter(pk=plan.pk)),
    (Plan.organisations.through, lambda plan: Plan.organisations.through.objects.filter(plan=plan)),
    (Owner, lambda plan: Owner.objects.filter(code__in=_owner_codes(plan))),
    (StrategicPriority, lambda plan: plan.priorities.all()),
    (Action, lambda plan: plan.actions.filter(parent__isnull=True)),
    (Action, lambda plan: plan.actions.filter(parent__isnull=False)),
    (Action.accountable.through, lambda plan: Action.accountable.through.objects.filter(action__plan=plan)),
    (Action.responsible.through, lambda plan: Action.responsible.through.objects.filter(action__plan=plan)),
    (Action.indicators.through, lambda plan: Action.indicators.through.objects.filter(action__plan=plan)),
    (Milestone, lambda plan: Milestone.objects.filter(action__plan=plan)),
    (ProgressUpdate, lambda plan: ProgressUpdate.objects.filter(action__plan=plan)),
]


def _owner_codes(plan):
    return {
        code
        for through in (Action.accountable.through, Action.responsible.through)
        for code in through.objects.filter(action__plan=plan).values_list("owner__code", flat=True)
    } | set(Owner.objects.filter(organisation__plans=plan).values_list("code", flat=True))


@dataclass
class Figure:
    what: str
    seconds: float
    floor_what: str
    floor_seconds: float
    target: str

    @property
    def ratio(self):
        return self.seconds / self.floor_seconds if self.floor_seconds else float("inf")


def rolled_back(fn: Callable[[], object]) -> float:
    """Seconds `fn` takes inside a transaction that is then rolled back."""
    with transaction.atomic():
        start = time.perf_counter()
        fn()
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds


def median_of(repeat, fn):
    return statistics.median(rolled_back(fn) for _ in range(repeat))


# The audit history a plan import writes: each table's records, and the owner links of an action's.
HISTORY = [
    Organisation,
    Plan,
    Owner,
    StrategicPriority,
    Action,
    ProgressUpdate,
]


def _history_tables():
    tables = [model.history.model for model in HISTORY if hasattr(model, "history")]
    for field in Action.history.model._history_m2m_fields:
        tables.append(HistoricalRecords.m2m_models[field])
    return tables


def plan_rows(path):
    """Every row importing `path` writes, table by table, audit history included, as the import
    left them (then rolled back)."""
    tables = _history_tables()
    with transaction.atomic():
        before = {table: table.objects.aggregate(last=Max("pk"))["last"] or 0 for table in tables}
        plan = import_plan_file(path).plan
        rows = [(model, [model(**values) for values in query(plan).values()]) for model, query in PLAN_ROWS]
        rows += [
            (table, [table(**values) for values in table.objects.filter(pk__gt=before[table]).values()])
            for table in tables
        ]
        transaction.set_rollback(True)
    return rows


def bulk_create_all(rows):
    for model, objects in rows:
        model._default_manager.bulk_create(objects, batch_size=1000)


def writes_of(fn):
    with CaptureQueriesContext(connection) as queries:
        fn()
    return [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def plan_figure(name, path, repeat, target="≤ 3×"):
    rows = plan_rows(path)
    count = sum(len(objects) for _, objects in rows)
    history = sum(len(objects) for model, objects in rows if model._meta.model_name.startswith("historical"))
    return Figure(
        what=f"import {name}",
        seconds=median_of(repeat, lambda: import_plan_file(path)),
        floor_what=f"bulk_create of its {count:,} rows ({history:,} history)",
        floor_seconds=median_of(repeat, lambda: bulk_create_all(rows)),
        target=target,
    )


def re_import_figure(name, path, repeat):
    """An unchanged file imported again: its time, and its writes (there must be none)."""
    with transaction.atomic():
        import_plan_file(path)
        writes = writes_of(lambda: import_plan_file(path))
        seconds = statistics.median(_timed(lambda: import_plan_file(path)) for _ in range(repeat))
        transaction.set_rollback(True)
    return Figure(
        what=f"re-import {name}, unchanged",
        seconds=seconds,
        floor_what="writes (INSERT, UPDATE, DELETE)",
        floor_seconds=float(len(writes)),
        target="0 writes",
    )


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def figures(args, big_path):
    """The import figures, each beside its floor."""
    actions = args.priorities * args.actions * (1 + args.subs)
    return [
        plan_figure("the CQC plan (80 actions)", CQC_FIXTURE, args.repeat),
        plan_figure(f"a {actions:,}-action plan", big_path, max(1, args.repeat // 2)),
        re_import_figure(f"a {actions:,}-action plan", big_path, max(1, args.repeat // 2)),
    ]


def machine_speed():
    """Milliseconds a fixed pure-Python loop takes (lower is faster)."""
    start = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i
    return (time.perf_counter() - start) * 1000


def print_figures(rows):
    print(f"{'work':45} {'seconds':>8}   {'floor':50} {'':>8}   {'ratio':>7}   target")
    for f in rows:
        if f.target == "0 writes":
            print(f"{f.what:45} {f.seconds:8.2f}   {f.floor_what:50} {int(f.floor_seconds):8d}   {'':>7}   {f.target}")
        else:
            print(
                f"{f.what:45} {f.seconds:8.2f}   {f.floor_what:50} {f.floor_seconds:8.2f}   "
                f"{f.ratio:6.1f}×   {f.target}"
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--priorities", type=int, default=20)
    parser.add_argument("--actions", type=int, default=25, help="key actions per priority")
    parser.add_argument("--subs", type=int, default=4, help="sub-actions per key action")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-exports", action="store_true", help="leave out the export figures")
    parser.add_argument("--export-plans", type=int, default=50, help="plans of 400 actions to export")
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        import_partnerships()
        import_indicators()
        with tempfile.TemporaryDirectory() as folder:
            big_path = write_plan(Path(folder), big_plan(args.priorities, args.actions, args.subs))
            print(f"database: {connection.vendor}")
            print(f"machine speed before: {machine_speed():.0f} ms for a fixed loop (lower is faster)")
            print_figures(figures(args, big_path))
            if not args.no_exports:
                sys.path.insert(0, str(ROOT / "bench"))
                import export  # bench/export.py

                rows, actions, _ = export.export_figures(args.export_plans, max(1, args.repeat // 2))
                print(f"exports ({actions:,} actions):")
                export.print_figures(rows)
            print(f"machine speed after: {machine_speed():.0f} ms for a fixed loop")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
