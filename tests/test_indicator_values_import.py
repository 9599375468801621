"""Values from CSV and XLSX: every bad row is reported (sheet, row, column, why) and nothing is
written unless the whole file is good; a good file adds or updates values and says who entered them."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from indicators.importers import IndicatorFileError
from indicators.importers.values_table import import_values_file
from indicators.models import IndicatorRag, IndicatorValue, Outlook, Period
from tests.indicator_helpers import import_key_statistics, import_report

pytestmark = pytest.mark.django_db


def write_csv(tmp_path, text, name="values.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def write_xlsx(tmp_path, sheets, name="values.xlsx"):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def value(code, label):
    return IndicatorValue.objects.get(indicator__code=code, period__label=label)


GOOD_CSV = """indicator,period,actual,rag,outlook,note
11,Q3 2017-18,655,R,↑,Entry-to-care panels running since November.
5,Q3 2017-18,16,,improving,
ASC-T1-P1,August 2024,560,,,
"""


def test_a_csv_adds_values_and_records_who_entered_them(tmp_path):
    import_report(), import_key_statistics()
    officer = get_user_model().objects.create_user("officer")
    when = datetime.datetime(2018, 1, 15, 9, 0, tzinfo=datetime.UTC)
    report = import_values_file(write_csv(tmp_path, GOOD_CSV), entered_by=officer, entered_at=when)
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    eleven = value("11", "Q3 2017-18")
    assert (eleven.actual, eleven.reported_rag, eleven.rag_text, eleven.outlook) == (
        Decimal("655"),
        IndicatorRag.RED,
        "R",
        Outlook.IMPROVING,
    )
    assert eleven.note == "Entry-to-care panels running since November."
    assert (eleven.entered_by, eleven.entered_at, eleven.source) == (officer, when, "Imported from values.csv")
    five = value("5", "Q3 2017-18")
    assert five.reported_rag == "" and five.rag == IndicatorRag.GREEN  # 16 is under the line to 14: computed
    assert Period.objects.get(label="Q3 2017-18").end == datetime.date(2017, 12, 31)
    assert value("ASC-T1-P1", "August 2024").actual == 560


def test_importing_the_same_csv_again_changes_nothing(tmp_path):
    import_report(), import_key_statistics()
    path = write_csv(tmp_path, GOOD_CSV)
    import_values_file(path)
    before = list(IndicatorValue.objects.order_by("pk").values())
    report = import_values_file(path, entered_at=datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 3)
    assert list(IndicatorValue.objects.order_by("pk").values()) == before


def test_a_column_the_file_leaves_out_is_left_alone_and_a_blank_cell_clears(tmp_path):
    import_report()
    import_values_file(write_csv(tmp_path, "indicator,period,actual\n46,Q2 2017-18,1700\n"))
    forty_six = value("46", "Q2 2017-18")
    assert (forty_six.actual, forty_six.reported_rag, forty_six.outlook) == (
        Decimal("1700"),
        IndicatorRag.GREEN,
        Outlook.IMPROVING,
    )
    assert "safe and well" in forty_six.note.lower()
    import_values_file(write_csv(tmp_path, "indicator,period,note\n46,Q2 2017-18,\n"))
    assert value("46", "Q2 2017-18").note == ""
    assert value("46", "Q2 2017-18").actual == Decimal("1700")


def test_three_bad_rows_are_all_reported_and_nothing_is_written(tmp_path):
    import_report()
    before = list(IndicatorValue.objects.order_by("pk").values())
    path = write_csv(
        tmp_path,
        "indicator,period,actual,rag\n"
        "11,Q3 2017-18,655,R\n"  # good, but must not be written
        "12,Q3 2017-18,200,Purple\n"  # row 3: bad RAG
        "99,Q3 2017-18,1,G\n"  # row 4: no such indicator
        "13,Q5 2017-18,lots,A\n",  # row 5: bad period and bad number
    )
    with pytest.raises(IndicatorFileError) as caught:
        import_values_file(path)
    assert caught.value.errors == [
        f"{path}: row 3, column 'rag': unknown RAG 'Purple' (use R, A, G, Red, Amber, Green or words like 'Due in Q3')",
        f"{path}: row 4, column 'indicator': unknown indicator '99'",
        f"{path}: row 5, column 'period': 'Q5 2017-18' is not a period: write a quarter (Q2 2017-18), a financial "
        "year (2017-18), a month (July 2024) or 12 months to a month (12 months to June 2024)",
        f"{path}: row 5, column 'actual': 'lots' is not a number",
    ]
    assert list(IndicatorValue.objects.order_by("pk").values()) == before
    assert not Period.objects.filter(label="Q3 2017-18").exists()


def test_an_xlsx_is_read_sheet_by_sheet(tmp_path):
    import_report()
    path = write_xlsx(
        tmp_path,
        {
            "Q3": [
                ["Indicator", "Period", "Actual", "RAG"],
                [11, "Q3 2017-18", 655, "Red"],
                [12, "Q3 2017-18", 230.5, "R"],
            ],
            "Notes": [],
            "Q4": [["indicator", "period", "outlook"], [11, "Q4 2017-18", "↔"]],
        },
    )
    report = import_values_file(path)
    assert report.created == 3
    assert value("12", "Q3 2017-18").actual == Decimal("230.5")
    assert value("11", "Q4 2017-18").outlook == Outlook.STABLE


def test_xlsx_errors_name_the_sheet_row_and_column(tmp_path):
    import_report()
    path = write_xlsx(
        tmp_path,
        {
            "Q3": [
                ["indicator", "period", "actual", "rag"],
                [11, "Q3 2017-18", 655, "R"],
                [12, "Q3 2017-18", "n/k", "R"],
            ],
            "Q4": [["indicator", "period", "rag"], [11, "Q4 2017-18", "Blue"], [None, "Q4 2017-18", "G"]],
        },
    )
    with pytest.raises(IndicatorFileError) as caught:
        import_values_file(path)
    assert caught.value.errors == [
        f"{path}: sheet 'Q3', row 3, column 'actual': 'n/k' is not a number",
        f"{path}: sheet 'Q4', row 2, column 'rag': "
        "unknown RAG 'Blue' (use R, A, G, Red, Amber, Green or words like 'Due in Q3')",
        f"{path}: sheet 'Q4', row 3, column 'indicator': is missing",
    ]
    assert not IndicatorValue.objects.filter(period__label__in=["Q3 2017-18", "Q4 2017-18"]).exists()


def test_excel_dates_in_the_period_column_are_read_as_months(tmp_path):
    import_key_statistics()
    path = write_xlsx(
        tmp_path, {"Values": [["indicator", "period", "actual"], ["ASC-T1-P1", datetime.datetime(2024, 9, 1), 540]]}
    )
    import_values_file(path)
    assert value("ASC-T1-P1", "September 2024").actual == 540


def test_unknown_and_missing_columns_are_refused(tmp_path):
    import_report()
    path = write_csv(tmp_path, "indicator,when,actual,colour\n11,Q3 2017-18,1,red\n")
    with pytest.raises(IndicatorFileError) as caught:
        import_values_file(path)
    assert caught.value.errors == [
        f"{path}: row 1, column 'when': unknown column",
        f"{path}: row 1, column 'colour': unknown column",
        f"{path}: row 1, column 'period': missing column",
    ]


def test_the_same_indicator_and_period_twice_is_refused(tmp_path):
    import_report()
    path = write_csv(tmp_path, "indicator,period,actual\n11,Q3 2017-18,650\nIndicator 11,q3 2017/18,655\n")
    with pytest.raises(IndicatorFileError) as caught:
        import_values_file(path)
    assert caught.value.errors == [f"{path}: row 3, column 'period': indicator 11 Q3 2017-18 is already on row 2"]


def test_an_empty_or_unreadable_file_is_refused(tmp_path):
    with pytest.raises(IndicatorFileError, match="is empty"):
        import_values_file(write_csv(tmp_path, "\n\n"))
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    with pytest.raises(IndicatorFileError, match="cannot be read"):
        import_values_file(broken)
    with pytest.raises(IndicatorFileError, match="expected .csv or .xlsx"):
        import_values_file(tmp_path / "values.txt")


def test_the_command_imports_as_a_user_and_refuses_a_bad_file(tmp_path, capsys):
    import_report()
    officer = get_user_model().objects.create_user("officer")
    call_command(
        "import_indicator_values",
        str(write_csv(tmp_path, GOOD_CSV.replace("ASC-T1-P1,August 2024,560,,,\n", ""))),
        "--user",
        "officer",
    )
    assert "2 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert value("11", "Q3 2017-18").entered_by == officer
    assert value("11", "Q3 2017-18").entered_at is not None
    bad = write_csv(tmp_path, "indicator,period,rag\n11,Q4 2017-18,Purple\n", "bad.csv")
    with pytest.raises(CommandError, match=r"row 2, column 'rag'.*\n.*Nothing was imported"):
        call_command("import_indicator_values", str(bad))
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("import_indicator_values", str(bad), "--user", "nobody")
