"""Plans in and out of the spreadsheet template (XLSX, CSV): round trips, errors, downloads, uploads."""

import csv
import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from actionplan.exporters import dump_plan, plan_to_dict
from actionplan.importers import PlanFileError, import_plan_file
from actionplan.models import Action, Owner, Plan
from partnerships.models import Organisation
from tests.helpers import CQC_SLUG, import_cqc_plan, import_partnerships

pytestmark = pytest.mark.django_db


def export(tmp_path, slug, fmt, name=None):
    path = tmp_path / (name or f"{slug}.{fmt}")
    call_command("export_plan", slug, "--format", fmt, "--output", str(path))
    return path


def empty_the_database():
    Plan.objects.all().delete()
    Owner.objects.all().delete()
    Organisation.objects.all().delete()


def edit_cells(path, edits, sheet="Actions"):
    """Change cells of a workbook: {(row, column heading): value}."""
    workbook = openpyxl.load_workbook(path)
    ws = workbook[sheet]
    headings = [c.value for c in ws[1]]
    for (row, heading), value in edits.items():
        ws.cell(row=row, column=headings.index(heading) + 1).value = value  # cell(value=None) would not clear it
    workbook.save(path)
    return path


def actions_rows(path):
    workbook = openpyxl.load_workbook(path, read_only=True)
    return [list(r) for r in workbook["Actions"].iter_rows(values_only=True)]


def test_cqc_plan_to_xlsx_into_an_empty_database_gives_back_the_same_json(tmp_path):
    import_cqc_plan()
    original_json = json.loads(export(tmp_path, CQC_SLUG, "json").read_text(encoding="utf-8"))
    workbook = export(tmp_path, CQC_SLUG, "xlsx")

    empty_the_database()
    report = import_plan_file(workbook)
    assert report.plan.actions.count() == 80
    assert (
        json.loads(export(tmp_path, CQC_SLUG, "json", name="again.json").read_text(encoding="utf-8")) == original_json
    )


def test_the_hic_plan_keeps_its_status_words_and_rag_through_a_workbook(tmp_path):
    import_partnerships()
    call_command("import_plan", "fixtures/plans/hic-implementation-plan-2018.yaml")
    slug = "hic-implementation-plan-2018"
    before = plan_to_dict(Plan.objects.get(slug=slug))
    workbook = export(tmp_path, slug, "xlsx")
    empty_the_database()
    import_plan_file(workbook)
    assert plan_to_dict(Plan.objects.get(slug=slug)) == before


def test_the_template_has_one_row_per_action_with_the_documented_columns(tmp_path):
    import_cqc_plan()
    rows = actions_rows(export(tmp_path, CQC_SLUG, "xlsx"))
    assert rows[0] == [
        "Plan",
        "Priority code",
        "Priority text",
        "Action code",
        "Parent code",
        "Title",
        "Description",
        "Accountable",
        "Responsible",
        "Completion date",
        "Status",
        "RAG",
        "Progress",
        "Indicators",
    ]
    assert len(rows) == 1 + 80
    a1 = next(r for r in rows if r[3] == "A1")
    assert (a1[0], a1[1], a1[4], a1[7], a1[9]) == (CQC_SLUG, "A", None, "IH, KC", "31/05/18")
    g2_vi = next(r for r in rows if r[3] == "G2 vi")
    assert g2_vi[4] == "G2"


def test_export_edit_import_changes_only_what_was_edited(tmp_path):
    import_cqc_plan()
    workbook = export(tmp_path, CQC_SLUG, "xlsx")
    a1_row = 1 + next(i for i, r in enumerate(actions_rows(workbook)) if r[3] == "A1")
    edit_cells(
        workbook, {(a1_row, "Title"): "Agree the refreshed vision, edited in Excel", (a1_row, "Responsible"): "KT"}
    )
    report = import_plan_file(workbook)
    assert report.actions_changed == ["A1"]
    assert report.removed == 0
    a1 = Action.objects.get(plan__slug=CQC_SLUG, code="A1")
    assert a1.title == "Agree the refreshed vision, edited in Excel"
    assert [o.code for o in a1.responsible.all()] == ["KT"]


