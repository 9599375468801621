from typing import Any

from django.utils import timezone

from actionplan.management.commands._jobs import JobCommand
from actionplan.reminders import send_board_digests


class Command(JobCommand):
    help = "E-mail each plan's admins the changes since the last digest."

    def handle(self, **options: Any) -> None:
        on = self.today(options)
        report = send_board_digests(on, timezone.now(), dry_run=options["dry_run"])
        if options["dry_run"]:
            for plan, changes in report.sent:
                self.stdout.write(
                    f"Would e-mail the admins of {plan.slug}: {len(changes.updates)} update(s), "
                    f"{len(changes.newly_overdue)} newly overdue, {len(changes.no_longer_overdue)} no longer overdue"
                )
        self.stdout.write(f"As at {on:%d %B %Y}: {'(dry run) ' if options['dry_run'] else ''}{report}")
