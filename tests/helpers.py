"""Small builders shared by the tests."""

import copy
import re
import socket
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


def import_indicators():
    """The success indicators, which CQC actions name as the ones they are meant to move."""
    from indicators.importers.yaml_file import import_indicator_file
    from indicators.models import Indicator

    if not Indicator.objects.filter(code="5").exists():
        import_indicator_file(ROOT / "fixtures" / "indicators" / "q2-2017-18-business-management.yaml")


def import_cqc_plan():
    import_partnerships()
    import_indicators()
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
                            {
                                "code": "ii",
                                "title": "Redesign the boards",
                                "responsible": ["DHe"],
                                "completion_date": "May 2019",
                            },
                        ],
                    },
                    {
                        "code": "A2",
                        "title": "Review the strategy",
                        "accountable": [],
                        "responsible": ["KT"],
                        "completion_date": "TBC subject to completion of review",
                    },
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
                {
                    "code": f"s{s}",
                    "title": f"Sub-action {s}",
                    "responsible": ["DHe"],
                    "completion_date": "May 2019",
                    "progress": f"Sub-action {s} progress",
                }
                for s in range(subs_per_action)
            ]
            priority["actions"].append(action)
        data["priorities"].append(priority)
    return data


def build_system(
    plans=2, priorities=2, key_actions=4, subs=4, updates_per_action=2, people=20, start=None, seed=1, prefix=""
):
    """A whole system of plans built in bulk (no history records), for scale tests and bench/.

    Each plan has `priorities` × `key_actions` key actions with `subs` sub-actions each; due dates
    spread over two years from `start`; every action has `updates_per_action` progress updates,
    some revising the date, some Complete; people spread over a few organisations.
    """
    import datetime
    import random

    from actionplan.models import Action, Owner, Plan, ProgressUpdate, StrategicPriority
    from actionplan.status import RAG
    from partnerships.models import Organisation

    rng = random.Random(seed)
    start = start or datetime.date(2018, 1, 1)
    orgs = Organisation.objects.bulk_create(
        Organisation(code=f"{prefix}ORG{i}", name=f"Organisation {prefix}{i}") for i in range(10)
    )
    owners = Owner.objects.bulk_create(
        Owner(
            kind=Owner.Kind.PERSON, code=f"{prefix}P{i}", name=f"Person {prefix}{i}", organisation=orgs[i % len(orgs)]
        )
        for i in range(people)
    )
    plan_objs = Plan.objects.bulk_create(
        Plan(slug=f"{prefix}plan-{p}", title=f"Plan {prefix}{p:03d}", reporting_date=start) for p in range(plans)
    )
    prios = StrategicPriority.objects.bulk_create(
        StrategicPriority(plan=plan, code=chr(65 + n), text=f"Priority {chr(65 + n)}", position=n)
        for plan in plan_objs
        for n in range(priorities)
    )

    def due():
        return start + datetime.timedelta(days=rng.randrange(730)) if rng.random() > 0.05 else None

    keys = Action.objects.bulk_create(
        Action(
            plan_id=prio.plan_id,
            priority=prio,
            code=f"{prio.code}{k}",
            number=f"{prio.code}{k}",
            title=f"Key action {prio.code}{k}",
            position=k * (subs + 1),
            due_date=due(),
        )
        for prio in prios
        for k in range(1, key_actions + 1)
    )
    children = Action.objects.bulk_create(
        Action(
            plan_id=key.plan_id,
            priority_id=key.priority_id,
            parent=key,
            code=f"{key.code} {s}",
            number=str(s),
            title=f"Sub-action {key.code} {s}",
            position=key.position + s,
            due_date=due(),
        )
        for key in keys
        for s in range(1, subs + 1)
    )
    actions = keys + children
    Action.accountable.through.objects.bulk_create(
        Action.accountable.through(action=key, owner=rng.choice(owners)) for key in keys
    )
    Action.responsible.through.objects.bulk_create(
        Action.responsible.through(action=action, owner=owner)
        for action in actions
        for owner in rng.sample(owners, 1 + (action.pk % 2))
    )
    rags = [RAG.GREEN, RAG.GREEN, RAG.AMBER, RAG.RED, ""]
    batch = []
    for action in actions:
        day = start
        for n in range(updates_per_action):
            day += datetime.timedelta(days=rng.randrange(1, 60))
            last = n == updates_per_action - 1
            done = last and rng.random() < 0.3
            revised = None
            if action.due_date and not done and rng.random() < 0.1:
                revised = action.due_date + datetime.timedelta(days=rng.randrange(1, 120))
            batch.append(
                ProgressUpdate(
                    action=action,
                    reported_on=day,
                    narrative=f"Update {n + 1} on {action.code}",
                    rag=RAG.COMPLETE if done else rng.choice(rags),
                    completed_on=day if done else None,
                    revised_due_date=revised,
                )
            )
        if len(batch) >= 20000:
            ProgressUpdate.objects.bulk_create(batch)
            batch = []
    ProgressUpdate.objects.bulk_create(batch)
    # bulk_create sends no signals: copy the latest progress onto the actions as saves would.
    Action.objects.filter(plan__in=plan_objs).refresh_progress()
    return plan_objs


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def compose_value(value, given):
    """Compose's interpolation: ${NAME}, ${NAME:-default}, ${NAME:?error}, $$; from `given` only."""

    def substitute(match):
        name, op, arg = match.group(1), match.group(2), match.group(3)
        if given.get(name):
            return given[name]
        if op == ":-":
            return arg
        assert op != ":?", f"compose needs {name}: {arg}"
        return ""

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", substitute, str(value)).replace("$$", "$")


def compose_environment(service, **given):
    """A docker-compose.yml service's environment, as compose would give it with `given` set."""
    return {name: compose_value(value, given) for name, value in service["environment"].items()}
