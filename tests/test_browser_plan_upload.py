"""A plan admin takes a plan out to a spreadsheet, edits it, and brings it back in Chromium:
upload, preview of what changes, confirm. The pages pass axe, and work without JavaScript."""

import openpyxl
import pytest
from playwright.sync_api import expect

from actionplan.models import Action
from tests.browser import serious_accessibility_violations, sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _edit(path, row, heading, value):
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Actions"]
    column = [c.value for c in sheet[1]].index(heading) + 1
    sheet.cell(row=row, column=column).value = value
    workbook.save(path)


def _download(page, tmp_path):
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a spreadsheet (XLSX)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    return path


def test_plan_admin_downloads_edits_previews_and_confirms(page, tmp_path, plan_admin, small_plan):
    page.goto(f"/plans/{small_plan.slug}/")
    sign_in(page, "plan-admin", PASSWORD)
    path = _download(page, tmp_path)
    assert path.name == "small-plan.xlsx"
    _edit(path, 2, "Title", "Agree the refreshed vision <b>in Excel</b>")

    page.get_by_role("link", name="Import a plan spreadsheet").click()
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Plan file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check the import before you confirm it")
    summary = page.locator("#import-summary")
    expect(summary).to_contain_text("Actions changed 1: A1")
    expect(summary).to_contain_text("Actions created 0")
    expect(summary).to_contain_text("Actions unchanged 3")
    assert serious_accessibility_violations(page) == []
    assert Action.objects.get(plan=small_plan, code="A1").title == "Agree the refreshed vision"

    page.get_by_role("button", name="Confirm and import").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Imported small-plan.xlsx: 0 created, 1 changed")
    assert page.url.endswith(f"/plans/{small_plan.slug}/")
    # Source HTML is shown as text, never run.
    expect(page.get_by_text("Agree the refreshed vision <b>in Excel</b>")).to_be_visible()
    assert Action.objects.get(plan=small_plan, code="A1").title == "Agree the refreshed vision <b>in Excel</b>"


def test_a_bad_spreadsheet_lists_every_bad_row_without_javascript(page_without_js, tmp_path, plan_admin, small_plan):
    page = page_without_js
    page.goto(f"/plans/{small_plan.slug}/")
    sign_in(page, "plan-admin", PASSWORD)
    path = tmp_path / "small.xlsx"
    path.write_bytes(page.request.get(f"/plans/{small_plan.slug}/download.xlsx").body())
    _edit(path, 2, "Responsible", "KT, NOBODY")
    _edit(path, 3, "Completion date", "31/02/18")
    _edit(path, 4, "RAG", "Purple")

    page.goto("/plan-upload/")
    page.get_by_label("Plan file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()

    problems = page.locator("#import-problems li")
    expect(problems).to_have_count(3)
    expect(problems.nth(0)).to_contain_text("sheet 'Actions', row 2, column 'Responsible'")
    expect(problems.nth(1)).to_contain_text("sheet 'Actions', row 3, column 'Completion date'")
    expect(problems.nth(2)).to_contain_text("sheet 'Actions', row 4, column 'RAG'")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Nothing has been changed")
    assert [o.code for o in Action.objects.get(plan=small_plan, code="A1").responsible.all()] == ["DHa", "KT"]
