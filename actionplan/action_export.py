"""The action list's downloads: exactly the filtered rows, as CSV (streamed) or XLSX (write-only).

The rows come from the action list's own queryset (ActionQuerySet.with_rag on the "as at" date,
filtered and sorted as the page is); nothing here decides a colour or a status. They are read
through a server-side cursor, CHUNK_SIZE at a time, and each chunk's owners and latest progress
narratives are fetched with one plain query each, so memory stays flat and the number of queries
grows only with the number of chunks, whatever the size of the export.
"""

import csv
import datetime
import tempfile
from collections import defaultdict
from itertools import islice

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from actionplan.models import RAG, Action, DeliveryStatus, Owner, Plan, ProgressUpdate, StrategicPriority
from actionplan.status import ReturnStatus
from config.spreadsheets import formula_safe, formula_safe_cell, is_formula_like

# One row per action: (heading, value of an action from with_rag, read by attach_chunk()).
EXPORT_COLUMNS = [
    ("Plan", lambda a: a.plan.title),
    ("Strategic priority", lambda a: a.priority.code),
    ("Action", lambda a: a.code),
    ("Title", lambda a: a.title),
    ("Accountable", lambda a: ", ".join(o.code for o in a.accountable_owners())),
    ("Responsible", lambda a: ", ".join(o.code for o in a.responsible_owners())),
    ("Completion date (as written)", lambda a: a.completion_date_text),
    ("Original due date", lambda a: a.due_date),
    ("Current due date", lambda a: a.current_due_date),
    ("Days slipped", lambda a: a.days_slipped or ""),
    ("Delivery status", lambda a: DeliveryStatus(a.delivery_status).label),
    ("Days overdue", lambda a: a.days_overdue or ""),
    ("RAG", lambda a: RAG(a.rag).label),
    ("Officer's RAG disagrees", lambda a: "Yes" if a.rag_disagrees else ""),
    ("Stale", lambda a: "Yes" if a.is_stale else ""),
    ("Last update", lambda a: a.last_reported_on),
    ("Latest progress", lambda a: a.latest_narrative),
]
HEADINGS = [heading for heading, _ in EXPORT_COLUMNS]
# Added when the list is an update round's (ActionQuerySet.with_return_status).
ROUND_COLUMNS = [
    ("In the round", lambda a: ReturnStatus(a.return_status).label),
    ("Comment on returning", lambda a: (a.return_comment or "") if a.return_status == ReturnStatus.RETURNED else ""),
]

# The workbook's column widths, in characters (Excel's unit), so it opens readable; others: DEFAULT_WIDTH.
XLSX_WIDTHS = {
    "Plan": 30,
    "Title": 60,
    "Accountable": 18,
    "Responsible": 18,
    "Completion date (as written)": 24,
    "Latest progress": 80,
}
DEFAULT_WIDTH = 13

# Excel reads a CSV file as UTF-8 only when it starts with the byte-order mark.
UTF8_BOM = "\ufeff"

# Rows fetched (and owners and narratives looked up) at a time: big enough that the per-chunk
# queries cost little, small enough that a chunk's objects are a few megabytes.
CHUNK_SIZE = 2000

PLAN, PRIORITY, PARENT = (Action._meta.get_field(name) for name in ("plan", "priority", "parent"))

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def chunks(actions, as_at, size=None):
    """`actions` (a with_rag queryset, filtered and ordered) in lists of at most `size`, each action
    with what the columns read: plan, priority, owners (its key action's too) and latest update."""
    size = size or CHUNK_SIZE
    # Each row is the action alone: joined, every row would carry its plan's long texts again.
    rows = actions.select_related(None).iterator(chunk_size=size)
    related = _Related()
    while chunk := list(islice(rows, size)):
        related.attach(chunk, as_at)
        yield chunk
        chunk.clear()  # free this chunk's objects before the next is read


