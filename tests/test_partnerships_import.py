"""The partnerships file: the 13 profiles, the hierarchy, the JHWS priorities and the meetings."""

import datetime
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from partnerships import sections
from partnerships.importers import PartnershipFileError, import_partnerships_file, read_partnerships_file
from partnerships.models import Meeting, Partnership, StrategyPriority

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "partnerships.yaml"


def import_fixture():
    return import_partnerships_file(FIXTURE)


def fixture_data():
    return read_partnerships_file(FIXTURE)


def write(tmp_path, data, name="partnerships.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def board(data, slug):
    return next(p for p in data["partnerships"] if p["slug"] == slug)


def slugs(boards):
    return sorted(b.slug for b in boards)


# -- what the report holds ---------------------------------------------------------------------


def test_the_report_gives_13_partnership_profiles():
    import_fixture()
    assert sorted(Partnership.objects.profiled().values_list("name", flat=True)) == sorted(
        [
            "Oxfordshire Health and Wellbeing Board",
            "Health Improvement Board",
            "Children's Trust",
            "Joint Management Group – Adults with Care & Support Needs",
            "Better Care Fund Joint Management Group",
            "Oxfordshire Safeguarding Children Board",
            "Oxfordshire Safeguarding Adults Board",
            "Thames Valley Emergency Services Collaboration",
            "Safer Oxfordshire Partnership",
            "Oxfordshire Stronger Communities Alliance",
            "Oxfordshire Growth Board",
            "Oxfordshire Local Enterprise Partnership",
            "Oxfordshire Environment Partnership",
        ]
    )


def test_the_hwb_has_its_four_sub_group_profiles_and_the_integrated_system_delivery_board_as_children():
    import_fixture()
    hwb = Partnership.objects.get(slug="hwb")
    assert hwb.parent is None
    assert slugs(hwb.sub_boards.profiled()) == [
        "adults-jmg",
        "better-care-fund-jmg",
        "childrens-trust",
        "health-improvement-board",
    ]
    assert slugs(hwb.sub_boards.all()) == [
        "adults-jmg",
        "better-care-fund-jmg",
        "childrens-trust",
        "health-improvement-board",
        "integrated-system-delivery-board",
    ]
    isdb = Partnership.objects.get(slug="integrated-system-delivery-board")
    assert not isdb.has_profile
    assert isdb.chairs == ["Chief Executive of the Clinical Commissioning Group (CCG)"]


def test_the_safeguarding_adults_board_has_its_five_named_sub_groups():
    import_fixture()
    osab = Partnership.objects.get(slug="osab")
    assert sorted(osab.sub_boards.values_list("name", flat=True)) == [
        "Performance, Information & Quality Assurance",
        "Policy and Procedures",
        "Safeguarding Adult Review",
        "Training",
        "Vulnerable Adults Mortality Review",
    ]
    assert Partnership.objects.get(slug="osab-training").summary.endswith("This is shared with the Children's Board")


def test_the_roots_are_the_partnerships_that_report_to_no_other_board():
    import_fixture()
    assert slugs(Partnership.objects.roots()) == [
        "emergency-services-collaboration",
        "environment-partnership",
        "growth-board",
        "hwb",
        "osab",
        "oscb",
        "oxlep",
        "safer-oxfordshire",
        "stronger-communities-alliance",
    ]


def test_the_four_partnerships_the_report_marks_statutory_are_statutory():
    import_fixture()
    assert slugs(Partnership.objects.statutory()) == ["emergency-services-collaboration", "hwb", "osab", "oscb"]


def test_the_11_jhws_priorities_are_each_owned_by_the_board_the_source_names():
    import_fixture()
    owners = dict(StrategyPriority.objects.values_list("number", "owner__slug"))
    assert owners == {
        1: "childrens-trust",
        2: "childrens-trust",
        3: "childrens-trust",
        4: "childrens-trust",
        5: "better-care-fund-jmg",
        6: "adults-jmg",
        7: "better-care-fund-jmg",
        8: "health-improvement-board",
        9: "health-improvement-board",
        10: "health-improvement-board",
        11: "health-improvement-board",
    }
    assert StrategyPriority.objects.get(number=9).text == "Preventing chronic disease through tackling obesity"
    assert "both Joint Management Groups" in StrategyPriority.objects.get(number=6).note


def test_the_hwb_has_its_six_future_meeting_dates():
    import_fixture()
    hwb = Partnership.objects.get(slug="hwb")
    report_date = datetime.date(2018, 11, 6)
    assert list(hwb.meetings.upcoming(report_date).values_list("date", flat=True)) == [
        datetime.date(2018, 11, 15),
        datetime.date(2019, 3, 21),
        datetime.date(2019, 6, 13),
        datetime.date(2019, 9, 26),
        datetime.date(2019, 12, 5),
        datetime.date(2020, 3, 19),
    ]
    assert list(hwb.meetings.past(report_date).values_list("date", "kind")) == [
        (datetime.date(2018, 5, 10), "meeting in public"),
        (datetime.date(2018, 7, 19), "workshop"),
        (datetime.date(2018, 10, 3), "workshop"),
    ]
    assert hwb.meetings.get(date=datetime.date(2019, 3, 21)).date_text == "March 21st 2019"


def test_a_meeting_is_upcoming_on_its_own_day_and_past_the_day_after():
    import_fixture()
    meeting = Meeting.objects.get(partnership__slug="hwb", date=datetime.date(2018, 11, 15))
    assert meeting.is_upcoming(on=datetime.date(2018, 11, 15))
    assert not meeting.is_past(on=datetime.date(2018, 11, 15))
    assert meeting.is_past(on=datetime.date(2018, 11, 16))
    assert meeting in Meeting.objects.upcoming(on=datetime.date(2018, 11, 15))
    assert meeting not in Meeting.objects.upcoming(on=datetime.date(2018, 11, 16))


def test_last_and_next_meetings_are_kept_as_written_with_the_date_they_give():
    import_fixture()
    hwb = Partnership.objects.get(slug="hwb")
    assert (
        hwb.last_meeting_text == "10 May 2018 (meeting in public), 19 July 2018 (workshop), 3 October 2018 (workshop)"
    )
    assert hwb.last_meeting == datetime.date(2018, 10, 3)
    assert hwb.next_meeting_text == "15 November 2018 (meeting in public)"
    assert hwb.next_meeting == datetime.date(2018, 11, 15)


def test_a_next_meeting_without_a_day_keeps_its_words_and_gives_no_date():
    import_fixture()
    safer = Partnership.objects.get(slug="safer-oxfordshire")
    assert (safer.next_meeting_text, safer.next_meeting) == ("TBA February 2019", None)
    osca = Partnership.objects.get(slug="stronger-communities-alliance")
    assert (osca.next_meeting_text, osca.next_meeting) == ("January 2019", None)
    assert list(safer.meetings.values_list("date", flat=True)) == [datetime.date(2018, 9, 19)]


def test_profile_fields_are_kept_as_written():
    import_fixture()
    hwb = Partnership.objects.get(slug="hwb")
    assert hwb.chairs == ["Councillor Ian Hudspeth OCC"]
    assert hwb.vice_chair == "Dr Kiren Collison OCCG"
    assert hwb.lead_member == "Councillor Ian Hudspeth"
    assert hwb.lead_officer == "Strategic Director for People"
    assert hwb.website == "https://www.oxfordshire.gov.uk/residents/social-and-health-care/health-and-wellbeing-board"
    assert (hwb.profile_completed_text, hwb.profile_completed) == ("1 September 2018", datetime.date(2018, 9, 1))
    osab = Partnership.objects.get(slug="osab")
    assert osab.lead_officer == "Kate Terroni"
    assert (osab.website, osab.website_url) == ("www.osab.co.uk", "https://www.osab.co.uk")
    jmg = Partnership.objects.get(slug="adults-jmg")
    assert (jmg.lead_member, jmg.website) == ("n/a", "")
    assert Partnership.objects.get(slug="stronger-communities-alliance").chairs == [
        "Rt Revd Bishop Colin Fletcher",
        "Cllr Mark Gray",
    ]
    hib = Partnership.objects.get(slug="health-improvement-board")
    assert hib.chair_note == "The previous Chairman was Councillor Anna Badcock of South Oxfordshire DC"
    bcf = Partnership.objects.get(slug="better-care-fund-jmg")
    assert (bcf.profile_completed_text, bcf.profile_completed) == ("October 2018", None)


def test_lists_in_the_source_stay_lists():
    import_fixture()
    jmg = Partnership.objects.get(slug="adults-jmg")
    assert jmg.key_challenges == [
        {
            "list": [
                "The increasing needs of people with learning disabilities which are resulting in increased costs",
                "Ensuring that health and social care work together as effectively as possible to support individuals",
            ]
        }
    ]
    hwb = Partnership.objects.get(slug="hwb")
    membership = sections.plain_items(hwb.membership)
    assert len(membership) == 14
    assert membership[0] == "Leader of the County Council chair"
    children = Partnership.objects.get(slug="childrens-trust")
    assert {
        "numbered": [
            "Children missing out on education",
            "Social and emotional mental health and wellbeing",
            "Protect children from domestic abuse",
        ]
    } in children.aims
    # Three levels: the HIB's proposed priority areas.
    hib = Partnership.objects.get(slug="health-improvement-board")
    assert "Sugar Smart" in sections.plain_items(hib.current_focus)


def test_every_section_survives_the_admins_plain_text_form():
    import_fixture()
    for partnership in Partnership.objects.all():
        for name in Partnership.SECTIONS:
            value = getattr(partnership, name)
            assert sections.from_text(sections.to_text(value)) == value, (partnership.slug, name)


# -- re-import -----------------------------------------------------------------------------------


def table_counts():
    return [m.objects.count() for m in (Partnership, Meeting, StrategyPriority)]


def history_counts():
    return [m.history.count() for m in (Partnership, Meeting, StrategyPriority)]


def test_the_import_counts_what_it_wrote():
    report = import_fixture()
    assert (report.partnerships, report.profiles, report.meetings, report.priorities) == (20, 13, 31, 11)
    assert report.created == 20 + 31 + 11
    assert table_counts() == [20, 31, 11]


def test_re_importing_changes_nothing_and_duplicates_nothing():
    import_fixture()
    before, history = table_counts(), history_counts()
    hwb_pk = Partnership.objects.get(slug="hwb").pk
    report = import_fixture()
    assert (report.created, report.updated, report.removed) == (0, 0, 0)
    assert report.unchanged == 20 + 31 + 11
    assert table_counts() == before
    assert history_counts() == history
    assert Partnership.objects.get(slug="hwb").pk == hwb_pk


def test_re_importing_an_edited_file_updates_in_place(tmp_path):
    import_fixture()
    data = fixture_data()
    hib = board(data, "health-improvement-board")
    hib["chairs"] = ["Councillor Someone Else"]
    hib["meetings"].append({"date": "2019-02-21", "as_written": "21 February 2019"})
    osab = board(data, "osab")
    osab["meetings"] = [m for m in osab["meetings"] if m["date"] != "2018-12-19"]
    osab["next_meeting"] = "TBA"
    report = import_partnerships_file(write(tmp_path, data))
    assert (report.created, report.updated, report.removed) == (1, 2, 1)
    hib_row = Partnership.objects.get(slug="health-improvement-board")
    assert hib_row.chairs == ["Councillor Someone Else"]
    assert hib_row.history.first().chairs == ["Councillor Someone Else"]
    assert hib_row.meetings.count() == 3
    assert Partnership.objects.get(slug="osab").next_meeting is None
    assert not Meeting.objects.filter(partnership__slug="osab", date=datetime.date(2018, 12, 19)).exists()


def test_a_board_left_out_of_the_file_is_kept(tmp_path):
    import_fixture()
    data = fixture_data()
    data["partnerships"] = [p for p in data["partnerships"] if p["slug"] != "oxlep"]
    import_partnerships_file(write(tmp_path, data))
    assert Partnership.objects.filter(slug="oxlep").exists()


# -- bad files change nothing ----------------------------------------------------------------------


def refused(tmp_path, data):
    """Import a bad file over the fixture; prove nothing changed and return the errors."""
    import_fixture()
    before, history = table_counts(), history_counts()
    path = write(tmp_path, data, name="bad-partnerships.yaml")
    with pytest.raises(PartnershipFileError) as caught:
        import_partnerships_file(path)
    assert table_counts() == before
    assert history_counts() == history
    assert all(e.startswith(f"{path}: ") for e in caught.value.errors)
    return caught.value.errors


def test_an_unknown_parent_is_refused_naming_the_partnership_and_field(tmp_path):
    data = fixture_data()
    board(data, "childrens-trust")["parent"] = "xyz"
    board(data, "childrens-trust")["name"] = "Changed, but must not be saved"
    errors = refused(tmp_path, data)
    assert errors == [
        f"{tmp_path / 'bad-partnerships.yaml'}: partnership 'childrens-trust', field 'parent': "
        "unknown partnership 'xyz'"
    ]
    assert Partnership.objects.get(slug="childrens-trust").name == "Children's Trust"
    assert Partnership.objects.get(slug="childrens-trust").parent.slug == "hwb"


def test_a_duplicate_slug_is_refused(tmp_path):
    data = fixture_data()
    board(data, "oxlep")["slug"] = "growth-board"
    [error] = refused(tmp_path, data)
    assert "partnership 'growth-board', field 'slug': duplicate slug 'growth-board'" in error


def test_a_malformed_meeting_date_is_refused(tmp_path):
    data = fixture_data()
    board(data, "hwb")["meetings"][4]["date"] = "2019-02-30"
    [error] = refused(tmp_path, data)
    assert "partnership 'hwb' meetings[4], field 'date': '2019-02-30' is not a date written as YYYY-MM-DD" in error


def test_a_meeting_date_that_does_not_match_its_words_is_refused(tmp_path):
    data = fixture_data()
    board(data, "hwb")["meetings"][4]["date"] = "2019-03-22"
    [error] = refused(tmp_path, data)
    assert "partnership 'hwb' meetings[4], field 'as_written': 'March 21st 2019' does not say 22 March 2019" in error


def test_an_impossible_next_meeting_is_refused(tmp_path):
    data = fixture_data()
    board(data, "oxlep")["next_meeting"] = "31 February 2019"
    [error] = refused(tmp_path, data)
    assert "partnership 'oxlep', field 'next_meeting': '31 February 2019' is not a real date" in error


def test_a_last_meeting_missing_from_the_meetings_is_refused(tmp_path):
    data = fixture_data()
    board(data, "growth-board")["meetings"].pop(0)
    [error] = refused(tmp_path, data)
    assert "partnership 'growth-board', field 'last_meeting': 25 September 2018 is not one of its meetings" in error


def test_a_board_that_reports_to_itself_is_refused(tmp_path):
    data = fixture_data()
    board(data, "hwb")["parent"] = "health-improvement-board"
    errors = refused(tmp_path, data)
    assert any(
        "partnership 'hwb', field 'parent': reports to itself: hwb → health-improvement-board → hwb" in e
        for e in errors
    )


def test_a_priority_owned_by_an_unknown_board_is_refused(tmp_path):
    data = fixture_data()
    data["strategy_priorities"][8]["owner"] = "hib"
    [error] = refused(tmp_path, data)
    assert "JHWS priority 9, field 'owner': unknown partnership 'hib'" in error


def test_a_misspelt_field_is_refused(tmp_path):
    data = fixture_data()
    board(data, "hwb")["vice_chiar"] = board(data, "hwb").pop("vice_chair")
    [error] = refused(tmp_path, data)
    assert "partnership 'hwb', field 'vice_chiar': unknown field (did you mean 'vice_chair'?)" in error


def test_a_badly_shaped_section_is_refused_naming_where(tmp_path):
    data = fixture_data()
    board(data, "hwb")["aims"][1] = {"bullets": ["x"]}
    [error] = refused(tmp_path, data)
    assert "partnership 'hwb', field 'aims[1]': must be a paragraph" in error


def test_every_problem_is_reported_at_once(tmp_path):
    data = fixture_data()
    board(data, "childrens-trust")["parent"] = "xyz"
    board(data, "oxlep")["slug"] = "growth-board"
    board(data, "hwb")["meetings"][4]["date"] = "2019-02-30"
    board(data, "osab")["statutory"] = "yes please"
    errors = refused(tmp_path, data)
    assert len(errors) == 4
    assert any("partnership 'childrens-trust', field 'parent'" in e for e in errors)
    assert any("partnership 'growth-board', field 'slug'" in e for e in errors)
    assert any("partnership 'hwb' meetings[4], field 'date'" in e for e in errors)
    assert any("partnership 'osab', field 'statutory'" in e for e in errors)


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("partnerships:\n  - slug: x\n    name: [unclosed\n", encoding="utf-8")
    with pytest.raises(PartnershipFileError) as caught:
        import_partnerships_file(path)
    assert str(path) in caught.value.errors[0] and "line" in caught.value.errors[0]


def test_the_command_says_what_was_imported_and_refuses_a_bad_file(tmp_path, capsys):
    call_command("import_partnerships", str(FIXTURE))
    out = capsys.readouterr().out
    assert "20 boards (13 with profiles), 31 meetings, 11 JHWS priorities" in out
    assert "62 created" in out
    data = fixture_data()
    board(data, "hwb")["parent"] = "nowhere"
    with pytest.raises(CommandError, match=r"partnership 'hwb', field 'parent'.*\n.*Nothing was imported"):
        call_command("import_partnerships", str(write(tmp_path, data)))


def test_text_too_long_for_its_field_is_refused_before_anything_is_written(tmp_path):
    data = fixture_data()
    board(data, "oxlep")["vice_chair"] = "x" * 201
    [error] = refused(tmp_path, data)
    assert "partnership 'oxlep', field 'vice_chair': is 201 characters long; at most 200 fit" in error
