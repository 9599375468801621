"""Free-text search over actions: codes, titles, descriptions, progress narratives and owners'
initials and names, as words (PostgreSQL full-text search under a GIN index; a GLOB on SQLite),
with the same results on both databases for the seed plans."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from actionplan.importers.yaml_plan import import_plan_file
from actionplan.models import Action, Owner
from actionplan.querysets import owners_of
from tests import search_parity
from tests.helpers import ROOT, cqc_data, import_cqc_plan, write_plan

pytestmark = pytest.mark.django_db

URL = "/actions/"


def found(text, plan=None):
    actions = Action.objects.matching(text)
    return set((actions.filter(plan=plan) if plan else actions).values_list("code", flat=True))


def test_an_owner_s_name_finds_every_action_they_own_including_sub_actions_that_inherit(db):
    plan = import_cqc_plan()
    kt = Owner.objects.get(code="KT")
    kts = {
        action.code
        for action in plan.actions.select_related("parent")
        if kt in owners_of(action, "accountable") + owners_of(action, "responsible")
    }
    assert kts
    assert kts <= found("Kate Terroni", plan)
    assert kts <= found("terroni", plan)
    # "kt" also starts no other word in the plan: the initials find exactly KT's actions.
    assert found("kt", plan) == found("KT", plan) == kts


def test_every_word_must_match_somewhere_and_words_match_from_their_start(db):
    plan = import_cqc_plan()
    frailty = found("frailty", plan)
    assert frailty == found("FRAIL", plan)
    assert found("railty", plan) == set()  # inside a word is not the start of one
    assert found("frailty nobody-says-this", plan) == set()
    for action in Action.objects.filter(plan=plan, code__in=frailty):
        text = " ".join(
            [action.title, action.description, *action.progress_updates.values_list("narrative", flat=True)]
        )
        assert "frail" in text.lower()


def test_the_search_stays_right_after_an_import_writes_in_bulk(db, tmp_path):
    import_cqc_plan()
    assert found("zeppelin") == set()
    data = cqc_data()
    a1 = data["priorities"][0]["actions"][0]
    assert a1["code"] == "A1"
    a1["title"] = "Agree the zeppelin strategy"
    a1["progress"] = "Hangar booked"
    import_plan_file(write_plan(tmp_path, data))  # bulk_update of the title, a new imported update
    assert found("zeppelin") == {"A1"}
    assert found("hangar") == {"A1"}


def test_the_action_list_s_search_box_uses_it(admin_client, db):
    plan = import_cqc_plan()
    response = admin_client.get(URL, {"plan": plan.slug, "q": "Kate Terroni"})
    shown = {a.code for a in response.context["page"].object_list}
    assert response.context["page"].paginator.count == len(found("Kate Terroni", plan)) > 0
    assert shown <= found("Kate Terroni", plan)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN indexes are PostgreSQL's")
def test_each_search_document_has_a_gin_index_on_postgresql(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE indexname LIKE '%%_search_gin'")
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"actionplan_action", "actionplan_owner", "actionplan_progressupdate"}
    assert all("USING gin (search_document)" in definition for definition in indexes.values())


def test_postgresql_and_sqlite_find_the_same_number_of_actions_for_the_seed_plans(db, tmp_path):
    if connection.vendor != "postgresql":
        from tests.conftest import service_missing

        service_missing("this compares PostgreSQL (the suite's database) with SQLite: set DATABASE_URL")
    search_parity.load_seed_plans()
    here = search_parity.search_counts()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "CI")}
    result = subprocess.run(
        [sys.executable, "-m", "tests.search_parity", str(tmp_path / "search.sqlite3")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    sqlite = json.loads(result.stdout.strip().splitlines()[-1])
    assert sqlite["vendor"] == "sqlite"
    assert sqlite["counts"] == here
    # The searches find something (other than the one meant to find nothing): the comparison means something.
    assert [text for text, count in here.items() if not count] == ["nobody-says-this"]
    assert here["Kate Terroni"] == here["kt"] > 0
