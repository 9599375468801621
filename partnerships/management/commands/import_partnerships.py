from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partnerships.importers import PartnershipFileError, import_partnerships_file


class Command(BaseCommand):
    help = (
        "Import a partnerships file (YAML): boards, their hierarchy and meetings, and the JHWS priorities. "
        "Re-importing updates in place; a file with any error changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", metavar="PATH")

    def handle(self, **options: Any) -> None:
        path = options["path"]
        try:
            report = import_partnerships_file(path)
        except PartnershipFileError as error:
            raise CommandError(f"{error}\nNothing was imported from {path}.") from None
        self.stdout.write(self.style.SUCCESS(f"Imported {path}: {report}"))
