from django.core.management.base import BaseCommand, CommandError

from actionplan.exporters import dump_plan
from actionplan.models import Plan


class Command(BaseCommand):
    help = "Write a plan back as a plan file, in the format import_plan reads."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--format", choices=["json", "yaml"], default="json")
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, slug, **options):
        plan = Plan.objects.filter(slug=slug).first()
        if plan is None:
            raise CommandError(f"No plan with slug {slug!r}. Plans: {', '.join(Plan.objects.values_list('slug', flat=True)) or 'none'}")
        text = dump_plan(plan, options["format"])
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(text)
        else:
            self.stdout.write(text, ending="")
