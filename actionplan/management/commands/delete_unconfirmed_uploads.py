from django.core.management.base import BaseCommand

from actionplan import uploads


class Command(BaseCommand):
    help = "Delete plan uploads that were never confirmed (untouched for a day)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say how many there are; delete nothing.")

    def handle(self, **options):
        count = uploads.sweep(dry_run=options["dry_run"])
        self.stdout.write(f"{count} unconfirmed upload(s) {'would be ' if options['dry_run'] else ''}deleted.")
