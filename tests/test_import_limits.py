"""Files that would exhaust the server are refused with a clear error before they are expanded,
unpacked or read to the end; no error shows where the server keeps a file."""

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from actionplan.importers import validate_plan_file
from config.importing import MAX_PROBLEMS, ImportFileError, files
from indicators.importers.values_table import import_values_file
from indicators.importers.yaml_file import validate_indicator_file
from partnerships.importers import read_partnerships_file

pytestmark = pytest.mark.django_db

# 1.5 KB of YAML whose aliases expand to 9**9 (387 million) values.
ALIAS_BOMB = "\n".join(
    [
        "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        *[f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join([f'*{chr(97 + n)}'] * 9)}]" for n in range(8)],
    ]
)

READERS = {
    "plan": lambda path, source: validate_plan_file(path, source),
    "partnerships": read_partnerships_file,
    "indicators": validate_indicator_file,
}


def refused(reader, path, source):
    with pytest.raises(ImportFileError) as caught:
        READERS[reader](path, source)
    return caught.value.errors


@pytest.fixture(params=sorted(READERS))
def reader(request):
    return request.param


def test_a_yaml_alias_bomb_is_refused_before_it_is_expanded(reader, tmp_path):
    path = tmp_path / "upload-7f3a.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    [error] = refused(reader, path, "bomb.yaml")
    # Refused while reading the parser's events: nothing was built, let alone expanded.
    assert error.startswith("bomb.yaml: line ") and "more than 1,000,000 values (counting what aliases repeat)" in error


def test_an_alias_inside_what_it_repeats_is_refused(reader, tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("a: &loop [1, *loop]\n", encoding="utf-8")
    assert refused(reader, path, "loop.yaml") == ["loop.yaml: line 1: the alias *loop is inside what it repeats"]


@pytest.mark.parametrize(
    "suffix, text", [(".yaml", "[" * 100_000 + "]" * 100_000), (".json", "[" * 100_000 + "]" * 100_000)]
)
def test_deep_nesting_is_a_clear_error(reader, tmp_path, suffix, text):
    path = tmp_path / f"deep{suffix}"
    path.write_text(text, encoding="utf-8")
    [error] = refused(reader, path, f"deep{suffix}")
    assert "nested more than 50 levels deep" in error


def test_a_file_named_only_by_its_ending_is_a_clear_error(reader, tmp_path):
    path = tmp_path / ".yaml"
    path.write_text("format: 1\n", encoding="utf-8")
    [error] = refused(reader, path, ".yaml")
    assert error.startswith(".yaml: the file has no name before '.yaml'")


def test_errors_name_the_file_as_the_user_named_it_never_the_server_path(reader, tmp_path):
    broken = tmp_path / "stored-as-a-token.yaml"
    broken.write_text("plan: [unclosed\n", encoding="utf-8")
    missing = tmp_path / "gone.yaml"
    for path in (broken, missing):
        errors = refused(reader, path, "my plan.yaml")
        assert errors and all(e.startswith("my plan.yaml: ") for e in errors)
        assert not any(str(tmp_path) in e for e in errors)


# -- workbooks and tables ---------------------------------------------------------------------------


def test_a_zip_bomb_posing_as_a_workbook_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(51):
                member.write(b"\0" * (1024 * 1024))
    assert path.stat().st_size < 200_000
    with pytest.raises(ImportFileError) as caught:
        validate_plan_file(path, "bomb.xlsx")
    assert caught.value.errors == [
        "bomb.xlsx: unpacks to 51 MB; a workbook may unpack to at most 50 MB",
    ]


def workbook(tmp_path, rows, name="big.xlsx"):
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Actions")
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def test_a_workbook_with_too_many_rows_is_refused_at_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 100)
    path = workbook(tmp_path, [["Plan", "Action code"]] + [["x", f"A{n}"] for n in range(500)])
    with pytest.raises(ImportFileError, match="big.xlsx: has more than 100 rows"):
        validate_plan_file(path, "big.xlsx")


def test_a_row_with_too_many_cells_or_too_long_a_cell_is_refused(tmp_path, monkeypatch):
    wide = workbook(tmp_path, [["x"] * 150], name="wide.xlsx")
    with pytest.raises(ImportFileError, match=r"wide.xlsx: sheet 'Actions', row 1: has more than 100 columns"):
        validate_plan_file(wide, "wide.xlsx")
    long = workbook(tmp_path, [["Plan", "Title"], ["x", "y" * 10_001]], name="long.xlsx")
    with pytest.raises(ImportFileError, match=r"row 2, cell 2: is 10,001 characters long; at most 10,000 fit"):
        validate_plan_file(long, "long.xlsx")


def test_a_file_with_hundreds_of_bad_rows_stops_at_the_first_100_problems(tmp_path):
    rows = "\n".join(f"{n},Q2 2017-18,not a number" for n in range(1, 500))
    path = tmp_path / "values.csv"
    path.write_text("indicator,period,actual\n" + rows, encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        import_values_file(path)
    assert len(caught.value.errors) == MAX_PROBLEMS + 1
    assert caught.value.errors[-1].endswith("stopped after the first 100 problems")


# -- the upload ----------------------------------------------------------------------------------


def upload(user, name, content):
    client = Client()
    client.force_login(user)
    handle = io.BytesIO(content)
    handle.name = name
    return client.post(reverse("actionplan:upload_plan"), {"file": handle})


def test_uploads_that_would_exhaust_the_server_are_clear_errors_not_500s(plan_admin):
    response = upload(plan_admin, "bomb.yaml", ALIAS_BOMB.encode())
    assert response.status_code == 400
    assert "more than 1,000,000 values" in response.context["problems"][0]
    response = upload(plan_admin, ".yaml", b"format: 1\n")
    assert response.status_code == 400
    assert response.context["problems"] == [
        ".yaml: the file has no name before '.yaml': rename it, e.g. to 'plan.yaml'"
    ]
    response = upload(plan_admin, "deep.json", b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400
    assert response.context["problems"] == ["deep.json: nested more than 50 levels deep"]