class _Related:
    """What the rows point to, fetched a chunk at a time with one plain query each and kept as plain
    lists (no prefetch_related: its querysets per object cost more than the rows themselves)."""

    def __init__(self):
        # Plans, priorities and owners recur from chunk to chunk: a system has hundreds, not thousands.
        self.plans, self.priorities, self.owners = {}, {}, {}

    def attach(self, chunk, as_at):
        self._fetch_missing(self.plans, Plan.objects.only("title"), {a.plan_id for a in chunk})
        self._fetch_missing(self.priorities, StrategicPriority.objects.only("code"), {a.priority_id for a in chunk})
        # A sub-action naming no owners takes its key action's (Action.accountable_owners): those
        # are fetched with the chunk's own, onto a stand-in key action that holds nothing else.
        key_actions = {pk: Action(pk=pk) for pk in {a.parent_id for a in chunk if a.parent_id}}
        ids = {a.pk for a in chunk} | set(key_actions)
        owners = {role: self._owners_of(role, ids) for role in ("accountable", "responsible")}
        # The update for_display(as_at) would show: only its words are exported.
        narratives = dict(
            ProgressUpdate.objects.filter(action_id__in=[a.pk for a in chunk])
            .latest_per_action(as_at)
            .values_list("action_id", "narrative")
        )
        for action in chunk:
            # What select_related would have done (without its per-row checks, which cost more here).
            PLAN.set_cached_value(action, self.plans[action.plan_id])
            PRIORITY.set_cached_value(action, self.priorities[action.priority_id])
            if action.parent_id:
                PARENT.set_cached_value(action, key_actions[action.parent_id])
            action.latest_narrative = narratives.get(action.pk, "")
        for action in (*chunk, *key_actions.values()):
            for role, by_action in owners.items():
                setattr(action, f"fetched_{role}", by_action.get(action.pk, []))

    @staticmethod
    def _fetch_missing(known, queryset, pks):
        missing = pks - known.keys()
        if missing:
            known.update(queryset.in_bulk(missing))

    def _owners_of(self, role, ids):
        """{action pk: [Owner, ...]} of the actions `ids` in `role`, in Owner's own order."""
        through = getattr(Action, role).through.objects.filter(action_id__in=ids)
        rows = through.order_by("owner__kind", "owner__code").values_list(
            "action_id", "owner_id", "owner__kind", "owner__code"
        )
        found = defaultdict(list)
        for action_id, owner_id, kind, code in rows:
            if owner_id not in self.owners:
                self.owners[owner_id] = Owner(pk=owner_id, kind=kind, code=code)
            found[action_id].append(self.owners[owner_id])
        return found


def columns_for(actions):
    """The export's columns: an update round's list (with_return_status) has where each stands."""
    return EXPORT_COLUMNS + ROUND_COLUMNS if "return_status" in actions.query.annotations else EXPORT_COLUMNS


def export_rows(actions, as_at, chunk_size=None):
    """The heading row, then one row of values per action, chunk by chunk."""
    columns = columns_for(actions)
    yield [heading for heading, _ in columns]
    for chunk in chunks(actions, as_at, chunk_size):
        for action in chunk:
            yield [value(action) for _, value in columns]


class _Line:
    """A file that hands back what csv.writer writes to it, for streaming."""

    def write(self, text):
        return text


def _csv_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return formula_safe(value)


def actions_csv(actions, as_at, chunk_size=None):
    """The CSV file, generated a chunk of rows at a time (for a StreamingHttpResponse)."""
    writer = csv.writer(_Line())
    rows = export_rows(actions, as_at, chunk_size)
    yield UTF8_BOM + writer.writerow(next(rows))
    lines = []
    for row in rows:
        lines.append(writer.writerow([_csv_text(value) for value in row]))
        if len(lines) >= 500:
            yield "".join(lines)
            lines = []
    yield "".join(lines)


def actions_xlsx(actions, as_at, title="Actions", chunk_size=None):
    """The workbook in a temporary file (rewound, for a FileResponse), written row by row in
    openpyxl's write-only mode, so memory does not grow with the rows. It opens ready to use in
    Excel: columns wide enough to read, the heading row frozen, and filters on every column."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    # Widths before the first row: a write-only sheet writes its columns when it starts.
    for number, heading in enumerate(HEADINGS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = XLSX_WIDTHS.get(heading, DEFAULT_WIDTH)
    bold = Font(bold=True)
    rows = export_rows(actions, as_at, chunk_size)
    sheet.append([_header_cell(sheet, heading, bold) for heading in next(rows)])
    count = 1
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    # The filter is written after the rows (the sheet's tail), so it can cover all of them.
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADINGS))}{count}"
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out


def _header_cell(sheet, heading, font):
    cell = WriteOnlyCell(sheet, heading)
    cell.font = font
    return cell


def _xlsx_cell(sheet, value):
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value)
        cell.number_format = "DD/MM/YYYY"
        return cell
    if isinstance(value, str):
        # Control characters (other than tab and newlines) are not allowed in a workbook at all.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if is_formula_like(value):
            return formula_safe_cell(WriteOnlyCell(sheet, value))
    return value
