"""The HWB dashboard: RAG counts that match the action list behind them, on any "as at" date,
the CQC plan's overdue list on 1 April 2018, and a fixed number of queries at any size."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from actionplan.models import Action, Owner
from actionplan.reports import PlanDashboard
from actionplan.status import RAG, DeliveryStatus, RagSummary
from partnerships.models import Organisation
from tests.helpers import build_system, import_cqc_plan

pytestmark = pytest.mark.django_db

D = datetime.date
APRIL_2018 = D(2018, 4, 1)


def test_cqc_overdue_list_on_1_april_2018_is_what_the_source_says(superuser):
    """Hand-counted from the paper: due before April 2018 and not complete. E2 and H4 were due
    22/03/18; G2 i in March 2018; I1 in November 2017 and its two sub-actions in January 2018;
    I3 in December 2017. A4's last milestone (the final, May 2018) and D1 (April 18) are not yet due."""
    plan = import_cqc_plan()
    board = PlanDashboard.build(plan, APRIL_2018)
    expected = {"E2", "G2 i", "H4", "I1", "I1 i", "I1 ii", "I3"}
    assert {a.code for a in board.overdue} == expected
    assert board.summary.overdue == len(expected)
    assert {a.code for a in plan.actions.overdue(APRIL_2018)} == expected


def test_dashboard_page_lists_the_cqc_overdue_actions_as_at_1_april_2018(client, superuser):
    plan = import_cqc_plan()
    client.force_login(superuser)
    response = client.get(reverse("actionplan:dashboard"), {"plan": plan.slug, "as_at": "2018-04-01"})
    assert response.status_code == 200
    overdue = response.context["detail"].overdue
    assert [a.code for a in overdue] == ["I1", "I3", "I1 i", "I1 ii", "E2", "H4", "G2 i"]  # most overdue first
    i1 = overdue[0]
    assert i1.days_overdue == (APRIL_2018 - D(2017, 11, 30)).days
    html = response.content.decode()
    assert "Position as at 1 April 2018" in html
    assert "Overdue (7)" in html


def test_each_dashboard_number_links_to_a_list_of_exactly_that_many_actions(client, superuser):
    plan = import_cqc_plan()
    client.force_login(superuser)
    html = client.get(reverse("actionplan:dashboard"), {"plan": plan.slug, "as_at": "2018-04-01"}).content.decode()
    links = re.findall(r'href="(/actions/\?[^"]+)">(\d+)</a>', html)
    assert len(links) > 20
    for href, count in links:
        listed = client.get(href.replace("&amp;", "&")).context["page"].paginator.count
        assert listed == int(count), href


def test_summary_adds_up_and_matches_the_per_action_rules(superuser):
    plan = import_cqc_plan()
    on = D(2018, 9, 1)
    summary = plan.actions.rag_summary(on)
    actions = list(plan.actions.with_rag(on))
    assert summary.total == len(actions) == plan.actions.count()
    assert summary.red + summary.amber + summary.green + summary.complete + summary.not_started == summary.total
    assert summary.red == sum(a.rag == RAG.RED for a in actions)
    assert summary.overdue == sum(a.delivery_status == DeliveryStatus.OVERDUE for a in actions)
    assert summary.stale == sum(a.is_stale for a in actions)
    by_priority = plan.actions.rag_summary_by("priority", on)
    assert sum(by_priority.values(), RagSummary()) == summary


def test_the_picture_from_the_kept_progress_equals_the_one_from_the_updates(superuser):
    """On a date nothing is reported after, the RAG reads the latest progress kept on each action;
    before that it asks the updates. Both must agree for every action reported on by then."""
    plan = import_cqc_plan()
    a1 = plan.actions.get(code="A1")
    a1.add_progress_update(
        author=superuser,
        on=D(2018, 5, 1),
        seen_version=a1.version,
        rag=RAG.AMBER,
        narrative="Slipping",
        revised_due_date=D(2018, 9, 30),
    )
    b1 = plan.actions.get(code="B1")
    b1.add_progress_update(
        author=superuser, on=D(2018, 5, 2), seen_version=b1.version, rag=RAG.COMPLETE, narrative="Done"
    )
    c1 = plan.actions.get(code="C1")
    c1.add_progress_update(author=superuser, on=D(2018, 6, 1), seen_version=c1.version, rag=RAG.RED, narrative="Late")
    last, before = D(2018, 6, 1), D(2018, 5, 31)  # C1's update is the only one after `before`
    fields = ["pk", "latest_rag", "last_reported_on", "revised_due_date", "completed_on"]
    kept = plan.actions.with_progress(last).exclude(pk=c1.pk).order_by("pk")
    asked = plan.actions.with_progress(before).exclude(pk=c1.pk).order_by("pk")
    assert "progressupdate" not in str(kept.query) and "progressupdate" in str(asked.query)
    assert list(kept.values_list(*fields)) == list(asked.values_list(*fields))
    assert dict(kept.values_list("pk", "latest_rag"))[b1.pk] == RAG.COMPLETE


