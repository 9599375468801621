import datetime

import pytest
from django.core.management import CommandError, call_command

from actionplan.importers import PlanFileError
from actionplan.importers.yaml_plan import import_plan_file
from actionplan.models import Action, Milestone, Owner, Plan, ProgressUpdate, StrategicPriority
from partnerships.models import Organisation
from tests.helpers import CQC_FIXTURE, cqc_data, import_cqc_plan, minimal_plan, write_plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def boards(db):
    """The CQC plan file names its assuring board (assured_by: hwb) and the indicators its actions move."""
    from tests.helpers import import_indicators, import_partnerships

    import_partnerships()
    import_indicators()


def codes(owners):
    return sorted(o.code for o in owners)


# -- the CQC plan, whole -----------------------------------------------------------------------


def test_the_cqc_plan_has_15_priorities_46_key_actions_and_34_sub_actions():
    plan = import_cqc_plan()
    assert list(plan.priorities.values_list("code", flat=True)) == list("ABCDEFGHIJKLMNO")
    assert plan.actions.key_actions().count() == 46
    assert plan.actions.sub_actions().count() == 34
    sub_counts = {a.code: a.sub_actions.count() for a in plan.actions.key_actions() if a.sub_actions.exists()}
    assert sub_counts == {
        "A4": 2,
        "C1": 4,
        "D1": 3,
        "E3": 7,
        "F3": 3,
        "G2": 7,
        "H2": 3,
        "I1": 2,
        "L2": 2,
        "N3": 1,
    }


def test_the_key_to_initials_gives_13_people_with_name_role_and_organisation():
    import_cqc_plan()
    people = Owner.objects.people()
    assert people.count() == 13
    assert sorted(people.values_list("code", flat=True)) == sorted(
        ["BH", "BL", "DHa", "DHe", "JMW", "IH", "KC", "KT", "LP", "PB", "SF", "SW", "TB"]
    )
    bh = people.get(code="BH")
    assert bh.name == "Bruno Holthof"
    assert bh.organisation.code == "OUHFT"
    assert "Chair of Accident and Emergency Delivery Board" in bh.role
    assert people.get(code="PB").organisation.name == "Health Education Thames Valley"


def test_dha_and_dhe_are_different_people():
    import_cqc_plan()
    assert Owner.objects.get(code="DHa").name == "Dominic Hardisty"
    assert Owner.objects.get(code="DHe").name == "Diane Hedges"


def test_the_organisations_and_the_groups_are_owners_too():
    import_cqc_plan()
    assert set(Organisation.objects.values_list("code", flat=True)) >= {"OCC", "OUHFT", "OHFT", "OCCG", "HETV"}
    assert set(Owner.objects.groups().values_list("code", flat=True)) == {"Chief Executives", "System Flow Executive"}


def test_bh_is_accountable_for_exactly_7_key_actions():
    plan = import_cqc_plan()
    bh = Owner.objects.get(code="BH")
    assert sorted(plan.actions.key_actions().accountable_is(bh).values_list("code", flat=True)) == [
        "D1",
        "E1",
        "E3",
        "H1",
        "H2",
        "H3",
        "M1",
    ]


def test_chief_executives_are_accountable_for_5_key_actions():
    plan = import_cqc_plan()
    chief_executives = Owner.objects.get(code="Chief Executives")
    assert sorted(plan.actions.key_actions().accountable_is(chief_executives).values_list("code", flat=True)) == [
        "B1",
        "B2",
        "B3",
        "B4",
        "K1",
    ]


def test_i5_has_no_accountable_owner_and_a1_has_two():
    plan = import_cqc_plan()
    assert codes(plan.actions.get(code="I5").accountable.all()) == []
    assert codes(plan.actions.get(code="A1").accountable.all()) == ["IH", "KC"]


def test_g2_vi_is_pbs_and_due_31_march_2019():
    plan = import_cqc_plan()
    g2_vi = plan.actions.get(code="G2 vi")
    assert g2_vi.parent.code == "G2"
    assert codes(g2_vi.responsible_owners()) == ["PB"]
    assert g2_vi.completion_date_text == "March 2019"
    assert g2_vi.due_date == datetime.date(2019, 3, 31)


def test_h3_has_no_due_date_and_keeps_its_text():
    plan = import_cqc_plan()
    h3 = plan.actions.get(code="H3")
    assert h3.due_date is None
    assert h3.completion_date_text == "TBC subject to completion of review"
    assert h3 in plan.actions.no_date_set()


def test_two_milestones_are_kept_for_a4():
    plan = import_cqc_plan()
    a4 = plan.actions.get(code="A4")
    assert [(m.label, m.due_date) for m in a4.milestones.all()] == [
        ("draft for HWB", datetime.date(2018, 3, 22)),
        ("final", datetime.date(2018, 5, 31)),
    ]
    assert a4.due_date == datetime.date(2018, 5, 31)


