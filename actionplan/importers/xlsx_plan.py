"""Plans in the spreadsheet template (XLSX or CSV), for admins who work in Excel.

The template (actionplan.plan_template) is what `export_plan --format xlsx|csv` and the plan
page's download button write, so export → edit → import is a round trip. Without a Plan or Owners
sheet (a CSV file is the Actions sheet alone) the plan named in the "Plan" column must already
exist, and its fields and owners are kept as they are.

The rows become the plan-file structure and go through the same validation and save as a YAML
file (importers.base); every problem names the sheet, row and column.
"""

import datetime
from pathlib import Path
from typing import Any

from actionplan.exporters import plan_to_dict
from actionplan.importers.base import CleanPlan, validate_plan
from actionplan.models import Plan
from actionplan.plan_template import ACTION_COLUMNS, OWNER_COLUMNS, OWNER_KINDS, OWNER_SEPARATOR, PLAN_FIELDS
from config.importing import TABLE_SUFFIXES, Problems, Sheet, did_you_mean, read_table, refuse
from config.spreadsheets import from_formula_safe

SUFFIXES = TABLE_SUFFIXES
Columns = list[tuple[str, str]]


def _cell_text(value: Any) -> str:
    """A cell as text. Excel turns a typed "31/05/18" into a date; write it back the British way."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _heading(value: Any) -> str:
    return " ".join(_cell_text(value).split()).lower()


def _records(sheet: Sheet, columns: Columns, problems: Problems) -> list[tuple[int, dict[str, str]]]:
    """The rows under the heading row as {key: text}, with their row numbers."""
    if not sheet.rows:
        problems.add_line(f"sheet '{sheet.name}' is empty: its first row names the columns")
        return []
    header_number, header = sheet.rows[0]
    by_heading = {label.lower(): key for key, label in columns} | {key: key for key, _ in columns}
    positions = {}
    for index, cell in enumerate(header):
        name = _heading(cell)
        if not name:
            continue
        if name not in by_heading:
            text = _cell_text(cell)
            suggestion = did_you_mean(text, [label for _, label in columns])
            problems.add_line(f"{sheet.place(header_number)}: unknown column {text!r}{suggestion}")
        else:
            positions[by_heading[name]] = index
    labels = dict(columns)
    if "code" in labels and "code" not in positions:
        problems.add_line(f"{sheet.place(header_number)}: the column '{labels['code']}' is missing")
    return [
        (number, {key: _cell_text(cells[i]) if i < len(cells) else "" for key, i in positions.items()})
        for number, cells in sheet.rows[1:]
    ]


def _sheet(sheets: list[Sheet], name: str) -> Sheet | None:
    return next((s for s in sheets if (s.name or "").strip().lower() == name.lower()), None)


class _Locations:
    """Turns the plan file's items and fields back into the spreadsheet's sheets, rows and columns."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[Sheet, int]] = {}  # item ("action A1", "person KT") -> (sheet, row)
        self.plan_rows: dict[str, tuple[Sheet, int]] = {}  # plan field -> (sheet, row number)

    def __call__(self, item: str, field_name: str | None) -> str | None:
        if item == "plan" and field_name in self.plan_rows:
            sheet, number = self.plan_rows[field_name]
            return f"{sheet.place(number, 'Value')} ({field_name})"
        if item not in self.items:
            return None
        sheet, number = self.items[item]
        if item.startswith("priority "):
            column = {"code": "Priority code", "text": "Priority text"}.get(field_name or "")
        elif item.startswith("action "):
            column = dict(ACTION_COLUMNS).get(field_name or "")
        elif field_name in ("initials", "name") and item.startswith(("person ", "group ")):
            column = "Code" if field_name == "initials" or item.startswith("group ") else "Name"
        else:
            column = dict(OWNER_COLUMNS).get(field_name or "")
        return f"{sheet.place(number, column)} ({item})"


