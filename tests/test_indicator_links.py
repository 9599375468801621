"""Indicators link to the actions meant to move them (declared in plan files) and to the boards that
review them (a reviewing-boards file), shown on the indicator, action and board pages."""

import datetime
import json

import pytest
import time_machine
from django.contrib.auth import get_user_model

from actionplan.exporters import plan_to_dict
from actionplan.importers import PlanFileError
from actionplan.importers.yaml_plan import import_plan_file
from actionplan.models import Action
from indicators.importers import IndicatorFileError
from indicators.importers.yaml_file import import_indicator_file
from indicators.models import Indicator
from partnerships.models import Partnership
from tests.conftest import PASSWORD
from tests.helpers import CQC_SLUG, ROOT, cqc_data, give_role, import_cqc_plan, minimal_plan, write_plan
from tests.indicator_helpers import make_indicator, write_yaml

pytestmark = pytest.mark.django_db

REVIEWS_FIXTURE = ROOT / "fixtures" / "indicators" / "reviewing-boards-2018-11.yaml"


@pytest.fixture
def cqc():
    plan = import_cqc_plan()
    import_indicator_file(REVIEWS_FIXTURE)
    return plan


@pytest.fixture
def member(client, cqc):
    user = get_user_model().objects.create_user("member", password=PASSWORD)
    give_role(user, cqc, "viewer")
    client.force_login(user)
    return user


def linked(code):
    return sorted(Action.objects.filter(indicators__code=code).values_list("code", flat=True))


# -- the links, from the files -------------------------------------------------------------------


def test_cqc_actions_on_delays_reablement_and_home_care_move_the_social_care_indicators(cqc):
    assert linked("5") == ["E3 ii", "E3 iii", "G2 v", "H1", "H2 iii", "J2"]
    assert linked("6") == linked("5")
    assert linked("7") == ["E3 ii", "J1"]
    assert linked("3") == ["F1"]
    assert Indicator.objects.filter(actions__isnull=False).distinct().count() == 4


def test_boards_review_the_indicators_their_profiles_name(cqc):
    def reviewed(slug):
        return sorted(Partnership.objects.get(slug=slug).indicators.values_list("number", flat=True))

    assert reviewed("better-care-fund-jmg") == [3, 5, 6, 7]
    assert reviewed("health-improvement-board") == [25, 26, 27, 28, 29, 30]
    assert reviewed("childrens-trust") == [14]


def test_importing_both_files_again_changes_nothing(cqc):
    again = import_plan_file(ROOT / "fixtures" / "plans" / "cqc-local-system-review-2018.yaml")
    assert (again.created, again.updated, again.removed) == (0, 0, 0)
    report = import_indicator_file(REVIEWS_FIXTURE)
    assert (report.updated, report.unchanged) == (0, 3)


def test_an_unknown_indicator_in_a_plan_file_is_refused_whole(cqc, tmp_path):
    data = cqc_data()
    data["priorities"][0]["actions"][0]["indicators"] = ["5", "999"]
    data["priorities"][0]["actions"][0]["title"] = "Changed"
    with pytest.raises(PlanFileError) as caught:
        import_plan_file(write_plan(tmp_path, data))
    assert any("action A1, field 'indicators': unknown indicator '999'" in e for e in caught.value.errors)
    assert Action.objects.get(plan=cqc, code="A1").title != "Changed"
    assert not Action.objects.filter(code="A1", indicators__isnull=False).exists()


def test_a_plan_file_that_leaves_indicators_out_leaves_the_links_alone_and_an_empty_list_clears_them(cqc, tmp_path):
    data = cqc_data()
    h1 = next(a for p in data["priorities"] for a in p["actions"] if a["code"] == "H1")
    del h1["indicators"]
    import_plan_file(write_plan(tmp_path, data))
    assert "H1" in linked("5")
    h1["indicators"] = []
    import_plan_file(write_plan(tmp_path, data))
    assert "H1" not in linked("5")


def test_the_json_export_carries_the_links_and_imports_back(cqc, tmp_path):
    exported = plan_to_dict(cqc)
    h1 = next(a for p in exported["priorities"] for a in p["actions"] if a["code"] == "H1")
    assert h1["indicators"] == ["5", "6"]
    Action.indicators.through.objects.all().delete()
    path = tmp_path / "cqc.json"
    path.write_text(json.dumps(exported), encoding="utf-8")
    import_plan_file(path)
    assert plan_to_dict(cqc) == exported


