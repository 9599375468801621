"""A plan written back as a plan file (docs/plan-file-format.md): import_plan(export) == plan."""

import json

import yaml

from actionplan.importers.base import SUPPORTED_FORMAT
from actionplan.models import Action, Owner


def _optional(mapping, key, value):
    if value not in (None, "", []):
        mapping[key] = value.isoformat() if hasattr(value, "isoformat") else value


def plan_to_dict(plan):
    actions = list(
        Action.objects.filter(plan=plan)
        .order_by("position")
        .prefetch_related("accountable", "responsible", "progress_updates")
    )
    owners = {o for a in actions for o in (*a.accountable.all(), *a.responsible.all())}
    organisations = set(plan.organisations.all()) | {o.organisation for o in owners if o.organisation}

    head = {"slug": plan.slug, "title": plan.title}
    for key, value in [
        ("full_title", plan.full_title),
        ("board", plan.board_name),
        ("assured_by", plan.board.slug if plan.board else ""),
        ("review_date", plan.review_date),
        ("review_period", plan.review_period),
        ("plan_date", plan.plan_date),
        ("reporting_date", plan.reporting_date),
    ]:
        _optional(head, key, value)
    head["labels"] = {
        "priority": plan.priority_label,
        "action": plan.action_label,
        "sub_action": plan.sub_action_label,
    }
    _optional(head, "background", plan.background)
    _optional(head, "source", plan.source)

    people, groups = [], []
    for owner in sorted(owners, key=lambda o: o.code):
        if owner.kind == Owner.Kind.PERSON:
            person = {"initials": owner.code, "name": owner.name}
            _optional(person, "role", owner.role)
            _optional(person, "organisation", owner.organisation.code if owner.organisation else "")
            people.append(person)
        elif owner.kind == Owner.Kind.GROUP:
            group = {"name": owner.code}
            _optional(group, "description", owner.description)
            groups.append(group)

    children = {}
    for action in actions:
        children.setdefault(action.parent_id, []).append(action)

    def action_dict(action):
        item = {"code": action.number, "title": action.title}
        _optional(item, "description", action.description)
        own_responsible = sorted(o.code for o in action.responsible.all())
        if action.parent_id is None:
            item["accountable"] = sorted(o.code for o in action.accountable.all())
            item["responsible"] = own_responsible
            item["completion_date"] = action.completion_date_text
        else:
            _optional(item, "accountable", sorted(o.code for o in action.accountable.all()))
            _optional(item, "responsible", own_responsible)
            _optional(item, "completion_date", action.completion_date_text)
        imported = [u for u in action.progress_updates.all() if u.imported]
        _optional(item, "progress", imported[0].narrative if imported else "")
        subs = [action_dict(sub) for sub in children.get(action.pk, [])]
        _optional(item, "sub_actions", subs)
        return item

    priorities = []
    for priority in plan.priorities.order_by("position"):
        priorities.append(
            {
                "code": priority.code,
                "text": priority.text,
                "actions": [action_dict(a) for a in children.get(None, []) if a.priority_id == priority.pk],
            }
        )

    return {
        "format": SUPPORTED_FORMAT,
        "plan": head,
        "organisations": [{"code": o.code, "name": o.name} for o in sorted(organisations, key=lambda o: o.code)],
        "people": people,
        "groups": groups,
        "priorities": priorities,
    }


def dump_plan(plan, fmt):
    data = plan_to_dict(plan)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
