from django.core.management.base import BaseCommand, CommandError

from partnerships.importers import PartnershipFileError, import_partnerships_files


class Command(BaseCommand):
    help = (
        "Import partnerships files (YAML or JSON): boards, their hierarchy and meetings, and the JHWS priorities. "
        "Every file is checked before anything is written; any error in any file changes nothing. "
        "Re-importing updates in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, **options):
        paths = options["paths"]
        try:
            reports = import_partnerships_files(paths)
        except PartnershipFileError as error:
            raise CommandError("\n".join(error.errors) + "\nNothing was imported.") from None
        for path, report in zip(paths, reports, strict=True):
            self.stdout.write(self.style.SUCCESS(f"Imported {path}: {report}"))
