"""How long board papers take to make, and how fast a past meeting's pictures are once published.

    make bench                      # against a throwaway PostgreSQL
    .venv/bin/python bench/papers.py [--plans 50 --repeat 5]

1. The seed system (boards, indicators, outcome ratings, the CQC plan): each of the HWB's papers
   for 21 March 2019 (the CQC plan's paper then has 80 exceptions) made as data, PDF and Word.
2. The dashboard's 20,000-action system (bench/dashboard.py's), every plan assured by one board
   with a meeting on 1 January 2019: the dashboard and the board report today, as at the meeting
   worked out from the progress updates, and as at the meeting once its papers are published
   (read from their snapshots), side by side.
"""

import argparse
import datetime
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from actionplan import papers, pdf, word  # noqa: E402
from actionplan.models import Action, MeetingPaper, Plan  # noqa: E402
from bench.dashboard import machine_speed, measure  # noqa: E402
from partnerships.models import Meeting, Partnership  # noqa: E402
from tests.helpers import build_system, import_cqc_plan  # noqa: E402
from tests.indicator_helpers import import_outcome_assurance  # noqa: E402


def timed(repeat, work):
    work()  # warm up (fonts, templates)
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def page_count(content):
    """The PDF's pages, by poppler's pdfinfo where it is installed."""
    if not shutil.which("pdfinfo"):
        return "?"
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:"))


def paper_figures(repeat):
    import_outcome_assurance()
    plan = import_cqc_plan()
    meeting = Meeting.objects.get(partnership__slug="hwb", date=datetime.date(2019, 3, 21))
    print(f"{'paper (HWB, 21 March 2019)':42} {'data s':>7} {'PDF s':>7} {'Word s':>7} {'pages':>6}")
    for kind, label in [
        ("plan_progress", "CQC plan progress paper (80 exceptions)"),
        ("exceptions", "board exception report"),
        ("performance", "quarterly performance report"),
    ]:
        which = plan if kind == "plan_progress" else None
        data_s, data = timed(repeat, lambda kind=kind, which=which: papers.build(meeting, kind, which))
        pdf_s, content = timed(repeat, lambda data=data: pdf.paper_pdf(data, "draft"))
        word_s, _ = timed(repeat, lambda data=data: word.paper_docx(data, "draft"))
        print(f"{label:42} {data_s:7.2f} {pdf_s:7.2f} {word_s:7.2f} {page_count(content):>6}")


def snapshot_figures(client, plans, repeat):
    board = Partnership.objects.create(slug="bench-board", name="Bench board")
    Plan.objects.filter(pk__in=[p.pk for p in plans]).update(board=board)
    on = datetime.date(2019, 1, 1)
    meeting = Meeting.objects.create(partnership=board, date=on)
    Meeting.objects.create(partnership=board, date=datetime.date(2018, 10, 1))
    slug = plans[0].slug
    urls = {
        "dashboard": f"/?plan={slug}&as_at={{}}",
        "board report": f"/plans/{slug}/report/?meeting={{}}",
    }
    today = timezone.localdate().isoformat()
    before = {name: measure(client, url.format(on.isoformat()), repeat) for name, url in urls.items()}
    chosen = plans[0]
    start = time.perf_counter()
    papers.publish(
        papers.generate(meeting, "plan_progress", chosen, None), get_user_model().objects.get(username="bench")
    )
    made = time.perf_counter() - start
    for plan in plans[1:]:  # the others' snapshots, without making their files
        paper = MeetingPaper.objects.create(
            meeting=meeting, kind="plan_progress", plan=plan, data={}, generated_at=timezone.now(), status="published"
        )
        papers._freeze_pictures(paper, plan, on)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    actions = chosen.actions.count()
    print(f"one plan's paper made (data, snapshot) and published (PDF, Word): {made:.1f} s, {actions} actions")
    print(
        f"{'page':14} {'today ms':>9} {'as at, worked out':>18} {'as at, from snapshot':>21}   queries (today/out/snap)"
    )
    for name, url in urls.items():
        now = measure(client, url.format(today) if name == "dashboard" else f"/plans/{slug}/report/", repeat)
        after = measure(client, url.format(on.isoformat()), repeat)
        print(
            f"{name:14} {now[0]:9.0f} {before[name][0]:18.0f} {after[0]:21.0f}   "
            f"{now[-1]}/{before[name][-1]}/{after[-1]}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        print(f"database: {connection.vendor}")
        print(f"machine speed before: {machine_speed():.0f} ms for a fixed loop (lower is faster)")
        paper_figures(args.repeat)
        client = Client()
        client.force_login(get_user_model().objects.create_superuser("bench", password=None))
        start = time.perf_counter()
        plans = build_system(plans=args.plans, priorities=8, key_actions=10, subs=4, updates_per_action=10, people=500)
        print(
            f"system: {Action.objects.filter(plan__in=plans).count():,} actions in {args.plans} plans "
            f"(built in {time.perf_counter() - start:.0f} s)"
        )
        snapshot_figures(client, plans, args.repeat)
        print(f"machine speed after: {machine_speed():.0f} ms for a fixed loop")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