def validate_spreadsheet(path: Path | str, source: str | None = None) -> CleanPlan:
    """Check the whole spreadsheet; returns a CleanPlan or raises ImportFileError with every problem.

    Problems only a spreadsheet can have (a missing code, an unknown parent, a priority written
    two ways) are collected first; the rows that have them are left out so that the plan-file
    validation still reports every other row's problems, all at once.
    """
    source = source or str(path)
    sheets = read_table(path, source, "a plan spreadsheet")
    locate = _Locations()
    problems = Problems(source, locate)
    if len(sheets) == 1 and sheets[0].name is None:
        sheets[0].name = "Actions"  # a CSV file
        for _, cells in sheets[0].rows:
            cells[:] = [from_formula_safe(cell) for cell in cells]
    actions_sheet = _sheet(sheets, "Actions") or (sheets[0] if len(sheets) == 1 else None)
    if actions_sheet is None:
        raise refuse(source, "there is no sheet called 'Actions'")
    rows = _records(actions_sheet, ACTION_COLUMNS, problems)

    slugs = {r["plan"] for _, r in rows if r.get("plan")}
    head_sheet, owners_sheet = _sheet(sheets, "Plan"), _sheet(sheets, "Owners")
    data: dict[str, Any] = {"format": 1}
    if head_sheet is not None:
        data["plan"] = _read_plan_sheet(head_sheet, problems, locate)
    if owners_sheet is not None:
        data.update(_read_owners_sheet(owners_sheet, problems, locate))
    slug = data.get("plan", {}).get("slug") or (min(slugs) if len(slugs) == 1 else "")
    if head_sheet is None or owners_sheet is None:
        _fill_from_existing_plan(data, slug, head_sheet is None, owners_sheet is None, problems)

    data["priorities"] = _read_action_rows(actions_sheet, rows, slug, problems, locate)
    return validate_plan(data, source, locate, problems)


def _fill_from_existing_plan(data: dict, slug: str, need_head: bool, need_owners: bool, problems: Problems) -> None:
    plan = Plan.objects.filter(slug=slug).first() if slug else None
    if plan is None:
        missing = " and ".join(s for s, need in (("'Plan'", need_head), ("'Owners'", need_owners)) if need)
        named = f"plan {slug!r} does not exist" if slug else "no plan is named in the 'Plan' column"
        problems.add_line(
            f"{named}: a new plan needs the template's {missing} sheet (a CSV file can only update a plan)"
        )
        data.setdefault("plan", {"slug": slug, "title": slug})
        return
    existing = plan_to_dict(plan)
    if need_head:
        data["plan"] = existing["plan"]
    if need_owners:
        for key in ("organisations", "people", "groups"):
            data[key] = existing[key]


def _read_plan_sheet(sheet: Sheet, problems: Problems, locate: _Locations) -> dict[str, Any]:
    head: dict[str, Any] = {}
    labels = {}
    rows = sheet.rows
    if rows and _heading(rows[0][1][0]) == "field":
        rows = rows[1:]
    for number, cells in rows:
        name = _heading(cells[0]).replace(" ", "_").replace("-", "_")
        value = cells[1] if len(cells) > 1 else None
        if isinstance(value, datetime.datetime):
            value = value.date()
        value = value.isoformat() if isinstance(value, datetime.date) else _cell_text(value)
        if name not in PLAN_FIELDS:
            suggestion = did_you_mean(name, PLAN_FIELDS)
            problems.add_line(f"{sheet.place(number, 'Field')}: unknown field {_cell_text(cells[0])!r}{suggestion}")
            continue
        # Validation names the labels "labels.priority" and the board's slug "assured_by".
        locate.plan_rows["labels." + name.removesuffix("_label") if name.endswith("_label") else name] = (sheet, number)
        if name.endswith("_label"):
            labels[name.removesuffix("_label")] = value
        elif value:
            head[name] = value
    if labels:
        head["labels"] = labels
    return head


