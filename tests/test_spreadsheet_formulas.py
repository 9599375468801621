"""No export lets a spreadsheet run text as a formula (CSV injection, OWASP's list and the full-width
forms): CSV cells get a leading apostrophe that the plan importer takes off again, XLSX cells are
text cells shown exactly as written."""

import csv
import io
import zipfile

import openpyxl
import pytest

from actionplan.exporters import dump_plan
from actionplan.importers import import_plan_file
from actionplan.models import Action
from config.spreadsheets import FORMULA_STARTS, formula_safe, from_formula_safe

pytestmark = pytest.mark.django_db

# Every start a spreadsheet may run, each as the start of text a user could type.
DANGEROUS = ["=1+1", "+1+1", "-1+1", "@SUM(1,1)", "\t=1+1", "\r=1+1", "＝1+1", "＋1+1", "－1+1", "＠SUM(1,1)"]
URL = "/actions/"


def test_the_list_is_owasps_and_their_full_width_forms():
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"}
    assert {text[0] for text in DANGEROUS} == set(FORMULA_STARTS)


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_text_gets_an_apostrophe_and_comes_back_intact(text):
    assert formula_safe(text) == "'" + text
    assert from_formula_safe(formula_safe(text)) == text


@pytest.mark.parametrize("text", ["", "plain", "'plain", "'", "''", "'=1+1", "''=1", "a=1", " =1", "100%"])
def test_any_other_text_comes_back_exactly_as_written(text):
    assert from_formula_safe(formula_safe(text)) == text


def test_values_that_are_not_text_are_left_alone():
    assert [formula_safe(v) for v in (None, -1, 2.5)] == [None, -1, 2.5]


@pytest.fixture
def signed_in(client, superuser):
    client.force_login(superuser)
    return client


def titled(plan, texts):
    """Give the plan's first actions the dangerous texts as titles: {code: title}."""
    titles = {}
    for action, text in zip(plan.actions.order_by("position"), texts, strict=False):
        Action.objects.filter(pk=action.pk).update(title=text)
        titles[action.code] = text
    return titles


def more_actions(plan, n):
    priority = plan.priorities.first()
    Action.objects.bulk_create(
        Action(plan=plan, priority=priority, code=f"Z{i}", number=f"Z{i}", title="x", position=100 + i)
        for i in range(n)
    )


def test_the_action_list_csv_escapes_every_dangerous_start(signed_in, small_plan):
    more_actions(small_plan, len(DANGEROUS))
    titles = titled(small_plan, DANGEROUS)
    response = signed_in.get(URL, {"export": "csv"})
    rows = {row["Action"]: row for row in csv.DictReader(io.StringIO(response.getvalue().decode()))}
    for code, text in titles.items():
        assert rows[code]["Title"] == "'" + text


def test_the_action_list_xlsx_writes_every_dangerous_start_as_text(signed_in, small_plan):
    more_actions(small_plan, len(DANGEROUS))
    titles = titled(small_plan, DANGEROUS)
    content = signed_in.get(URL, {"export": "xlsx"}).getvalue()
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header = [c.value for c in sheet[1]]
    cells = {row[header.index("Action")].value: row[header.index("Title")] for row in sheet.iter_rows(min_row=2)}
    for code, text in titles.items():
        assert_text_cell(cells[code], text)
    assert_no_formulas(content)


def assert_text_cell(cell, text):
    # As written, with no apostrophe (XML reads a carriage return as a line feed, in any workbook).
    assert cell.value == text.replace("\r", "\n")
    assert cell.data_type == "s"
    assert cell.quotePrefix  # Excel keeps it text when someone edits the cell


def assert_no_formulas(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets
        assert not any(b"<f>" in archive.read(name) or b"<f " in archive.read(name) for name in sheets)


def test_the_plan_spreadsheet_writes_every_dangerous_start_as_text(small_plan):
    more_actions(small_plan, len(DANGEROUS))
    titles = titled(small_plan, DANGEROUS)
    content = dump_plan(small_plan, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Actions"]
    header = [c.value for c in sheet[1]]
    cells = {row[header.index("Action code")].value: row[header.index("Title")] for row in sheet.iter_rows(min_row=2)}
    for code, text in titles.items():
        assert_text_cell(cells[code], text)
    assert_no_formulas(content)


def test_the_plan_csv_escapes_every_dangerous_start_and_imports_back_intact(tmp_path, small_plan):
    more_actions(small_plan, len(DANGEROUS))
    titles = titled(small_plan, DANGEROUS)
    path = tmp_path / "small.csv"
    path.write_text(dump_plan(small_plan, "csv"), encoding="utf-8", newline="")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    title_of = {row[3]: row[rows[0].index("Title")] for row in rows[1:]}
    for code, text in titles.items():
        assert title_of[code] == "'" + text
    Action.objects.filter(plan=small_plan).update(title="changed")
    import_plan_file(path)
    visible = {code: text for code, text in titles.items() if not text.startswith(("\t", "\r"))}
    # The importer trims a cell's surrounding whitespace, so the tab and CR starts come back trimmed.
    assert dict(small_plan.actions.filter(code__in=visible).values_list("code", "title")) == visible
