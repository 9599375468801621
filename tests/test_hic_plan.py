"""The Health Inequalities Commission implementation plan: a second, differently shaped plan."""

import datetime

import pytest
from django.core.management import call_command

from actionplan.importers.yaml_plan import import_plan_file
from actionplan.models import Action, Plan, ProgressUpdate
from actionplan.status import RAG
from tests.helpers import ROOT, import_partnerships

pytestmark = pytest.mark.django_db

HIC_FIXTURE = ROOT / "fixtures" / "plans" / "hic-implementation-plan-2018.yaml"
# The day the paper went to the CCG Board: its progress texts are reported as at then.
PAPER_DATE = datetime.date(2018, 1, 25)


@pytest.fixture
def report():
    import_partnerships()
    return import_plan_file(HIC_FIXTURE)


@pytest.fixture
def plan(report):
    return report.plan


def recommendations(plan):
    """The numbered recommendations, wherever they sit: section 1's under its work areas."""
    return {a.number: a for a in plan.actions.select_related("priority", "parent") if a.number.isdigit()}


def test_recommendations_1_to_60_exist_except_56_and_59_each_once(plan):
    numbers = sorted(int(n) for n in recommendations(plan))
    assert numbers == [n for n in range(1, 61) if n not in (56, 59)]
    assert len(numbers) == plan.actions.filter(number__regex=r"^\d+$").count()


def test_each_recommendation_is_in_its_section(plan):
    recs = recommendations(plan)
    sections = {n: recs[n].priority.code for n in recs}
    assert {n for n, s in sections.items() if s == "2"} == {
        "1",
        "2",
        "6",
        "18",
        "19",
        "20",
        "23",
        "25",
        "26",
        "32",
        "35",
        "36",
        "38",
        "42",
        "45",
        "47",
        "53",
        "54",
        "58",
    }
    assert {n for n, s in sections.items() if s == "3"} == {
        "7",
        "8",
        "9",
        "16",
        "21",
        "22",
        "27",
        "34",
        "37",
        "39",
        "40",
        "41",
        "44",
        "48",
        "49",
        "51",
        "52",
        "55",
        "57",
        "60",
    }
    assert len([s for s in sections.values() if s == "1"]) == 19


def test_section_3_lists_its_20_recommendations_from_7_as_the_paper_does(plan):
    section_3 = plan.actions.filter(priority__code="3").order_by("position")
    assert section_3.count() == 20
    seven = section_3.first()
    assert (seven.number, seven.parent) == ("7", None)
    assert seven.title.startswith("Resource allocation should be reviewed")
    assert seven.progress_updates.get().narrative.startswith("All Primary Care workplans")


def test_section_1_is_five_work_areas_with_their_recommendations(plan):
    work_areas = plan.actions.key_actions().filter(priority__code="1").order_by("position")
    assert [w.code for w in work_areas] == ["a", "b", "c", "d", "e"]
    under = {w.code: sorted(int(s.number) for s in w.sub_actions.all()) for w in work_areas}
    # Each work area's own recommendation, and those only its footnote names.
    assert under == {
        "a": [3, 5, 10, 11, 15, 24, 43],
        "b": [],
        "c": [12, 13, 14],
        "d": [4, 17, 31, 33, 46, 50],
        "e": [28, 29, 30],
    }
    assert "Monitor impact to ensure gap is not widened (5)" in work_areas[0].description
    # The Innovation Fund is recommendation 7's fourth part: the work area links to it in section 3.
    assert "fourth part of recommendation 7, which the paper lists in section 3" in work_areas[1].description


def test_section_2_holds_the_4_complete_recommendations(plan):
    complete = Action.objects.filter(plan=plan, priority__code="2").complete(PAPER_DATE)
    assert sorted(int(a.number) for a in complete) == [6, 42, 53, 54]
    assert Action.objects.filter(plan=plan).complete(PAPER_DATE).count() == 4


def test_a_row_covering_two_recommendations_is_two_recommendations_with_one_update(plan):
    recs = recommendations(plan)
    for first, second in (("25", "26"), ("19", "20"), ("36", "38")):
        updates = ProgressUpdate.objects.filter(action__in=[recs[first], recs[second]])
        assert updates.count() == 2  # one imported update on each
        assert len({(u.narrative, u.reported_on) for u in updates}) == 1
        assert recs[first].title != recs[second].title
    assert "Controlling Migration Fund" in recs["25"].progress_updates.get().narrative


def test_status_words_are_kept_as_reported_and_mean_a_rag(plan):
    recs = recommendations(plan)
    said = {n: recs[n].progress_updates.get() for n in ("6", "23", "25", "35", "18")}
    assert [(said[n].status_text, said[n].rag) for n in ("6", "23", "25", "35", "18")] == [
        ("Complete", RAG.COMPLETE),
        ("Some Progress", RAG.AMBER),
        ("CCG progress", RAG.GREEN),
        ("Good progress", RAG.GREEN),
        ("In progress", RAG.GREEN),
    ]
    assert said["6"].completed_on == PAPER_DATE


def test_leads_are_owners(plan):
    recs = recommendations(plan)
    assert [o.code for o in recs["18"].responsible.all()] == ["Affordable Warmth Network"]
    assert sorted(o.code for o in recs["19"].responsible.all()) == [
        "City Council",
        "Health Improvement Board",
        "Housing Support Group",
        "OCCG",
    ]
    assert [o.code for o in recs["6"].responsible.all()] == ["Public Health"]
    # A section 1 recommendation is the responsibility of its work area's lead.
    assert [o.code for o in recs["12"].responsible_owners()] == ["OCCG"]


def test_garbled_text_follows_the_performance_scrutiny_reprint(plan):
    recs = recommendations(plan)
    # "Recommendation 31" in the HIC paper is 3 with footnote 1; 57 has no text there at all.
    assert recs["3"].parent.title == "Basket of inequalities indicators"
    assert recs["57"].title.startswith("The current gap in provision of support for older people with mental health")


def test_the_import_report_states_the_gaps_instead_of_inventing_text(report):
    # Section 3 holds the 20 its own table lists, so it is no gap.
    assert report.gaps == [
        "Recommendations 1-60: the source does not contain 56, 59",
        "Section 1: the source says it holds 26, it lists 19",
        "Section 2: the source says it holds 15, it lists 19",
    ]
    assert "Gap in the source: Recommendations 1-60: the source does not contain 56, 59" in str(report)
    # Where the paper gives no next steps, there is no progress rather than made-up words.
    assert not recommendations(report.plan)["40"].progress_updates.exists()


def test_the_plan_is_assured_by_the_hwb(plan):
    assert plan.board.slug == "hwb"
    assert (plan.priority_label, plan.action_label) == ("Section", "Recommendation")


def test_re_importing_changes_nothing(report):
    again = import_plan_file(HIC_FIXTURE)
    assert (again.created, again.updated, again.removed) == (0, 0, 0)


def test_seed_demo_imports_every_plan_in_fixtures_plans(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    assert set(Plan.objects.values_list("slug", flat=True)) >= {
        "cqc-local-system-review-2018",
        "hic-implementation-plan-2018",
    }
    assert "Imported hic-implementation-plan-2018.yaml" in capsys.readouterr().out