def test_sub_actions_inherit_what_the_source_does_not_give_them():
    plan = import_cqc_plan()
    c1_i, c1_iii = plan.actions.get(code="C1 i"), plan.actions.get(code="C1 iii")
    assert codes(c1_i.responsible_owners()) == ["KT", "LP"]
    assert c1_i.inherits_completion_date and c1_i.due_date == datetime.date(2018, 11, 15)
    assert codes(c1_iii.responsible_owners()) == ["BL", "DHa", "DHe"]
    assert c1_iii.due_date == datetime.date(2018, 11, 30)
    assert c1_iii.latest_update().narrative.startswith("Draft frailty pathway in place")
    assert c1_i.latest_update() is None
    kt = Owner.objects.get(code="KT")
    responsible = set(plan.actions.responsible_is(kt).values_list("code", flat=True))
    assert {"C1", "C1 i", "C1 ii", "G2 i", "G2 ii"} <= responsible
    assert "C1 iii" not in responsible


def test_a_key_action_with_only_dated_sub_actions_is_due_with_its_last_one():
    plan = import_cqc_plan()
    g2 = plan.actions.get(code="G2")
    assert g2.completion_date_text == ""
    assert g2.due_date == datetime.date(2019, 9, 30)


def test_current_progress_becomes_the_first_update_dated_to_the_reporting_date_author_unknown():
    plan = import_cqc_plan()
    assert plan.reporting_date == datetime.date(2018, 3, 22)
    update = plan.actions.get(code="B2").latest_update()
    assert update.narrative == "Initial principles agreed 26/1/18"
    assert update.reported_on == plan.reporting_date
    assert update.author is None and update.imported
    assert update.author_display == "Author unknown"


def test_source_html_is_clean_text():
    plan = import_cqc_plan()
    texts = [a.title for a in plan.actions.all()] + list(ProgressUpdate.objects.values_list("narrative", flat=True))
    assert not [t for t in texts if "<" in t or "&amp;" in t]
    assert plan.actions.get(code="A1").title == "Agree the refreshed vision for Health & Wellbeing in Oxfordshire"


def test_the_plan_metadata_is_kept():
    plan = import_cqc_plan()
    assert plan.board_name == "Oxfordshire Health and Wellbeing Board"
    assert plan.review_date == datetime.date(2017, 11, 27)
    assert plan.plan_date == datetime.date(2018, 3, 22)
    assert "Spring Budget 2017" in plan.background
    assert plan.priorities.get(code="A").text.endswith("bringing people back to the forefront of service delivery.")


# -- re-import -----------------------------------------------------------------------------------


def table_counts():
    return [
        m.objects.count() for m in (Plan, StrategicPriority, Action, Owner, Organisation, Milestone, ProgressUpdate)
    ]


def test_re_importing_updates_in_place_and_duplicates_nothing():
    first = import_cqc_plan()
    before = table_counts()
    a1_pk = first.actions.get(code="A1").pk
    report = import_plan_file(CQC_FIXTURE)
    assert table_counts() == before
    assert report.created == report.updated == report.removed == 0
    assert report.plan.pk == first.pk
    assert report.plan.actions.get(code="A1").pk == a1_pk


def test_re_importing_an_edited_file_changes_only_what_was_edited(tmp_path):
    plan = import_cqc_plan()
    data = cqc_data()
    a1 = data["priorities"][0]["actions"][0]
    a1["title"] = "Agree the refreshed vision (edited)"
    a1["responsible"] = ["JMW"]
    a1["progress"] = "Vision agreed."
    report = import_plan_file(write_plan(tmp_path, data))
    assert report.updated == 1 and report.created == 0
    a1_row = plan.actions.get(code="A1")
    assert a1_row.title == "Agree the refreshed vision (edited)"
    assert codes(a1_row.responsible.all()) == ["JMW"]
    assert [u.narrative for u in a1_row.progress_updates.all()] == ["Vision agreed."]


def test_an_action_taken_out_of_the_file_is_removed(tmp_path):
    data = minimal_plan()
    import_plan_file(write_plan(tmp_path, data))
    data["priorities"][0]["actions"].pop()
    report = import_plan_file(write_plan(tmp_path, data))
    assert report.removed == 1
    assert not Action.objects.filter(code="A2").exists()


def test_an_action_with_officers_updates_is_never_removed_by_an_import(tmp_path):
    data = minimal_plan()
    plan = import_plan_file(write_plan(tmp_path, data)).plan
    ProgressUpdate.objects.create(
        action=plan.actions.get(code="A2"), reported_on=datetime.date(2018, 4, 1), narrative="Officer's update"
    )
    data["priorities"][0]["actions"].pop()
    with pytest.raises(PlanFileError, match="A2"):
        import_plan_file(write_plan(tmp_path, data))
    assert plan.actions.filter(code="A2").exists()


