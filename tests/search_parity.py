"""The free-text search's result counts for the seed plans, on whichever database Django is set up
with. test_action_search.py computes them in the suite (PostgreSQL) and runs this module in a
subprocess on a new SQLite file (`python -m tests.search_parity DATABASE_FILE`), and compares.

Searches as people type them: owners by name and initials in any case, words in any case,
several words, a code, a year, words that sit next to punctuation in the papers.
"""

import json
import os
import sys
from pathlib import Path

SEARCHES = [
    "Kate Terroni",
    "kate",
    "kt",
    "KT",
    "Terroni",
    "Chief Executives",
    "dha",
    "Dominic Hardisty",
    "discharge",
    "frailty",
    "Hospital Discharge",
    "housing",
    "HWB",
    "health inequalities",
    "co-production",
    "A1",
    "G2 vi",
    "2018",
    "work",
    "workforce recruitment",
    "(draft",
    "nobody-says-this",
]


def load_seed_plans():
    """The partnerships, indicators and plans `make run` loads (without the demo users)."""
    from actionplan.importers.yaml_plan import import_plan_file
    from indicators.importers.yaml_file import import_indicator_file
    from partnerships.importers import import_partnerships_file

    fixtures = Path(__file__).resolve().parent.parent / "fixtures"
    import_partnerships_file(fixtures / "partnerships.yaml")
    for path in sorted((fixtures / "indicators").glob("*.yaml")):
        import_indicator_file(path)
    for path in sorted((fixtures / "plans").glob("*.yaml")):
        import_plan_file(path)


def search_counts():
    """{search: how many actions it finds}."""
    from actionplan.models import Action

    return {text: Action.objects.matching(text).count() for text in SEARCHES}


def main(database_file):
    os.environ["DATABASE_URL"] = f"sqlite:///{database_file}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    load_seed_plans()
    from django.db import connection

    print(json.dumps({"vendor": connection.vendor, "counts": search_counts()}))


if __name__ == "__main__":
    main(sys.argv[1])
