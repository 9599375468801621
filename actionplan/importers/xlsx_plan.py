"""Plans in the spreadsheet template (XLSX or CSV), for admins who work in Excel.

The template is what `export_plan --format xlsx|csv` and the plan page's download button write,
so export → edit → import is a round trip. An XLSX workbook has three sheets:

- "Actions": one row per key action or sub-action, columns ACTION_COLUMNS (documented in
  docs/plan-file-format.md). Sub-actions name their key action in "Parent code".
- "Plan" (optional): the plan's own fields, one per row ("Field", "Value").
- "Owners" (optional): the people, groups and organisations the rows name.

A CSV file is the Actions sheet alone. Without a Plan or Owners sheet the plan named in the
"Plan" column must already exist, and its fields and owners are kept as they are.

The rows become the plan-file structure and go through the same validation and save as a YAML
file (importers.base); every problem names the sheet, row and column.
"""

import csv
import datetime
import io
from pathlib import Path

from actionplan.importers.base import PlanFileError, save_plan, validate_plan
from config.spreadsheets import formula_safe, from_formula_safe

SUFFIXES = {".xlsx", ".csv"}

# (key in the plan file, column heading). The order is the template's.
ACTION_COLUMNS = [
    ("plan", "Plan"),
    ("priority_code", "Priority code"),
    ("priority_text", "Priority text"),
    ("code", "Action code"),
    ("parent", "Parent code"),
    ("title", "Title"),
    ("description", "Description"),
    ("accountable", "Accountable"),
    ("responsible", "Responsible"),
    ("completion_date", "Completion date"),
    ("status", "Status"),
    ("rag", "RAG"),
    ("progress", "Progress"),
    ("indicators", "Indicators"),
]
# The Plan sheet's fields: the plan file's `plan:` keys, labels flattened.
PLAN_FIELDS = [
    "slug",
    "title",
    "full_title",
    "board",
    "assured_by",
    "review_date",
    "review_period",
    "plan_date",
    "reporting_date",
    "priority_label",
    "action_label",
    "sub_action_label",
    "background",
    "source",
]
OWNER_COLUMNS = [
    ("kind", "Kind"),
    ("code", "Code"),
    ("name", "Name"),
    ("role", "Role"),
    ("organisation", "Organisation"),
    ("description", "Description"),
]
OWNER_KINDS = ("Person", "Group", "Organisation")
# Owners (and indicators) in one cell are separated by commas ("IH, KC"); no code contains one.
OWNER_SEPARATOR = ","


def _cell_text(value):
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


def _heading(value):
    return " ".join(_cell_text(value).split()).lower()


class _Sheet:
    def __init__(self, name, rows):
        self.name = name
        self.rows = rows  # [(row number, [cell, ...])], blank rows left out

    def where(self, number, column=None):
        place = f"sheet '{self.name}', row {number}"
        return f"{place}, column '{column}'" if column else place

    def records(self, columns, errors, source):
        """The rows under the heading row as {key: text}, with their row numbers."""
        if not self.rows:
            errors.append(f"{source}: sheet '{self.name}' is empty: its first row names the columns")
            return []
        header_number, header = self.rows[0]
        by_heading = {label.lower(): key for key, label in columns} | {key: key for key, _ in columns}
        positions = {}
        for index, cell in enumerate(header):
            name = _heading(cell)
            if not name:
                continue
            if name not in by_heading:
                errors.append(f"{source}: {self.where(header_number)}: unknown column {_cell_text(cell)!r}")
            else:
                positions[by_heading[name]] = index
        labels = dict(columns)
        for key in ("code",):
            if key in labels and key not in positions:
                errors.append(f"{source}: {self.where(header_number)}: the column '{labels[key]}' is missing")
        records = []
        for number, cells in self.rows[1:]:
            record = {key: _cell_text(cells[i]) if i < len(cells) else "" for key, i in positions.items()}
            records.append((number, record))
        return records