def test_each_actions_latest_update_as_at_a_date_is_the_same_read_by_distinct_on_or_by_a_window(superuser, monkeypatch):
    """PostgreSQL reads each action's latest update with DISTINCT ON; a database without it (SQLite,
    make run's) with the first row of a window per action. Both give the same picture, including
    two updates reported the same day (the later entered wins) and one reported after the date."""
    from django.db import connection

    plan = import_cqc_plan()
    a1, b1 = plan.actions.get(code="A1"), plan.actions.get(code="B1")
    for rag, revised in [(RAG.AMBER, D(2018, 9, 30)), (RAG.RED, None)]:
        a1.refresh_from_db()
        a1.add_progress_update(
            author=superuser,
            on=D(2018, 5, 1),
            seen_version=a1.version,
            rag=rag,
            narrative="x",
            revised_due_date=revised,
        )
    b1.add_progress_update(author=superuser, on=D(2018, 6, 1), seen_version=b1.version, rag=RAG.COMPLETE, narrative="x")
    fields = ["pk", "latest_rag", "last_reported_on", "revised_due_date", "completed_on", "rag", "delivery_status"]
    on = D(2018, 5, 31)
    if connection.features.can_distinct_on_fields:
        assert "DISTINCT ON" in str(plan.actions.with_rag(on).query)
    by_distinct_on = list(plan.actions.with_rag(on).order_by("pk").values_list(*fields))
    monkeypatch.setattr(connection.features, "can_distinct_on_fields", False)
    assert "ROW_NUMBER()" in str(plan.actions.with_rag(on).query)
    by_window = list(plan.actions.with_rag(on).order_by("pk").values_list(*fields))
    assert by_window == by_distinct_on
    picture = {row[0]: row[1:4] for row in by_window}
    assert picture[a1.pk] == (RAG.RED, D(2018, 5, 1), D(2018, 9, 30))
    assert picture[b1.pk][0] != RAG.COMPLETE  # reported after the date


def test_owner_and_organisation_counts_count_sub_actions_under_their_key_actions_owners(superuser):
    plan = import_cqc_plan()
    on = D(2018, 4, 1)
    by_owner = plan.actions.rag_summaries_by_owner(on)
    for role, is_owner, model in [
        ("accountable", "accountable_is", Owner),
        ("responsible", "responsible_is", Owner),
        ("organisation", "responsible_organisation_is", Organisation),
    ]:
        assert by_owner[role], role
        for pk, summary in by_owner[role].items():
            owned = getattr(plan.actions, is_owner)(model.objects.get(pk=pk))
            assert summary.total == owned.count(), (role, pk)
            assert summary.overdue == owned.overdue(on).count(), (role, pk)


def test_as_at_on_a_past_date_shows_the_position_then(client, superuser):
    plan = import_cqc_plan()
    i3 = plan.actions.get(code="I3")
    i3.add_progress_update(
        author=superuser, on=D(2018, 6, 1), seen_version=i3.version, rag=RAG.COMPLETE, narrative="Done"
    )
    client.force_login(superuser)
    before = client.get(reverse("actionplan:dashboard"), {"plan": plan.slug, "as_at": "2018-04-01"})
    after = client.get(reverse("actionplan:dashboard"), {"plan": plan.slug, "as_at": "2018-06-02"})
    assert "I3" in [a.code for a in before.context["detail"].overdue]
    assert "I3" not in [a.code for a in after.context["detail"].overdue]
    assert after.context["detail"].summary.complete == before.context["detail"].summary.complete + 1


