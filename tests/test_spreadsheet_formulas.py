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
def titles(small_plan):
    """Actions of the small plan titled with each dangerous text: {code: title}."""
    priority = small_plan.priorities.first()
    Action.objects.bulk_create(
        Action(plan=small_plan, priority=priority, code=f"Z{i}", number=f"Z{i}", title=text, position=100 + i)
        for i, text in enumerate(DANGEROUS)
    )
    return {f"Z{i}": text for i, text in enumerate(DANGEROUS)}


def test_the_action_list_csv_escapes_every_dangerous_start(admin_client, titles):
    response = admin_client.get(URL, {"export": "csv"})
    rows = {row["Action"]: row for row in csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig")))}
    for code, text in titles.items():
        assert rows[code]["Title"] == "'" + text


def test_the_action_list_xlsx_writes_every_dangerous_start_as_text(admin_client, titles):
    content = admin_client.get(URL, {"export": "xlsx"}).getvalue()
    assert_titles_are_text(openpyxl.load_workbook(io.BytesIO(content)).active, "Action", titles)
    assert_no_formulas(content)


def test_the_plan_spreadsheet_writes_every_dangerous_start_as_text(small_plan, titles):
    content = dump_plan(small_plan, "xlsx")
    assert_titles_are_text(openpyxl.load_workbook(io.BytesIO(content))["Actions"], "Action code", titles)
    assert_no_formulas(content)


def assert_titles_are_text(sheet, code_heading, titles):
    header = [c.value for c in sheet[1]]
    cells = {row[header.index(code_heading)].value: row[header.index("Title")] for row in sheet.iter_rows(min_row=2)}
    for code, text in titles.items():
        cell = cells[code]
        # Exactly as written, with no apostrophe. openpyxl writes through lxml (installed with
        # python-docx), which keeps a carriage return as "&#13;", so it is read back as one.
        assert cell.value == text
        assert cell.data_type == "s"
        assert cell.quotePrefix  # Excel keeps it text when someone edits the cell


def assert_no_formulas(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets
        assert not any(b"<f>" in archive.read(name) or b"<f " in archive.read(name) for name in sheets)


def test_the_plan_csv_escapes_every_dangerous_start_and_imports_back_intact(tmp_path, small_plan, titles):
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
