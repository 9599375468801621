from django.core.management.base import BaseCommand, CommandError

from indicators.importers import IndicatorFileError
from indicators.importers.yaml_file import import_indicator_files


class Command(BaseCommand):
    help = (
        "Import indicator files (performance reports, key statistics; YAML or JSON). Every file is "
        "checked before anything is written; any error in any file changes nothing. Re-importing updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, **options):
        paths = options["paths"]
        try:
            reports = import_indicator_files(paths)
        except IndicatorFileError as error:
            raise CommandError("\n".join(error.errors) + "\nNothing was imported.") from None
        for path, report in zip(paths, reports, strict=True):
            self.stdout.write(self.style.SUCCESS(f"Imported {path}: {report}"))
