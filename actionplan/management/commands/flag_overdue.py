from typing import Any

from django.db import transaction
from django.utils import timezone

from actionplan.management.commands._jobs import JobCommand
from actionplan.models import OverdueFlag


class Command(JobCommand):
    help = "Flag the actions that became overdue and clear the flags of those that no longer are."

    def handle(self, **options: Any) -> None:
        on = self.today(options)
        with transaction.atomic():
            flagged, cleared = OverdueFlag.objects.refresh(on, timezone.now())
            if options["dry_run"]:
                transaction.set_rollback(True)
        would = "would be " if options["dry_run"] else ""
        self.stdout.write(
            f"As at {on:%d %B %Y}: {flagged} action(s) {would}flagged overdue, {cleared} flag(s) {would}cleared."
        )
