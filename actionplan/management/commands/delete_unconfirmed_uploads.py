from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from actionplan import uploads


class Command(BaseCommand):
    help = "Delete plan uploads that were never confirmed (untouched for a day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say how many there are; delete nothing.")

    def handle(self, **options: Any) -> None:
        count = uploads.sweep(dry_run=options["dry_run"])
        self.stdout.write(f"{count} unconfirmed upload(s) {'would be ' if options['dry_run'] else ''}deleted.")
