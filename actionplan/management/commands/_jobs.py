"""What the job commands share: --today and --dry-run."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


def parse_day(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--today must be a date as YYYY-MM-DD, not {text!r}.") from None


class JobCommand(BaseCommand):
    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Run as on this day (YYYY-MM-DD) instead of today.")
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen; change and send nothing.")

    def today(self, options: dict[str, Any]) -> datetime.date:
        """'Today' is read once, here at the edge; the rules are given it."""
        return parse_day(options["today"]) if options["today"] else timezone.localdate()
