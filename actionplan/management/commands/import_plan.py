from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from actionplan.importers import PlanFileError, import_plan_file


class Command(BaseCommand):
    help = (
        "Import a plan file (YAML, JSON) or the spreadsheet template (XLSX, CSV). Re-importing updates in place; "
        "a file with any error changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, **options: Any) -> None:
        for path in options["paths"]:
            try:
                report = import_plan_file(path)
            except PlanFileError as error:
                raise CommandError(f"{error}\nNothing was imported from {path}.") from None
            self.stdout.write(self.style.SUCCESS(f"Imported {path}: {report}"))
