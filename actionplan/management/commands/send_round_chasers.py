from typing import Any

from actionplan.management.commands._jobs import JobCommand
from actionplan.models import RoundNotification
from actionplan.rounds import send_round_chasers


class Command(JobCommand):
    help = (
        "Open the update rounds whose opening date has come, and send each round's request, reminder, "
        "deadline and (to accountable owners) still-missing e-mails due today, each once."
    )

    def handle(self, **options: Any) -> None:
        on = self.today(options)
        report = send_round_chasers(on, dry_run=options["dry_run"])
        if options["dry_run"]:
            for owner, chasers in report.sent:
                codes = ", ".join(f"{c.action.code} ({RoundNotification.Kind(c.kind).label})" for c in chasers)
                self.stdout.write(f"Would e-mail {owner.code} <{', '.join(owner.email_addresses())}>: {codes}")
        self.stdout.write(f"As at {on:%d %B %Y}: {'(dry run) ' if options['dry_run'] else ''}{report}")
