"""Small builders shared by the tests."""

import copy
from pathlib import Path

import yaml

from actionplan.importers.yaml_plan import import_plan_file

ROOT = Path(__file__).resolve().parent.parent
CQC_FIXTURE = ROOT / "fixtures" / "plans" / "cqc-local-system-review-2018.yaml"
CQC_SLUG = "cqc-local-system-review-2018"


PARTNERSHIPS_FIXTURE = ROOT / "fixtures" / "partnerships.yaml"


def import_partnerships():
    """The boards, which the CQC plan names as its assurer (assured_by: hwb)."""
    from partnerships.importers import import_partnerships_file
    from partnerships.models import Partnership

    if not Partnership.objects.filter(slug="hwb").exists():
        import_partnerships_file(PARTNERSHIPS_FIXTURE)


def import_cqc_plan():
    import_partnerships()
    return import_plan_file(CQC_FIXTURE).plan


def give_role(user, plan, role):
    from actionplan.models import PlanMembership

    PlanMembership.objects.update_or_create(plan=plan, user=user, defaults={"role": role})
    return user


def cqc_data():
    return yaml.safe_load(CQC_FIXTURE.read_text(encoding="utf-8"))


def write_plan(tmp_path, data, name="plan.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def minimal_plan(**plan_attrs):
    """A small valid plan file structure, edited by tests to make one thing wrong."""
    return {
        "format": 1,
        "plan": {"slug": "small-plan", "title": "Small plan", "reporting_date": "2018-03-22", **plan_attrs},
        "organisations": [{"code": "OCC", "name": "Oxfordshire County Council"}],
        "people": [
            {"initials": "KT", "name": "Kate Terroni", "role": "Director for Adult Services", "organisation": "OCC"},
            {"initials": "DHa", "name": "Dominic Hardisty", "role": "Chief Operating Officer"},
            {"initials": "DHe", "name": "Diane Hedges", "role": "Deputy Chief Executive Officer"},
        ],
        "groups": [{"name": "Chief Executives"}],
        "priorities": [
            {
                "code": "A",
                "text": "System leaders must improve how they work together.",
                "actions": [
                    {
                        "code": "A1",
                        "title": "Agree the refreshed vision",
                        "accountable": ["Chief Executives"],
                        "responsible": ["KT", "DHa"],
                        "completion_date": "31/05/18",
                        "progress": "Paper in development.",
                        "sub_actions": [
                            {"code": "i", "title": "Review the board"},
                            {"code": "ii", "title": "Redesign the boards", "responsible": ["DHe"],
                             "completion_date": "May 2019"},
                        ],
                    },
                    {"code": "A2", "title": "Review the strategy", "accountable": [], "responsible": ["KT"],
                     "completion_date": "TBC subject to completion of review"},
                ],
            }
        ],
    }


def big_plan(priorities, actions_per_priority, subs_per_action):
    """The small plan scaled up: many priorities, actions, sub-actions, owners and progress."""
    data = minimal_plan(slug="big-plan", title="Big plan")
    template = data["priorities"][0]
    data["priorities"] = []
    for p in range(priorities):
        priority = copy.deepcopy(template)
        priority["code"] = f"P{p}"
        priority["actions"] = []
        for a in range(actions_per_priority):
            action = copy.deepcopy(template["actions"][0])
            action["code"] = f"P{p}A{a}"
            action["completion_date"] = "22/03/18 (draft for HWB) May 2018 (final)"
            action["sub_actions"] = [
                {"code": f"s{s}", "title": f"Sub-action {s}", "responsible": ["DHe"], "completion_date": "May 2019",
                 "progress": f"Sub-action {s} progress"}
                for s in range(subs_per_action)
            ]
            priority["actions"].append(action)
        data["priorities"].append(priority)
    return data