def test_a_reviewing_boards_file_with_unknown_names_is_refused_whole(cqc, tmp_path):
    data = {
        "format": 1,
        "kind": "reviewing-boards",
        "title": "Bad",
        "boards": [
            {"board": "better-care-fund-jmg", "indicators": ["5"]},
            {"board": "no-such-board", "indicators": ["999", "6"]},
        ],
    }
    with pytest.raises(IndicatorFileError) as caught:
        import_indicator_file(write_yaml(tmp_path, data))
    errors = caught.value.errors
    assert any("board no-such-board, field 'board': unknown board 'no-such-board'" in e for e in errors)
    assert any("board no-such-board, field 'indicators': unknown indicator '999'" in e for e in errors)
    assert Partnership.objects.get(slug="better-care-fund-jmg").indicators.count() == 4


# -- both sides on the pages ---------------------------------------------------------------------


def test_the_indicator_page_lists_its_actions_with_delivery_status_and_its_boards(client, member):
    html = client.get("/indicators/indicator/7/").content.decode()
    actions = html[html.index('id="actions"') :]
    assert "E3 ii" in actions and "J1" in actions and "Oxfordshire Local System Review action plan" in actions
    e3ii = Action.objects.get(plan__slug=CQC_SLUG, code="E3 ii")
    assert f'href="/actions/{e3ii.pk}/"' in actions
    assert "govuk-tag" in actions[actions.index(f'id="action-{e3ii.pk}"') :]
    boards = html[html.index('id="reviewing-boards"') :]
    assert 'href="/partnerships/better-care-fund-jmg/"' in boards[: boards.index("</dd>")]


@time_machine.travel(datetime.datetime(2018, 6, 1, 12, 0), tick=False)
def test_the_indicator_page_shows_the_actions_delivery_status_from_the_queryset(client, member):
    response = client.get("/indicators/indicator/5/")
    on = datetime.date(2018, 6, 1)
    expected = dict(
        Action.objects.filter(indicators__code="5").with_delivery_status(on).values_list("code", "delivery_status")
    )
    assert {a.code: a.delivery_status for a in response.context["actions"]} == expected


def test_the_indicator_page_hides_actions_in_plans_not_shared_with_the_user(client, cqc):
    client.force_login(get_user_model().objects.create_user("outsider", password=PASSWORD))
    html = client.get("/indicators/indicator/5/").content.decode()
    assert "No action in a plan shared with you names this indicator." in html and "H2 iii" not in html


def test_the_action_page_lists_the_indicators_it_is_meant_to_move(client, member):
    h1 = Action.objects.get(plan__slug=CQC_SLUG, code="H1")
    html = client.get(f"/actions/{h1.pk}/").content.decode()
    row = html[html.index('id="indicators"') :]
    assert 'href="/indicators/indicator/5/"' in row and 'href="/indicators/indicator/6/"' in row
    assert "Indicator 7" not in row[: row.index("</dd>")]


def test_the_board_profile_lists_the_indicators_it_reviews(client, member):
    html = client.get("/partnerships/health-improvement-board/").content.decode()
    section = html[html.index('id="indicators"') :]
    assert 'href="/indicators/indicator/25/"' in section and 'href="/indicators/indicator/30/"' in section


def test_the_indicator_page_queries_do_not_grow_with_the_number_of_linked_actions(
    client, tmp_path, django_assert_max_num_queries
):
    from tests.helpers import import_partnerships

    import_partnerships()
    indicator = make_indicator("900")
    user = get_user_model().objects.create_superuser("super", password=PASSWORD)
    client.force_login(user)
    plan = import_plan_file(write_plan(tmp_path, minimal_plan())).plan
    plan.actions.get(code="A1").indicators.add(indicator)
    with django_assert_max_num_queries(20) as few:
        assert client.get(indicator.get_absolute_url()).status_code == 200
    for action in plan.actions.all():
        action.indicators.add(indicator)
    indicator.partnerships.set(Partnership.objects.all()[:5])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(indicator.get_absolute_url())
    assert len(response.context["actions"]) == 4
