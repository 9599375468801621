"""Owners and organisations are shared between plans: an import may create and link them, but may
change one that other plans use only for a user who may administer all of those plans. The
command line may change them, and says what it changed outside the plan."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from actionplan.exporters import dump_plan
from actionplan.importers import PlanFileError, save_plan, validate_plan_file
from actionplan.models import Owner
from partnerships.models import Organisation
from tests.helpers import big_plan, give_role, import_cqc_plan, write_plan
from tests.test_plan_spreadsheets import edit_cells

pytestmark = pytest.mark.django_db

CQC_TITLE = "Oxfordshire Local System Review action plan"


@pytest.fixture
def cqc(small_plan):
    """The CQC plan beside the small plan: both name KT, DHa and DHe; only the CQC plan names OUHFT."""
    return import_cqc_plan()


def owners_sheet_row(path, code):
    import openpyxl

    sheet = openpyxl.load_workbook(path)["Owners"]
    return next(row[0].row for row in sheet.iter_rows(min_row=2) if row[1].value == code)


def upload(user, path):
    client = Client()
    client.force_login(user)
    with open(path, "rb") as handle:
        return client.post(reverse("actionplan:upload_plan"), {"file": handle})


def small_plan_workbook(tmp_path, small_plan):
    path = tmp_path / "small.xlsx"
    path.write_bytes(dump_plan(small_plan, "xlsx"))
    return path


def test_a_plan_admin_cannot_rename_an_owner_another_plan_uses(tmp_path, plan_admin, small_plan, cqc):
    path = small_plan_workbook(tmp_path, small_plan)
    edit_cells(path, {(owners_sheet_row(path, "KT"), "Name"): "Mallory Tampered"}, sheet="Owners")
    response = upload(plan_admin, path)
    assert response.status_code == 400
    [problem] = response.context["problems"]
    assert problem.startswith("small.xlsx: sheet 'Owners', row")
    assert "person KT" in problem and f"'{CQC_TITLE}'" in problem and "you do not administer" in problem
    assert "'Kate Terroni' → 'Mallory Tampered'" in problem
    assert Owner.objects.get(code="KT").name == "Kate Terroni"


def test_a_plan_admin_cannot_change_an_organisation_of_a_plan_they_cannot_see(tmp_path, plan_admin, small_plan, cqc):
    path = small_plan_workbook(tmp_path, small_plan)
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    workbook["Owners"].append(["Organisation", "OUHFT", "Renamed by someone else", "", "", ""])
    workbook.save(path)
    response = upload(plan_admin, path)
    assert response.status_code == 400
    assert any("organisation OUHFT" in p and CQC_TITLE in p for p in response.context["problems"])
    assert Organisation.objects.get(code="OUHFT").name == "Oxford University Hospitals NHS Foundation Trust"


def test_a_plan_admin_may_add_owners_and_link_shared_ones(tmp_path, plan_admin, small_plan, cqc):
    path = small_plan_workbook(tmp_path, small_plan)
    import openpyxl

    workbook = openpyxl.load_workbook(path)
    owners = workbook["Owners"]
    owners.append(["Person", "NEW", "A new officer", "", "", ""])
    # BH and his organisation as the CQC plan has them: linked, not changed.
    owners.append(["Organisation", "OUHFT", "Oxford University Hospitals NHS Foundation Trust", "", "", ""])
    role = "Chief Executive Officer; Chair of Accident and Emergency Delivery Board"
    owners.append(["Person", "BH", "Bruno Holthof", role, "OUHFT", ""])
    workbook.save(path)
    edit_cells(path, {(3, "Responsible"): "NEW, BH"})
    preview = upload(plan_admin, path)
    assert preview.status_code == 200, preview.context.get("problems")
    assert preview.context["report"].shared_changes == []
    save_plan(validate_plan_file(path), plan_admin)
    linked = small_plan.actions.get(code="A1 i").responsible.all()
    assert sorted(o.code for o in linked) == ["BH", "NEW"]


def test_an_admin_of_every_plan_that_uses_an_owner_may_change_it_and_is_told(tmp_path, plan_admin, small_plan, cqc):
    give_role(plan_admin, cqc, "admin")
    path = small_plan_workbook(tmp_path, small_plan)
    edit_cells(path, {(owners_sheet_row(path, "KT"), "Name"): "Kate Terroni-Smith"}, sheet="Owners")
    clean = validate_plan_file(path)
    report = save_plan(clean, plan_admin)
    assert report.shared_changes == [
        f"person KT (also used by '{CQC_TITLE}'): name 'Kate Terroni' → 'Kate Terroni-Smith'"
    ]
    assert Owner.objects.get(code="KT").name == "Kate Terroni-Smith"


def test_the_refusal_changes_nothing_even_when_the_rest_of_the_file_is_good(tmp_path, plan_admin, small_plan, cqc):
    path = small_plan_workbook(tmp_path, small_plan)
    edit_cells(path, {(2, "Title"): "Edited too"})
    edit_cells(path, {(owners_sheet_row(path, "DHa"), "Role"): "Tampered role"}, sheet="Owners")
    with pytest.raises(PlanFileError, match="person DHa"):
        save_plan(validate_plan_file(path), plan_admin)
    assert small_plan.actions.get(code="A1").title == "Agree the refreshed vision"
    assert Owner.objects.get(code="DHa").role != "Tampered role"


def test_the_command_line_may_change_shared_owners_and_reports_what_it_changed_outside_the_plan(tmp_path, capsys, cqc):
    # The bench plan names DHa and DHe without their organisations, which the CQC plan gives them.
    path = write_plan(tmp_path, big_plan(1, 1, 1))
    call_command("import_plan", str(path))
    out = capsys.readouterr().out
    assert "Changed outside this plan: person DHa (also used by " in out
    assert f"'{CQC_TITLE}'" in out and "organisation OHFT → none" in out
    assert Owner.objects.get(code="DHa").organisation is None
