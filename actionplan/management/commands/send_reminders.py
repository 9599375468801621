from typing import Any

from actionplan.management.commands._jobs import JobCommand
from actionplan.reminders import send_reminders


class Command(JobCommand):
    help = "E-mail each owner one digest of their actions due in 30/7/1 days, overdue or without recent updates."

    def handle(self, **options: Any) -> None:
        on = self.today(options)
        report = send_reminders(on, dry_run=options["dry_run"])
        if options["dry_run"]:
            for owner, reminders in report.sent:
                codes = ", ".join(f"{r.action.code} ({r.label})" for r in reminders)
                self.stdout.write(f"Would e-mail {owner.code} <{', '.join(owner.email_addresses())}>: {codes}")
        self.stdout.write(f"As at {on:%d %B %Y}: {'(dry run) ' if options['dry_run'] else ''}{report}")
