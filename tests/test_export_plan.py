import json
from operator import itemgetter

import pytest
from django.core.management import call_command

from actionplan.exporters import plan_to_dict
from actionplan.importers.yaml_plan import import_plan_file
from actionplan.models import Owner, Plan
from partnerships.models import Organisation
from tests.helpers import CQC_SLUG, cqc_data, import_cqc_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def boards(db):
    """The CQC plan file names its assuring board (assured_by: hwb) and the indicators its actions move."""
    from tests.helpers import import_indicators, import_partnerships

    import_partnerships()
    import_indicators()


def _clean(value, key=None):
    if isinstance(value, dict):
        out = {k: _clean(v, k) for k, v in value.items()}
        # Optional values may be written empty or left out; owner and date keys are always written.
        return {k: v for k, v in out.items() if v not in ("", [], None) or k in _ALWAYS}
    if isinstance(value, list):
        items = [_clean(v) for v in value]
        return sorted(items) if key in ("accountable", "responsible") else items
    if isinstance(value, str):
        return value.strip()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


_ALWAYS = {"accountable", "responsible", "completion_date"}


def normalised(data):
    """The plan-file structure with what a file may write either way made equal: owner lists are
    unordered, people and organisations are in any order, and empty optional values may be left out."""
    data = _clean(data)
    for key, sort_key in (("organisations", "code"), ("people", "initials"), ("groups", "name")):
        data[key] = sorted(data.get(key, []), key=itemgetter(sort_key))
    return data


def test_the_json_export_imports_back_to_the_same_plan(tmp_path):
    plan = import_cqc_plan()
    path = tmp_path / "cqc.json"
    call_command("export_plan", CQC_SLUG, "--format", "json", "--output", str(path))
    exported = json.loads(path.read_text(encoding="utf-8"))

    # Into an empty database: the plan, its owners and its organisations are rebuilt from the export.
    plan.delete()
    Owner.objects.all().delete()
    Organisation.objects.all().delete()
    reimported = import_plan_file(path).plan
    assert reimported.actions.count() == 80
    assert plan_to_dict(reimported) == exported


def test_the_export_says_what_the_hand_written_fixture_says():
    plan = import_cqc_plan()
    assert normalised(plan_to_dict(plan)) == normalised(cqc_data())


def test_yaml_export_to_standard_output(capsys):
    import_cqc_plan()
    call_command("export_plan", CQC_SLUG, "--format", "yaml")
    out = capsys.readouterr().out
    assert out.startswith("format: 1\nplan:\n  slug: cqc-local-system-review-2018")
    assert Plan.objects.count() == 1