def test_a_csv_export_imports_back_unchanged(tmp_path):
    import_cqc_plan()
    path = export(tmp_path, CQC_SLUG, "csv")
    report = import_plan_file(path)
    assert (report.created, report.updated, report.removed) == (0, 0, 0)


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_escaped_and_come_back_intact(tmp_path, small_plan):
    a2 = small_plan.actions.get(code="A2")
    a2.description = '=HYPERLINK("http://example.org")'
    a2.save()
    path = tmp_path / "small.csv"
    path.write_text(dump_plan(small_plan, "csv"), encoding="utf-8", newline="")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert next(r for r in rows if r[3] == "A2")[6] == '\'=HYPERLINK("http://example.org")'
    a2.description = ""
    a2.save()
    import_plan_file(path)
    assert Action.objects.get(pk=a2.pk).description == '=HYPERLINK("http://example.org")'


def test_three_bad_rows_are_all_reported_and_nothing_is_written(tmp_path):
    import_cqc_plan()
    workbook = export(tmp_path, CQC_SLUG, "xlsx")
    empty_the_database()
    edit_cells(
        workbook,
        {
            (3, "Responsible"): "JMW, XYZ",  # initials nobody has
            (5, "Completion date"): "31/02/18",  # a day that cannot exist
            (8, "Title"): None,  # a title left out
        },
    )
    with pytest.raises(PlanFileError) as refused:
        import_plan_file(workbook)
    errors = refused.value.errors
    assert len(errors) == 3, errors
    assert "sheet 'Actions', row 3, column 'Responsible'" in errors[0] and "'XYZ'" in errors[0]
    assert "sheet 'Actions', row 5, column 'Completion date'" in errors[1]
    assert "sheet 'Actions', row 8, column 'Title'" in errors[2] and "is missing" in errors[2]
    assert all(e.startswith(str(workbook)) for e in errors)
    assert (Plan.objects.count(), Action.objects.count(), Owner.objects.count()) == (0, 0, 0)


def test_rows_only_a_spreadsheet_can_get_wrong_are_reported_with_the_rest(tmp_path, small_plan):
    path = tmp_path / "small.xlsx"
    path.write_bytes(dump_plan(small_plan, "xlsx"))
    edit_cells(
        path,
        {
            (2, "Action code"): None,  # A1 loses its code, so its sub-actions lose their parent
            (5, "RAG"): "Purple",
        },
    )
    with pytest.raises(PlanFileError) as refused:
        import_plan_file(path)
    text = "\n".join(refused.value.errors)
    assert "row 2, column 'Action code': is missing" in text
    assert "row 3, column 'Parent code': no key action 'A1' above this row" in text
    assert (
        "row 5, column 'RAG'" in text
        and "unknown RAG 'Purple' (use Red, Amber, Green, Complete or Not started)" in text
    )


def test_a_csv_cannot_create_a_plan(tmp_path, small_plan):
    path = tmp_path / "small.csv"
    path.write_text(dump_plan(small_plan, "csv"), encoding="utf-8", newline="")
    small_plan.delete()
    with pytest.raises(PlanFileError, match="plan 'small-plan' does not exist"):
        import_plan_file(path)


def test_an_xlsx_export_needs_a_file_to_write_to():
    import_cqc_plan()
    with pytest.raises(CommandError, match="--output"):
        call_command("export_plan", CQC_SLUG, "--format", "xlsx")


# -- downloads and uploads in the browser's terms (no JavaScript needed) -------------------------


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_a_board_member_downloads_the_plan_in_a_fixed_number_of_queries(
    board_member, small_plan, django_assert_max_num_queries
):
    client = signed_in(board_member)
    with django_assert_max_num_queries(20) as ctx:
        response = client.get(reverse("actionplan:download_plan", args=[small_plan.slug, "xlsx"]))
    queries = len(ctx.captured_queries)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="small-plan.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Actions", "Plan", "Owners"]
    # Twice the actions, same queries.
    second = small_plan.priorities.create(code="B", text="Another priority", position=1)
    for n in range(5):
        Action.objects.create(
            plan=small_plan, priority=second, code=f"B{n}", number=f"B{n}", title="More", position=10 + n
        )
    with django_assert_max_num_queries(queries):
        client.get(reverse("actionplan:download_plan", args=[small_plan.slug, "csv"]))


def test_the_plan_page_offers_the_download_and_only_admins_the_upload(board_member, plan_admin, small_plan):
    url = reverse("actionplan:plan", args=[small_plan.slug])
    member_page = signed_in(board_member).get(url).content.decode()
    assert reverse("actionplan:download_plan", args=[small_plan.slug, "xlsx"]) in member_page
    assert reverse("actionplan:upload_plan") not in member_page
    assert reverse("actionplan:upload_plan") in signed_in(plan_admin).get(url).content.decode()


