"""How fast an update round's page is on a large system, beside the dashboard's.

    make bench                      # against a throwaway PostgreSQL
    .venv/bin/python bench/rounds.py [--plans 50 --repeat 7]

Builds the same system as bench/dashboard.py (50 plans of 400 actions, 10 progress updates each,
500 people), assured by one board, and a round for that board's meeting over every plan, half of
which ask for sign-off, with some of the updates in the round's window signed off and some
returned. Then times the round page, the round's action list (awaiting update) and the dashboard,
as a superuser, and prints the query counts beside those of the same pages on an 80-action round.
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

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from actionplan.models import Action, Plan, ProgressUpdate, UpdateRound  # noqa: E402
from actionplan.rounds import open_round  # noqa: E402
from actionplan.status import ReturnSummary  # noqa: E402
from bench.dashboard import measure, print_figures  # noqa: E402
from partnerships.models import Meeting, Partnership  # noqa: E402
from tests.helpers import build_system  # noqa: E402

MEETING = datetime.date(2019, 1, 17)
OPENS = datetime.date(2018, 12, 6)


def a_round(plans, slug):
    """A board assuring `plans`, its meeting, and an open round for it; half the plans ask for
    sign-off, and of their updates in the window one in three is signed off, one in five returned."""
    board = Partnership.objects.create(slug=slug, name=f"Board {slug}")
    Plan.objects.filter(pk__in=[p.pk for p in plans]).update(board=board)
    Plan.objects.filter(pk__in=[p.pk for p in plans[::2]]).update(sign_off_required=True)
    meeting = Meeting.objects.create(partnership=board, date=MEETING)
    update_round = UpdateRound.objects.create(
        meeting=meeting, opens_on=OPENS, deadline=UpdateRound.default_deadline(MEETING)
    )
    update_round.plans.set(plans)
    open_round(update_round, timezone.now())
    in_window = ProgressUpdate.objects.filter(
        action__plan__in=plans, reported_on__gte=OPENS, reported_on__lte=MEETING
    ).order_by("pk")
    pks = list(in_window.values_list("pk", flat=True))
    now = timezone.now()
    ProgressUpdate.objects.filter(pk__in=pks[::3]).update(signed_off_at=now)
    ProgressUpdate.objects.filter(pk__in=pks[1::5]).update(returned_at=now, return_comment="More detail, please.")
    return update_round


def pages(update_round, slug):
    return {
        "round page": f"/rounds/{update_round.pk}/",
        "round's action list (awaiting update)": f"/actions/?round={update_round.pk}&return_status=awaiting_update",
        "dashboard": f"/?plan={slug}",
    }


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
        small_round = a_round(small, "small-board")
        small_figures = {
            name: measure(client, url, args.repeat) for name, url in pages(small_round, small[0].slug).items()
        }

        start = time.perf_counter()
        big = build_system(plans=args.plans, priorities=8, key_actions=10, subs=4, updates_per_action=10, people=500)
        big_round = a_round(big, "big-board")
        built = time.perf_counter() - start
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        summary = (
            Action.objects.in_round(big_round).with_return_status(big_round).order_by().tally_by_owner(ReturnSummary)
        )
        in_round = Action.objects.in_round(big_round).count()
        print(f"database: {connection.vendor}")
        print(
            f"system: {Action.objects.count():,} actions in {args.plans + 1} plans, "
            f"{ProgressUpdate.objects.count():,} progress updates; the round holds {in_round:,} actions "
            f"of {len(summary['responsible'])} responsible owners (built in {built:.0f} s)"
        )
        print_figures(client, pages(big_round, big[0].slug), small_figures, args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
