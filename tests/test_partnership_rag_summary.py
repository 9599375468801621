"""A board's profile counts the actions of the plans it assures by RAG, rolled up through its
sub-boards at any depth: the HWB's summary is the sum over its own plans and its sub-boards' plans."""

import datetime
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model

from actionplan.importers.yaml_plan import import_plan_file
from actionplan.models import Action, Plan
from partnerships.models import Partnership
from tests.conftest import PASSWORD
from tests.helpers import give_role, import_cqc_plan, minimal_plan, write_plan

pytestmark = pytest.mark.django_db

# A date when the CQC plan has both Red (overdue) and Green actions.
ON = datetime.date(2018, 6, 1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2018, 6, 1, 12, 0), tick=False):
        yield


def plan_for(tmp_path, board, slug):
    """The small test plan, assured by `board`."""
    data = minimal_plan(slug=slug, title=f"Plan of {board}", assured_by=board)
    return import_plan_file(write_plan(tmp_path, data, name=f"{slug}.yaml")).plan


@pytest.fixture
def plans(tmp_path):
    """The CQC plan (HWB), one plan of a sub-board (BCF JMG), one of a group under that sub-board,
    and one of a board outside the HWB's tree (the Safeguarding Adults Board)."""
    cqc = import_cqc_plan()
    bcf = Partnership.objects.get(slug="better-care-fund-jmg")
    Partnership.objects.create(slug="pooled-budget-officers", name="Pooled Budget Officers Group", parent=bcf)
    return {
        "cqc": cqc,
        "bcf": plan_for(tmp_path, "better-care-fund-jmg", "bcf-plan"),
        "deeper": plan_for(tmp_path, "pooled-budget-officers", "pooled-budget-plan"),
        "outside": plan_for(tmp_path, "osab", "osab-plan"),
    }


@pytest.fixture
def superuser_client(client):
    client.force_login(get_user_model().objects.create_superuser("super", password=PASSWORD))
    return client


def summary_of(*plans):
    return Plan.objects.filter(pk__in=[p.pk for p in plans]).rag_summary(ON)


def test_the_hwb_summary_is_the_sum_over_its_plans_and_its_sub_boards_plans(superuser_client, plans):
    response = superuser_client.get("/partnerships/hwb/")
    assert response.status_code == 200
    shown = {plan.slug: plan.summary for plan in response.context["plans"]}
    assert set(shown) == {"cqc-local-system-review-2018", "bcf-plan", "pooled-budget-plan"}
    for key in ("cqc", "bcf", "deeper"):
        assert shown[plans[key].slug] == summary_of(plans[key])
    total = response.context["rag_summary"]
    assert total == summary_of(plans["cqc"]) + summary_of(plans["bcf"]) + summary_of(plans["deeper"])
    assert total == summary_of(plans["cqc"], plans["bcf"], plans["deeper"])
    # Worth checking: on this date there are Red and Green actions, and every action is counted once.
    assert total.red and total.green
    assert total.total == Action.objects.filter(plan__in=[plans[k].pk for k in ("cqc", "bcf", "deeper")]).count()
    html = response.content.decode()
    footer = html[html.index('id="rag-summary-total"') :]
    assert "All 3 plans together" in footer
    # Each count links to the actions it counts (the last test): the number is the link's text.
    assert re.search(f'data-rag="red"><a [^>]+>{total.red}<', footer)
    assert re.search(f'data-rag="total"><a [^>]+>{total.total}<', footer)


def test_a_sub_board_counts_its_own_plans_and_those_under_it_but_not_its_parents(superuser_client, plans):
    response = superuser_client.get("/partnerships/better-care-fund-jmg/")
    assert [p.slug for p in response.context["plans"]] == ["bcf-plan", "pooled-budget-plan"]
    assert response.context["rag_summary"] == summary_of(plans["bcf"], plans["deeper"])


def test_a_board_outside_the_tree_counts_only_its_own(superuser_client, plans):
    response = superuser_client.get("/partnerships/osab/")
    assert response.context["rag_summary"] == summary_of(plans["outside"])


def test_only_plans_shared_with_the_user_are_listed_and_counted(client, plans):
    member = get_user_model().objects.create_user("member", password=PASSWORD)
    give_role(member, plans["cqc"], "viewer")
    client.force_login(member)
    response = client.get("/partnerships/hwb/")
    assert [p.slug for p in response.context["plans"]] == ["cqc-local-system-review-2018"]
    assert response.context["rag_summary"] == summary_of(plans["cqc"])
    assert "Plan of better-care-fund-jmg" not in response.content.decode()


def test_a_board_with_no_plans_shown_has_no_summary(client, plans):
    client.force_login(get_user_model().objects.create_user("outsider", password=PASSWORD))
    response = client.get("/partnerships/hwb/")
    assert response.context["plans"] == [] and response.context["rag_summary"] is None
    assert 'id="rag-summary"' not in response.content.decode()


def test_the_profile_links_each_plan_and_the_sub_board_that_assures_it(superuser_client, plans):
    html = superuser_client.get("/partnerships/hwb/").content.decode()
    row = html[html.index('id="plan-bcf-plan"') :]
    row = row[: row.index("</tr>")]
    assert f'href="{plans["bcf"].get_absolute_url()}"' in row
    assert 'href="/partnerships/better-care-fund-jmg/"' in row


def test_the_profiles_queries_do_not_grow_with_the_number_of_plans_or_boards(
    superuser_client, plans, tmp_path, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20) as few:
        assert superuser_client.get("/partnerships/hwb/").status_code == 200
    count = len(few.captured_queries)
    parent = Partnership.objects.get(slug="pooled-budget-officers")
    for n in range(6):
        parent = Partnership.objects.create(slug=f"group-{n}", name=f"Group {n}", parent=parent)
        plan_for(tmp_path, parent.slug, f"group-plan-{n}")
    with django_assert_max_num_queries(count):
        response = superuser_client.get("/partnerships/hwb/")
    assert len(response.context["plans"]) == 9
    assert response.context["rag_summary"] == Plan.objects.exclude(slug="osab-plan").rag_summary(ON)


def test_every_count_links_to_the_action_list_showing_exactly_the_actions_it_counts(superuser_client, plans):
    from html import unescape

    page = superuser_client.get("/partnerships/hwb/").content.decode()
    links = re.findall(
        r'<td class="govuk-table__cell govuk-table__cell--numeric" data-rag="(\w+)"><a [^>]*href="([^"]+)">(\d+)</a>',
        page,
    )
    rolled_up = page.split('id="rag-summary-total"', 1)[1]
    assert len(links) > 8 and 'href="/actions/?board=hwb&amp;rag=red"' in rolled_up
    for figure, url, count in links:
        listed = superuser_client.get(unescape(url)).context["page"].paginator.count
        assert listed == int(count), (figure, url)
    # The roll-up reaches the sub-board's and the deeper group's plans, not the outside board's.
    total = re.search(r'href="(/actions/\?board=hwb)">(\d+)<', rolled_up)
    listed = superuser_client.get(total[1]).context["page"].paginator
    assert listed.count == int(total[2]) == summary_of(plans["cqc"], plans["bcf"], plans["deeper"]).total
    assert {a.plan.slug for n in listed.page_range for a in listed.page(n)} == {
        "cqc-local-system-review-2018",
        "bcf-plan",
        "pooled-budget-plan",
    }
