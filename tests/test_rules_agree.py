"""Each action rule is stated once (actionplan.querysets), so the pages, reports and exports that
used to state it again now agree: whose an action is, what has slipped, the latest update as at a
date, and which date a picture is for."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from actionplan.importers.yaml_plan import import_plan_file
from actionplan.models import RAG, Owner
from actionplan.reports import BoardReport, PlanDashboard
from partnerships.models import Partnership
from tests.helpers import give_role, minimal_plan, write_plan

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def plan(small_plan, tmp_path):
    """The small plan (re-imported: the base users' fixtures hold roles in it), assured by the HWB.
    KT is accountable and responsible (with DHa) for A1; "A1 i" names nobody, so it is theirs;
    "A1 ii" names its own accountable (DHa) and its own responsible (DHe); "A1 iii" names its own
    accountable (DHe) but no responsible, so KT and DHa are responsible for it. All three are due
    when A1 is (31 May 2018)."""
    data = minimal_plan()
    a1 = data["priorities"][0]["actions"][0]
    a1["accountable"] = ["KT"]
    a1["sub_actions"] = [
        {"code": "i", "title": "Review the board"},
        {"code": "ii", "title": "Redesign the boards", "accountable": ["DHa"], "responsible": ["DHe"]},
        {"code": "iii", "title": "Agree the terms", "accountable": ["DHe"]},
    ]
    plan = import_plan_file(write_plan(tmp_path, data)).plan
    plan.board = Partnership.objects.create(slug="hwb", name="Health and Wellbeing Board", short_name="HWB")
    plan.save(update_fields=["board"])
    return plan


def codes(owners):
    return sorted(owner.code for owner in owners)


def row(page, action):
    """The table row of `action` on a page: from its link (which may carry ?as_at=) to the end of the row."""
    return page.split(f'href="/actions/{action.pk}/', 1)[1].split("</tr>", 1)[0]


def test_the_board_report_and_the_exception_report_name_the_same_owners(client, plan, board_member):
    give_role(board_member, plan, "viewer")
    client.force_login(board_member)
    on = D(2018, 6, 1)  # all of A1 overdue
    board_report = client.get(reverse("actionplan:board_report", args=[plan.slug]), {"as_at": on}).content.decode()
    exceptions = client.get(reverse("actionplan:exception_report", args=["hwb"]), {"on": on}).content.decode()
    for code in ("A1 i", "A1 ii", "A1 iii"):
        action = plan.actions.get(code=code)
        named = set(codes(action.accountable_owners()) + codes(action.responsible_owners()))
        cells = re.findall(r'<td class="govuk-table__cell">([^<]*)</td>', row(board_report, action))
        in_board_report = {code for cell in cells[:2] for code in cell.split(", ")}
        in_exception_report = set(re.findall(r"<abbr[^>]*>([^<]+)</abbr>", row(exceptions, action)))
        assert in_board_report == in_exception_report == named, code
    # "A1 iii" names its own accountable but takes its key action's responsible owners.
    assert named == {"DHe", "KT", "DHa"}


def test_a_sub_actions_page_names_the_owners_it_takes_from_its_key_action(client, plan, board_member):
    give_role(board_member, plan, "viewer")
    client.force_login(board_member)
    page = client.get(reverse("actionplan:action", args=[plan.actions.get(code="A1 iii").pk])).content.decode()
    responsible = page.split(">Responsible</dt>", 1)[1].split("</dd>", 1)[0]
    assert sorted(re.findall(r"<abbr[^>]*>([^<]+)</abbr>", responsible)) == ["DHa", "KT"]
    assert "(as key action A1)" in responsible
    accountable = page.split(">Accountable</dt>", 1)[1].split("</dd>", 1)[0]
    assert re.findall(r"<abbr[^>]*>([^<]+)</abbr>", accountable) == ["DHe"]
    assert "as key action" not in accountable


def test_my_actions_the_owner_filter_and_the_owner_counts_agree_on_whose_an_action_is(client, plan, officer):
    kt = Owner.objects.get(code="KT")
    theirs = {"A1", "A1 i", "A1 iii", "A2"}  # not "A1 ii", which names its own accountable and responsible
    client.force_login(officer)
    listed = client.get(reverse("actionplan:my_actions")).context["groups"]
    assert {action.code for group in listed for action in group.actions} == theirs
    filtered = client.get(reverse("actionplan:action_list"), {"responsible": "KT"}).context["page"]
    assert {a.code for a in filtered} == theirs - {"A1 ii"}  # KT is responsible for all of them
    accountable = client.get(reverse("actionplan:action_list"), {"accountable": "KT"}).context["page"]
    assert {a.code for a in accountable} == {"A1", "A1 i"}
    counts = plan.actions.rag_summaries_by_owner(D(2018, 6, 1))
    assert counts["accountable"][kt.pk].total == 2
    assert counts["responsible"][kt.pk].total == len(theirs)


def test_slipped_counts_the_actions_its_lists_show(client, plan, officer, superuser):
    a1, a1_i = plan.actions.get(code="A1"), plan.actions.get(code="A1 i")
    for action in (a1, a1_i):
        action.add_progress_update(
            author=officer,
            on=D(2018, 5, 1),
            seen_version=action.version,
            rag=RAG.AMBER,
            narrative="Later",
            revised_due_date=D(2018, 9, 30),
            revision_reason="Waiting for the review",
        )
    # Complete, after slipping: no longer slipped, like no longer overdue.
    a1_i.add_progress_update(
        author=officer, on=D(2018, 6, 1), seen_version=a1_i.version, rag=RAG.COMPLETE, narrative="Done"
    )
    on = D(2018, 6, 2)
    dashboard = PlanDashboard.build(plan, on)
    assert dashboard.summary.slipped == len(dashboard.slipped) == 1
    assert [a.code for a in dashboard.slipped] == ["A1"]
    client.force_login(superuser)
    filtered = client.get(reverse("actionplan:action_list"), {"slipped": "on", "as_at": on}).context["page"]
    assert [a.code for a in filtered] == ["A1"]
    exceptions = client.get(reverse("actionplan:exception_report", args=["hwb"]), {"on": on}).content.decode()
    assert re.findall(r'id="slipped-(\d+)"', exceptions) == [str(a1.pk)]
    board_report = BoardReport.build(plan, on, D(2018, 3, 1))
    assert dict((label, now) for label, _, now in board_report.changes)["Slipped"] == 1


def test_the_two_reports_show_the_latest_progress_as_it_stood_on_their_date(client, plan, officer, board_member):
    a1 = plan.actions.get(code="A1")
    a1.add_progress_update(
        author=officer, on=D(2018, 6, 10), seen_version=a1.version, rag=RAG.GREEN, narrative="Agreed at last"
    )
    give_role(board_member, plan, "viewer")
    client.force_login(board_member)
    on = D(2018, 6, 1)  # A1 was overdue, and its latest progress was still the plan's own
    board_report = client.get(reverse("actionplan:board_report", args=[plan.slug]), {"as_at": on}).content.decode()
    exceptions = client.get(reverse("actionplan:exception_report", args=["hwb"]), {"on": on}).content.decode()
    for page in (board_report, exceptions):
        assert "Paper in development." in row(page, a1)
        assert "Agreed at last" not in page


@time_machine.travel(datetime.datetime(2018, 6, 1, 12, 0), tick=False)
def test_todays_picture_leaves_out_progress_dated_after_today(client, plan, officer, superuser):
    """The date of a picture is passed in, never read from the clock below the view: an update
    dated after it (say, a file imported with a later reporting date) is not part of it."""
    a1 = plan.actions.get(code="A1")
    a1.add_progress_update(author=officer, on=D(2018, 7, 1), seen_version=a1.version, rag=RAG.COMPLETE, narrative="x")
    client.force_login(superuser)
    today = client.get(reverse("actionplan:dashboard"), {"plan": plan.slug}).context["detail"]
    assert "A1" in [a.code for a in today.overdue]
    assert today.summary.complete == 0
    later = client.get(reverse("actionplan:dashboard"), {"plan": plan.slug, "as_at": "2018-07-01"}).context["detail"]
    assert later.summary.complete == 1