# -- bad files change nothing ---------------------------------------------------------------------


def refused(tmp_path, data):
    """Import a bad file over the CQC plan; prove nothing changed and return the errors."""
    import_cqc_plan()
    before = table_counts()
    path = write_plan(tmp_path, data, name="bad-plan.yaml")
    with pytest.raises(PlanFileError) as caught:
        import_plan_file(path)
    assert table_counts() == before
    assert all(str(path) in e for e in caught.value.errors)
    return caught.value.errors


def test_unknown_initials_are_refused_naming_the_item_and_field(tmp_path):
    data = cqc_data()
    data["priorities"][1]["actions"][1]["responsible"] = ["ZZ"]
    data["priorities"][1]["actions"][1]["title"] = "Changed, but must not be saved"
    errors = refused(tmp_path, data)
    assert errors == [
        f"{tmp_path / 'bad-plan.yaml'}: action B2, field 'responsible': "
        "unknown owner 'ZZ' (not in people, groups or organisations)"
    ]
    assert Action.objects.get(code="B2").title != "Changed, but must not be saved"


def test_initials_are_case_sensitive(tmp_path):
    data = cqc_data()
    data["priorities"][0]["actions"][0]["responsible"] = ["Dha"]
    [error] = refused(tmp_path, data)
    assert "action A1, field 'responsible'" in error and "'Dha'" in error


def test_a_missing_code_is_refused(tmp_path):
    data = cqc_data()
    del data["priorities"][2]["actions"][0]["code"]
    [error] = refused(tmp_path, data)
    assert "priority C actions[0], field 'code': is missing" in error


def test_a_duplicate_code_is_refused(tmp_path):
    data = cqc_data()
    data["priorities"][0]["actions"][1]["code"] = "A1"
    [error] = refused(tmp_path, data)
    assert "action A1, field 'code': duplicate code 'A1'" in error


def test_a_malformed_date_is_refused(tmp_path):
    data = cqc_data()
    data["priorities"][4]["actions"][1]["completion_date"] = "31/02/18"
    [error] = refused(tmp_path, data)
    assert "action E2, field 'completion_date': '31/02/18' is not a real date" in error


def test_every_problem_is_reported_at_once(tmp_path):
    data = cqc_data()
    data["priorities"][0]["actions"][0]["accountable"] = ["XX"]
    data["priorities"][14]["actions"][2]["completion_date"] = "30/02/19"
    data["people"][0]["organisation"] = "NOPE"
    errors = refused(tmp_path, data)
    assert len(errors) == 3
    assert any("person BH, field 'organisation'" in e for e in errors)
    assert any("action A1, field 'accountable'" in e for e in errors)
    assert any("action O3, field 'completion_date'" in e for e in errors)


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path):
    import_cqc_plan()
    path = tmp_path / "broken.yaml"
    path.write_text("plan:\n  slug: x\n  title: [unclosed\n", encoding="utf-8")
    with pytest.raises(PlanFileError) as caught:
        import_plan_file(path)
    assert str(path) in caught.value.errors[0] and "line" in caught.value.errors[0]


def test_the_command_says_what_was_imported_and_refuses_a_bad_file(tmp_path, capsys):
    call_command("import_plan", str(CQC_FIXTURE))
    assert "123 created" in capsys.readouterr().out
    data = cqc_data()
    data["priorities"][0]["actions"][0]["accountable"] = ["XX"]
    path = write_plan(tmp_path, data)
    with pytest.raises(CommandError, match=r"action A1, field 'accountable'.*\n.*Nothing was imported"):
        call_command("import_plan", str(path))


def test_a_small_hand_written_plan_imports(tmp_path):
    plan = import_plan_file(write_plan(tmp_path, minimal_plan())).plan
    a1_i, a1_ii = plan.actions.get(code="A1 i"), plan.actions.get(code="A1 ii")
    assert codes(a1_i.responsible_owners()) == ["DHa", "KT"]
    assert a1_i.due_date == datetime.date(2018, 5, 31)
    assert codes(a1_ii.responsible_owners()) == ["DHe"]
    assert a1_ii.due_date == datetime.date(2019, 5, 31)


def test_the_cqc_plan_is_assured_by_the_hwb(boards):
    plan = import_cqc_plan()
    assert plan.board.slug == "hwb"
    assert list(plan.board.plans.all()) == [plan]


def test_an_unknown_assuring_board_is_refused(tmp_path):
    path = write_plan(tmp_path, minimal_plan(assured_by="no-such-board"))
    with pytest.raises(PlanFileError) as refused:
        import_plan_file(path)
    assert "plan, field 'assured_by': unknown partnership 'no-such-board'" in str(refused.value)
    assert not Plan.objects.exists()