def read_sheets(path):
    """{sheet name: _Sheet} for an XLSX workbook, {"Actions": _Sheet} for a CSV file."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = [[from_formula_safe(c) for c in row] for row in csv.reader(handle)]
            return {"Actions": _Sheet("Actions", _numbered(rows))}
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            return {ws.title: _Sheet(ws.title, _numbered(ws.iter_rows(values_only=True))) for ws in workbook.worksheets}
        finally:
            workbook.close()
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise PlanFileError(str(path), [f"{path}: cannot be read: {error}"]) from None
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise PlanFileError(str(path), [f"{path}: cannot be read as a workbook: {error}"]) from None


def _numbered(rows):
    return [(n, list(cells)) for n, cells in enumerate(rows, start=1) if any(_cell_text(c) for c in cells)]


def _sheet(sheets, name):
    return next((s for title, s in sheets.items() if title.strip().lower() == name.lower()), None)


class _Locations:
    """Turns the plan file's items and fields back into the spreadsheet's sheets, rows and columns."""

    def __init__(self):
        self.items = {}  # item ("action A1", "plan", "person KT") -> (sheet, row number)
        self.plan_rows = {}  # plan field -> (sheet, row number)

    def __call__(self, item, field_name):
        if item == "plan" and field_name in self.plan_rows:
            sheet, number = self.plan_rows[field_name]
            return f"{sheet.where(number, 'Value')} ({field_name})"
        if item not in self.items:
            return None
        sheet, number = self.items[item]
        if item.startswith("priority "):
            column = {"code": "Priority code", "text": "Priority text"}.get(field_name)
        elif item.startswith("action "):
            column = dict(ACTION_COLUMNS).get(field_name)
        else:
            column = dict(OWNER_COLUMNS).get(
                "code" if field_name in ("initials", "name") and "group" in item else field_name
            )
            column = "Code" if field_name == "initials" else column
        return f"{sheet.where(number, column)} ({item})"


def validate_spreadsheet(path, source=None):
    """Check the whole spreadsheet; returns a CleanPlan or raises PlanFileError with every problem.

    Problems only a spreadsheet can have (a missing code, an unknown parent, a priority written
    two ways) are collected first; the rows that have them are left out so that the plan-file
    validation still reports every other row's problems, all at once.
    """
    source = source or str(path)
    sheets = read_sheets(path)
    errors, locate = [], _Locations()
    actions_sheet = _sheet(sheets, "Actions") or (next(iter(sheets.values())) if len(sheets) == 1 else None)
    if actions_sheet is None:
        raise PlanFileError(source, [f"{source}: there is no sheet called 'Actions'"])
    rows = actions_sheet.records(ACTION_COLUMNS, errors, source)

    slugs = {r["plan"] for _, r in rows if r.get("plan")}
    head_sheet, owners_sheet = _sheet(sheets, "Plan"), _sheet(sheets, "Owners")
    data = {"format": 1}
    if head_sheet is not None:
        data["plan"] = _read_plan_sheet(head_sheet, errors, source, locate)
    if owners_sheet is not None:
        data.update(_read_owners_sheet(owners_sheet, errors, source, locate))
    slug = data.get("plan", {}).get("slug") or (min(slugs) if len(slugs) == 1 else "")
    if head_sheet is None or owners_sheet is None:
        _fill_from_existing_plan(data, slug, head_sheet is None, owners_sheet is None, errors, source)

    data["priorities"] = _read_action_rows(actions_sheet, rows, slug, errors, source, locate)
    try:
        clean = validate_plan(data, source, locate)
    except PlanFileError as error:
        errors.extend(error.errors)
    if errors:
        raise PlanFileError(source, errors)
    return clean


def _fill_from_existing_plan(data, slug, need_head, need_owners, errors, source):
    # Imported here: the exporter imports this module's columns.
    from actionplan.exporters import plan_to_dict
    from actionplan.models import Plan

    plan = Plan.objects.filter(slug=slug).first() if slug else None
    if plan is None:
        missing = " and ".join(s for s, need in (("'Plan'", need_head), ("'Owners'", need_owners)) if need)
        named = f"plan {slug!r} does not exist" if slug else "no plan is named in the 'Plan' column"
        errors.append(
            f"{source}: {named}: a new plan needs the template's {missing} sheet (a CSV file can only update a plan)"
        )
        data.setdefault("plan", {"slug": slug, "title": slug})
        return
    existing = plan_to_dict(plan)
    if need_head:
        data["plan"] = existing["plan"]
    if need_owners:
        for key in ("organisations", "people", "groups"):
            data[key] = existing[key]


def _read_plan_sheet(sheet, errors, source, locate):
    head, labels = {}, {}
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
            errors.append(f"{source}: {sheet.where(number, 'Field')}: unknown field {_cell_text(cells[0])!r}")
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


def _read_owners_sheet(sheet, errors, source, locate):
    out = {"organisations": [], "people": [], "groups": []}
    for number, row in sheet.records(OWNER_COLUMNS, errors, source):
        kind = row.get("kind", "").capitalize()
        code = row.get("code", "")
        if kind not in OWNER_KINDS:
            errors.append(
                f"{source}: {sheet.where(number, 'Kind')}: {row.get('kind')!r} is not one of {', '.join(OWNER_KINDS)}"
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


def _owners(text):
    return [part.strip() for part in text.split(OWNER_SEPARATOR) if part.strip()]


def _read_action_rows(sheet, rows, slug, errors, source, locate):
    """Priorities → key actions → sub-actions from the flat rows, in row order."""
    priorities, key_actions, seen = {}, {}, set()

    def bad(number, column, message):
        errors.append(f"{source}: {sheet.where(number, column)}: {message}")

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
        item = {"code": code.removeprefix(parent + " ") if parent else code, "title": row.get("title", "")}
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


def import_spreadsheet(path):
    """Validate every row, then write the plan in one transaction. Returns an ImportReport."""
    return save_plan(validate_spreadsheet(path))


def rows_to_csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([formula_safe(v) for v in row])
    return out.getvalue()
