"""The import commands' one shape: files in, every problem or every report out."""

from collections.abc import Callable, Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from config.importing.problems import ImportFileError


class ImportCommand(BaseCommand):
    """`manage.py import_… PATH [PATH …]`: every file checked before anything is written, and any
    problem in any file changes nothing. A command says what it imports in `import_files`."""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")

    # paths -> one report per file, e.g. staticmethod(import_plan_files)
    import_files: Callable[[Sequence[str]], Sequence[Any]]

    def handle(self, *args: Any, **options: Any) -> None:
        paths = options["paths"]
        try:
            reports = self.import_files(paths)
        except ImportFileError as error:
            raise CommandError("\n".join(error.errors) + "\nNothing was imported.") from None
        for path, report in zip(paths, reports, strict=True):
            self.stdout.write(self.style.SUCCESS(f"Imported {path}: {report}"))