def test_outsiders_cannot_download_and_viewers_cannot_upload(outsider, board_member, small_plan):
    assert (
        signed_in(outsider).get(reverse("actionplan:download_plan", args=[small_plan.slug, "xlsx"])).status_code == 403
    )
    assert signed_in(board_member).get(reverse("actionplan:upload_plan")).status_code == 403


def _upload(client, path):
    with open(path, "rb") as handle:
        return client.post(reverse("actionplan:upload_plan"), {"file": handle})


def test_upload_previews_then_imports_on_confirm(tmp_path, plan_admin, small_plan):
    path = tmp_path / "small.xlsx"
    path.write_bytes(dump_plan(small_plan, "xlsx"))
    edit_cells(path, {(2, "Title"): "Agree the refreshed vision (edited)"})
    client = signed_in(plan_admin)
    preview = _upload(client, path)
    assert preview.status_code == 200
    assert preview.context["report"].actions_changed == ["A1"]
    assert Action.objects.get(plan=small_plan, code="A1").title == "Agree the refreshed vision"  # not yet

    confirm = client.post(reverse("actionplan:confirm_plan_upload", args=[preview.context["token"]]))
    assert confirm.status_code == 302
    assert Action.objects.get(plan=small_plan, code="A1").title == "Agree the refreshed vision (edited)"
    # The stored upload is gone: confirming twice imports nothing twice.
    again = client.post(reverse("actionplan:confirm_plan_upload", args=[preview.context["token"]]))
    assert again.url == reverse("actionplan:upload_plan")


def test_a_bad_upload_lists_every_problem_and_changes_nothing(tmp_path, plan_admin, small_plan):
    path = tmp_path / "small.xlsx"
    path.write_bytes(dump_plan(small_plan, "xlsx"))
    edit_cells(path, {(2, "Responsible"): "NOBODY", (5, "Completion date"): "31/02/18"})
    response = _upload(signed_in(plan_admin), path)
    assert response.status_code == 400
    assert len(response.context["problems"]) == 2
    assert response.context["problems"][0].startswith("small.xlsx: sheet 'Actions', row 2, column 'Responsible'")
    assert [o.code for o in Action.objects.get(plan=small_plan, code="A1").responsible.all()] == ["DHa", "KT"]


def test_a_plan_admin_cannot_bring_in_a_new_plan_or_another_plan(tmp_path, plan_admin, small_plan):
    path = tmp_path / "cqc.xlsx"
    import_cqc_plan()
    path.write_bytes(dump_plan(Plan.objects.get(slug=CQC_SLUG), "xlsx"))
    assert _upload(signed_in(plan_admin), path).status_code == 403


def test_a_superuser_can_bring_in_a_new_plan(tmp_path, superuser, small_plan):
    path = tmp_path / "small.xlsx"
    path.write_bytes(dump_plan(small_plan, "xlsx"))
    edit_cells(path, {(2, "Value"): "small-plan-copy"}, sheet="Plan")
    edit_cells(path, {(r, "Plan"): "small-plan-copy" for r in range(2, 6)})
    client = signed_in(superuser)
    preview = _upload(client, path)
    assert preview.context["is_new"] and len(preview.context["report"].actions_created) == 4
    client.post(reverse("actionplan:confirm_plan_upload", args=[preview.context["token"]]))
    assert Plan.objects.get(slug="small-plan-copy").actions.count() == 4


def test_confirm_needs_the_csrf_token_and_the_uploaders_session(tmp_path, plan_admin, superuser, small_plan):
    path = tmp_path / "small.xlsx"
    path.write_bytes(dump_plan(small_plan, "xlsx"))
    preview = _upload(signed_in(plan_admin), path)
    token = preview.context["token"]
    no_csrf = signed_in(plan_admin, enforce_csrf_checks=True)
    assert no_csrf.post(reverse("actionplan:confirm_plan_upload", args=[token])).status_code == 403
    # Another user cannot confirm someone else's upload, even knowing its token.
    other = signed_in(superuser).post(reverse("actionplan:confirm_plan_upload", args=[token]))
    assert other.url == reverse("actionplan:upload_plan")
