from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from indicators.importers import IndicatorFileError
from indicators.importers.yaml_file import validate_indicator_file


class Command(BaseCommand):
    help = (
        "Import indicator files (performance reports, key statistics; YAML or JSON). Every file is "
        "checked before anything is written; any error in any file changes nothing. Re-importing updates in place."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, **options: Any) -> None:
        savers, errors = [], []
        for path in options["paths"]:
            try:
                savers.append((path, validate_indicator_file(path)))
            except IndicatorFileError as error:
                errors.extend(error.errors)
        if errors:
            raise CommandError("\n".join(errors) + "\nNothing was imported.")
        try:
            with transaction.atomic():
                reports = [(path, save()) for path, save in savers]
        except IndicatorFileError as error:
            # A file naming what another holds (outcome ratings name the report's outcomes) is only
            # checked against the database as it is saved; the transaction undoes the rest.
            raise CommandError("\n".join(error.errors) + "\nNothing was imported.") from None
        for path, report in reports:
            self.stdout.write(self.style.SUCCESS(f"Imported {path}: {report}"))
