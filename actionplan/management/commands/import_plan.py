from django.core.management.base import BaseCommand, CommandError

from actionplan.importers import PlanFileError, import_plan_files


class Command(BaseCommand):
    help = (
        "Import plan files (YAML, JSON) or the spreadsheet template (XLSX, CSV). Every file is checked before "
        "anything is written; any error in any file changes nothing. Re-importing updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, **options):
        paths = options["paths"]
        try:
            reports = import_plan_files(paths)
        except PlanFileError as error:
            raise CommandError("\n".join(error.errors) + "\nNothing was imported.") from None
        for path, report in zip(paths, reports, strict=True):
            self.stdout.write(self.style.SUCCESS(f"Imported {path}: {report}"))