@time_machine.travel(datetime.datetime(2018, 7, 19, 12, 0), tick=False)
def test_an_invalid_as_at_date_falls_back_to_today_with_an_error(client, superuser):
    import_cqc_plan()
    client.force_login(superuser)
    response = client.get(reverse("actionplan:dashboard"), {"as_at": "31/02/2018"})
    assert response.status_code == 200
    assert response.context["as_at"] == D(2018, 7, 19)
    assert "The as at date must be a real date" in response.content.decode()


def test_dashboard_shows_only_plans_shared_with_the_user(client, board_member, small_plan):
    import_cqc_plan()
    client.force_login(board_member)
    response = client.get(reverse("actionplan:dashboard"))
    assert [p.slug for p in response.context["plans"]] == [small_plan.slug]
    response = client.get(reverse("actionplan:dashboard"), {"plan": "cqc-local-system-review-2018"})
    assert response.context["chosen"] == small_plan  # not someone else's plan


def test_source_html_in_titles_is_shown_escaped(client, superuser):
    plan = import_cqc_plan()
    plan.actions.filter(code="I1").update(title="<script>alert('x')</script>")
    client.force_login(superuser)
    html = client.get(reverse("actionplan:dashboard"), {"plan": plan.slug, "as_at": "2018-04-01"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html


def _dashboard_queries(client, django_assert_max_num_queries, slug):
    with django_assert_max_num_queries(80) as captured:
        response = client.get(reverse("actionplan:dashboard"), {"plan": slug})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_dashboard_runs_the_same_queries_for_80_actions_and_for_thousands(
    client, superuser, django_assert_max_num_queries
):
    client.force_login(superuser)
    small = build_system(plans=1, priorities=2, key_actions=8, subs=4, updates_per_action=2, people=10)
    assert Action.objects.count() == 80
    few = _dashboard_queries(client, django_assert_max_num_queries, small[0].slug)
    big = build_system(plans=3, priorities=5, key_actions=20, subs=4, updates_per_action=3, people=200, prefix="x")
    assert Action.objects.count() == 80 + 1500
    many = _dashboard_queries(client, django_assert_max_num_queries, big[0].slug)
    assert few == many


def test_overdue_list_shows_since_when_the_daily_job_flagged_it(client, superuser):
    from django.core.management import call_command

    plan = import_cqc_plan()
    call_command("flag_overdue", stdout=__import__("io").StringIO())
    client.force_login(superuser)
    response = client.get(reverse("actionplan:dashboard"), {"plan": plan.slug})
    i1 = next(a for a in response.context["detail"].overdue if a.code == "I1")
    assert i1.overdue_since == D(2017, 12, 1)  # due 30 November 2017 (Nov 2017)
    assert "flagged overdue since 1 Dec 2017" in response.content.decode()


def test_the_plans_table_shows_a_page_of_plans_and_the_chosen_plan_from_any_page(client, superuser):
    """Long lists page: with many plans the dashboard stays small (issue 19: under 60 KB at
    20,000 actions), the plans' table a page at a time."""
    from actionplan.reports import PLANS_PER_PAGE

    plans = build_system(plans=PLANS_PER_PAGE + 2, priorities=1, key_actions=1, subs=1, updates_per_action=1)
    client.force_login(superuser)
    first = client.get(reverse("actionplan:dashboard"))
    assert [p.title for p in first.context["plans"]] == [p.title for p in plans[:PLANS_PER_PAGE]]
    html = first.content.decode()
    assert 'aria-label="Pages of plans"' in html
    last = plans[-1]
    second = client.get(reverse("actionplan:dashboard"), {"page": 2, "plan": last.slug})
    assert [p.title for p in second.context["plans"]] == [p.title for p in plans[PLANS_PER_PAGE:]]
    assert second.context["chosen"] == last
    # A plan on another page may still be chosen; the table stays on its page.
    other = client.get(reverse("actionplan:dashboard"), {"plan": last.slug})
    assert other.context["chosen"] == last
    assert [p.title for p in other.context["plans"]] == [p.title for p in plans[:PLANS_PER_PAGE]]
    assert f'href="?page=2&amp;plan={plans[PLANS_PER_PAGE].slug}#plan-detail"' in second.content.decode()
