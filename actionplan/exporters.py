"""A plan written back as a plan file (docs/plan-file-format.md): import_plan(export) == plan."""

import csv
import io
import json

import yaml

from actionplan.importers.base import SUPPORTED_FORMAT
from actionplan.models import Action, Owner
from actionplan.plan_template import ACTION_COLUMNS, OWNER_COLUMNS, OWNER_SEPARATOR, PLAN_FIELDS
from config.spreadsheets import formula_safe, formula_safe_cell


def _optional(mapping, key, value):
    if value not in (None, "", []):
        mapping[key] = value.isoformat() if hasattr(value, "isoformat") else value


def plan_to_dict(plan):
    actions = list(
        Action.objects.filter(plan=plan)
        .order_by("position")
        .prefetch_related("accountable", "responsible", "progress_updates", "indicators")
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
    if plan.sign_off_required:
        head["sign_off_required"] = True
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
        _optional(item, "status", imported[0].status_text if imported else "")
        _optional(item, "rag", imported[0].get_rag_display() if imported and imported[0].rag else "")
        _optional(item, "indicators", [indicator.code for indicator in action.indicators.all()])
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
    """The plan as a file in `fmt` (json, yaml, csv: text; xlsx: bytes)."""
    if fmt == "xlsx":
        return plan_to_xlsx(plan)
    if fmt == "csv":
        return plan_to_csv(plan)
    data = plan_to_dict(plan)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# -- the spreadsheet template (actionplan/importers/xlsx_plan.py reads it back) -------------------


def rows_to_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([formula_safe(v) for v in row])
    return out.getvalue()


def _owner_cell(codes):
    return f"{OWNER_SEPARATOR} ".join(codes)


def plan_to_rows(data):
    """The Actions sheet of the template: one row per key action or sub-action, in plan order."""
    slug = data["plan"]["slug"]
    rows = []

    def row(priority, action, parent_code=""):
        code = f"{parent_code} {action['code']}" if parent_code else action["code"]
        values = {
            "plan": slug,
            "priority_code": priority["code"],
            "priority_text": priority["text"],
            "code": code,
            "parent": parent_code,
            "accountable": _owner_cell(action.get("accountable", [])),
            "responsible": _owner_cell(action.get("responsible", [])),
            "indicators": _owner_cell(action.get("indicators", [])),
        }
        rows.append([values.get(key, action.get(key, "")) for key, _ in ACTION_COLUMNS])
        return code

    for priority in data["priorities"]:
        for action in priority["actions"]:
            code = row(priority, action)
            for sub in action.get("sub_actions", []):
                row(priority, sub, parent_code=code)
    return rows


def _plan_sheet_rows(head):
    labels = head.get("labels", {})
    values = {**head, **{f"{level}_label": text for level, text in labels.items()}}
    values["sign_off_required"] = "yes" if head.get("sign_off_required") else ""
    return [[name, values.get(name, "")] for name in PLAN_FIELDS]


def _owner_sheet_rows(data):
    rows = [["Organisation", o["code"], o["name"], "", "", ""] for o in data["organisations"]]
    rows += [
        ["Person", p["initials"], p["name"], p.get("role", ""), p.get("organisation", ""), ""] for p in data["people"]
    ]
    rows += [["Group", g["name"], "", "", "", g.get("description", "")] for g in data["groups"]]
    return rows


def plan_to_csv(plan):
    """The template's Actions sheet as CSV (UTF-8 with a byte-order mark, which Excel needs)."""
    return "\ufeff" + rows_to_csv([label for _, label in ACTION_COLUMNS], plan_to_rows(plan_to_dict(plan)))


def plan_to_xlsx(plan):
    """The whole template as an XLSX workbook (bytes): Actions, Plan and Owners sheets."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    data = plan_to_dict(plan)
    workbook = Workbook()
    sheets = [
        ("Actions", [label for _, label in ACTION_COLUMNS], plan_to_rows(data)),
        ("Plan", ["Field", "Value"], _plan_sheet_rows(data["plan"])),
        ("Owners", [label for _, label in OWNER_COLUMNS], _owner_sheet_rows(data)),
    ]
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                # Text that looks like a formula is still text: never let Excel run it.
                formula_safe_cell(cell)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