def _read_owners_sheet(sheet: Sheet, problems: Problems, locate: _Locations) -> dict[str, list]:
    out: dict[str, list] = {"organisations": [], "people": [], "groups": []}
    for number, row in _records(sheet, OWNER_COLUMNS, problems):
        kind = row.get("kind", "").capitalize()
        code = row.get("code", "")
        if kind not in OWNER_KINDS:
            problems.add_line(
                f"{sheet.place(number, 'Kind')}: {row.get('kind')!r} is not one of {', '.join(OWNER_KINDS)}"
            )
            continue
        if kind == "Person":
            locate.items[f"person {code}"] = (sheet, number)
            person = {"initials": code, "name": row.get("name", "")}
            for key in ("role", "organisation"):
                if row.get(key):
                    person[key] = row[key]
            out["people"].append(person)
        elif kind == "Group":
            locate.items[f"group {code}"] = (sheet, number)
            group = {"name": code}
            if row.get("description"):
                group["description"] = row["description"]
            out["groups"].append(group)
        else:
            locate.items[f"organisation {code}"] = (sheet, number)
            out["organisations"].append({"code": code, "name": row.get("name", "")})
    return out


def _owners(text: str) -> list[str]:
    return [part.strip() for part in text.split(OWNER_SEPARATOR) if part.strip()]


def _read_action_rows(
    sheet: Sheet, rows: list[tuple[int, dict[str, str]]], slug: str, problems: Problems, locate: _Locations
) -> list[dict]:
    """Priorities → key actions → sub-actions from the flat rows, in row order."""
    priorities: dict[str, dict] = {}
    key_actions: dict[str, tuple[str, dict]] = {}
    seen: set[str] = set()

    def bad(number: int, column: str, message: str) -> None:
        problems.add_line(f"{sheet.place(number, column)}: {message}")

    for number, row in rows:
        if row.get("plan") and slug and row["plan"] != slug:
            bad(number, "Plan", f"{row['plan']!r} is not the plan this file imports ({slug!r})")
        code, parent = row.get("code", ""), row.get("parent", "")
        if not code:
            bad(number, "Action code", "is missing")
            continue
        if code in seen:
            bad(number, "Action code", f"duplicate code {code!r}")
            continue
        seen.add(code)
        locate.items[f"action {code}"] = (sheet, number)
        item: dict[str, Any] = {
            "code": code.removeprefix(parent + " ") if parent else code,
            "title": row.get("title", ""),
        }
        for key in ("description", "completion_date", "status", "rag", "progress"):
            if row.get(key) or (key == "completion_date" and not parent):
                item[key] = row.get(key, "")
        for key in ("accountable", "responsible"):
            if row.get(key) or not parent:
                item[key] = _owners(row.get(key, ""))
        if "indicators" in row:
            # Success indicators by code, e.g. "5, 6"; a blank cell in the column means none.
            item["indicators"] = _owners(row["indicators"])
        if parent:
            key_action = key_actions.get(parent)
            if key_action is None:
                bad(number, "Parent code", f"no key action {parent!r} above this row")
                continue
            priority_code, actions = key_action
            if row.get("priority_code") and row["priority_code"] != priority_code:
                bad(
                    number,
                    "Priority code",
                    f"{row['priority_code']!r} differs from its key action's ({priority_code!r})",
                )
                continue
            actions.setdefault("sub_actions", []).append(item)
            continue
        priority_code = row.get("priority_code", "")
        if not priority_code:
            bad(number, "Priority code", "is missing")
            continue
        priority = priorities.get(priority_code)
        if priority is None:
            priority = priorities[priority_code] = {
                "code": priority_code,
                "text": row.get("priority_text", ""),
                "actions": [],
            }
            locate.items[f"priority {priority_code}"] = (sheet, number)
        elif row.get("priority_text") and row["priority_text"] != priority["text"]:
            bad(number, "Priority text", f"differs from the text given for priority {priority_code!r} above")
            continue
        priority["actions"].append(item)
        key_actions[code] = (priority_code, item)
    return list(priorities.values())
