"""The contract every import command keeps, proved once for each of the three: plans
(import_plan), boards (import_partnerships) and indicators (import_indicators).

A misspelt key is refused with the nearest valid one suggested; a date that cannot exist, and a
code given twice, are named by file, item and field; three bad items are all reported at once and
nothing is written; the files of one command are imported all together or not at all; importing
the same files again writes nothing at all.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import CQC_FIXTURE, PARTNERSHIPS_FIXTURE, import_indicators, import_partnerships
from tests.indicator_helpers import REPORT_FIXTURE, find_indicator

pytestmark = pytest.mark.django_db


def board(data, slug):
    return next(b for b in data["partnerships"] if b["slug"] == slug)


def action(data, priority, index):
    return data["priorities"][priority]["actions"][index]


def rename(mapping, old, new):
    mapping[new] = mapping.pop(old)


@dataclass
class Importer:
    command: str
    fixture: Path
    needs: Callable[[], None]  # what the file names that another file holds
    misspell: Callable[[dict], str]  # makes a key misspelt; returns the expected error
    bad_date: Callable[[dict], str]
    duplicate: Callable[[dict], str]
    three_bad: Callable[[dict], list[str]]  # the three items named, in order
    edit: Callable[[dict], None]  # a good change


def _plan_three_bad(data):
    action(data, 0, 0)["accountable"] = ["XX"]
    action(data, 4, 1)["completion_date"] = "31/02/18"
    action(data, 14, 2)["rag"] = "Purple"
    return ["action A1, field 'accountable'", "action E2, field 'completion_date'", "action O3, field 'rag'"]


def _boards_three_bad(data):
    board(data, "hwb")["statutory"] = "yes"
    board(data, "childrens-trust")["website"] = "not a web address"
    board(data, "adults-jmg")["parent"] = "nowhere"
    return [
        "partnership 'hwb', field 'statutory'",
        "partnership 'childrens-trust', field 'website'",
        "partnership 'adults-jmg', field 'parent'",
    ]


def _indicators_three_bad(data):
    for number in (1, 12, 40):
        find_indicator(data, number)["q2_rag"] = "Purple"
    return ["indicator 1, field 'q2_rag'", "indicator 12, field 'q2_rag'", "indicator 40, field 'q2_rag'"]


def _dup_action(data):
    action(data, 0, 1)["code"] = "A1"
    return "action A1, field 'code': duplicate code 'A1'"


def _dup_board(data):
    board(data, "childrens-trust")["slug"] = "hwb"
    return "partnership 'hwb', field 'slug': duplicate slug 'hwb'"


def _dup_indicator(data):
    find_indicator(data, 2)["number"] = 1
    return "indicator 1, field 'number': duplicate number 1"


IMPORTERS = {
    "plans": Importer(
        command="import_plan",
        fixture=CQC_FIXTURE,
        needs=lambda: (import_partnerships(), import_indicators()),
        misspell=lambda data: (
            rename(action(data, 0, 0), "responsible", "resposible"),
            "action A1, field 'resposible': unknown field (did you mean 'responsible'?)",
        )[1],
        bad_date=lambda data: (
            data["plan"].update(review_date="2017-11-31"),
            "plan, field 'review_date': '2017-11-31' is not a date written as YYYY-MM-DD",
        )[1],
        duplicate=_dup_action,
        three_bad=_plan_three_bad,
        edit=lambda data: action(data, 0, 0).update(title="Agree the refreshed vision (edited)"),
    ),
    "partnerships": Importer(
        command="import_partnerships",
        fixture=PARTNERSHIPS_FIXTURE,
        needs=lambda: None,
        misspell=lambda data: (
            rename(board(data, "hwb"), "vice_chair", "vice_chiar"),
            "partnership 'hwb', field 'vice_chiar': unknown field (did you mean 'vice_chair'?)",
        )[1],
        bad_date=lambda data: (
            board(data, "hwb")["meetings"].append({"date": "2018-02-30"}),
            f"partnership 'hwb' meetings[{len(board(data, 'hwb')['meetings']) - 1}], field 'date': "
            "'2018-02-30' is not a date written as YYYY-MM-DD",
        )[1],
        duplicate=_dup_board,
        three_bad=_boards_three_bad,
        edit=lambda data: board(data, "hwb").update(vice_chair="Someone else"),
    ),
    "indicators": Importer(
        command="import_indicators",
        fixture=REPORT_FIXTURE,
        needs=lambda: None,
        misspell=lambda data: (
            rename(find_indicator(data, 1), "target", "targte"),
            "indicator 1, field 'targte': unknown field (did you mean 'target'?)",
        )[1],
        bad_date=lambda data: (
            data["report"].update(date="2017-12-32"),
            "report, field 'date': '2017-12-32' is not a date written as YYYY-MM-DD",
        )[1],
        duplicate=_dup_indicator,
        three_bad=_indicators_three_bad,
        edit=lambda data: find_indicator(data, 1).update(text="Maintain user satisfaction (edited)"),
    ),
}


@pytest.fixture(params=sorted(IMPORTERS))
def importer(request):
    importer = IMPORTERS[request.param]
    importer.needs()
    return importer


def data_of(importer):
    return yaml.safe_load(importer.fixture.read_text(encoding="utf-8"))


def write(tmp_path, data, name):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def run(importer, *paths):
    call_command(importer.command, *[str(p) for p in paths])


def refused(importer, *paths):
    """Run the command on files that must be refused: the errors, and proof nothing changed."""
    before = snapshot()
    with pytest.raises(CommandError) as caught:
        run(importer, *paths)
    lines = str(caught.value).split("\n")
    assert lines[-1] == "Nothing was imported."
    assert snapshot() == before
    return lines[:-1]


def snapshot():
    """How many rows every table of the three apps holds, history included: any write changes it."""
    return {
        model._meta.label: model._default_manager.count()
        for name in ("actionplan", "partnerships", "indicators")
        for model in apps.get_app_config(name).get_models()
    }


def test_a_misspelt_key_is_refused_with_the_nearest_valid_key(importer, tmp_path):
    data = data_of(importer)
    expected = importer.misspell(data)
    path = write(tmp_path, data, "misspelt.yaml")
    assert refused(importer, path) == [f"{path}: {expected}"]


def test_a_date_that_cannot_exist_is_named_by_item_and_field(importer, tmp_path):
    data = data_of(importer)
    expected = importer.bad_date(data)
    path = write(tmp_path, data, "bad-date.yaml")
    assert refused(importer, path) == [f"{path}: {expected}"]


def test_a_code_given_twice_is_refused(importer, tmp_path):
    data = data_of(importer)
    expected = importer.duplicate(data)
    path = write(tmp_path, data, "duplicate.yaml")
    assert f"{path}: {expected}" in refused(importer, path)


def test_three_bad_items_are_reported_at_once_and_nothing_is_written(importer, tmp_path):
    run(importer, importer.fixture)
    data = data_of(importer)
    importer.edit(data)  # a good change beside the bad ones: not written either
    places = importer.three_bad(data)
    path = write(tmp_path, data, "three-bad.yaml")
    errors = refused(importer, path)
    assert len(errors) == 3
    for error, place in zip(errors, places, strict=True):
        assert error.startswith(f"{path}: {place}: ")


def test_the_files_of_one_command_are_imported_all_together_or_not_at_all(importer, tmp_path):
    good = data_of(importer)
    importer.edit(good)
    bad = data_of(importer)
    importer.duplicate(bad)
    errors = refused(importer, write(tmp_path, good, "good.yaml"), write(tmp_path, bad, "bad.yaml"))
    assert errors and all(e.startswith(f"{tmp_path / 'bad.yaml'}: ") for e in errors)


def test_importing_the_same_files_again_writes_nothing_at_all(importer):
    run(importer, importer.fixture)
    with CaptureQueriesContext(connection) as queries:
        run(importer, importer.fixture)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    assert len(queries.captured_queries) < 40  # and reads the database in a few queries, whatever its size
