"""The spreadsheet template of a plan: its sheets' columns, written by the exporter
(actionplan.exporters) and read back by the importer (actionplan.importers.xlsx_plan).

An XLSX workbook has three sheets: "Actions" (one row per key action or sub-action, ACTION_COLUMNS),
"Plan" (the plan's own fields, one per row: "Field", "Value") and "Owners" (OWNER_COLUMNS). A CSV
file is the Actions sheet alone. The columns are documented in docs/plan-file-format.md.
"""

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
    "sign_off_required",
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
