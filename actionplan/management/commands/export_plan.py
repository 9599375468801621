from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from actionplan.exporters import dump_plan
from actionplan.models import Plan


class Command(BaseCommand):
    help = (
        "Write a plan back as a plan file (JSON, YAML) or the spreadsheet template (XLSX, CSV), as import_plan reads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", choices=["json", "yaml", "xlsx", "csv"], default="json")
        parser.add_argument("--output", "-o", help="File to write (default: standard output; required for xlsx).")

    def handle(self, slug: str, **options: Any) -> None:
        plan = Plan.objects.filter(slug=slug).first()
        if plan is None:
            raise CommandError(
                f"No plan with slug {slug!r}. Plans: {', '.join(Plan.objects.values_list('slug', flat=True)) or 'none'}"
            )
        if options["format"] == "xlsx" and not options["output"]:
            raise CommandError("An XLSX workbook is binary: name the file to write with --output.")
        content = dump_plan(plan, options["format"])
        if options["output"] and isinstance(content, bytes):
            with open(options["output"], "wb") as binary:
                binary.write(content)
        elif options["output"]:
            # newline="": the csv module has already written the CSV's own line endings.
            with open(options["output"], "w", encoding="utf-8", newline="") as text:
                text.write(content)
        else:
            self.stdout.write(content, ending="")
