from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from indicators.importers import IndicatorFileError
from indicators.importers.values_table import import_values_file


class Command(BaseCommand):
    help = (
        "Import indicator values from a CSV or XLSX file (columns: indicator, period, actual, actual_text, "
        "rag, outlook, note). Every row is checked first; any bad row changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH")
        parser.add_argument("--user", metavar="USERNAME", help="Record the values as entered by this user.")

    def handle(self, **options: Any) -> None:
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: options["user"]}).first()
            if user is None:
                raise CommandError(f"No user {options['user']!r}. Nothing was imported.")
        try:
            report = import_values_file(options["path"], entered_by=user, entered_at=timezone.now())
        except IndicatorFileError as error:
            raise CommandError(f"{error}\nNothing was imported from {options['path']}.") from None
        self.stdout.write(self.style.SUCCESS(f"Imported {options['path']}: {report}"))
