from typing import Any

from django.db import transaction

from actionplan.management.commands._jobs import JobCommand
from actionplan.models import KeptSummary


class Command(JobCommand):
    help = (
        "Count every strategic priority's RAG summary for today, which the dashboards read: a new day "
        "moves actions into due soon, overdue and stale."
    )

    def handle(self, **options: Any) -> None:
        on = self.today(options)
        if options["dry_run"]:
            with transaction.atomic():
                counted = KeptSummary.objects.keep(on)
                transaction.set_rollback(True)
        else:
            # A few plans per transaction (keep()), so officers' updates never wait for the whole run.
            counted = KeptSummary.objects.keep(on)
        would = "would be " if options["dry_run"] else ""
        self.stdout.write(f"As at {on:%d %B %Y}: {counted} priority summaries {would}kept.")
