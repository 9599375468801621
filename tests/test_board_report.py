"""The board report: a plan's position on a meeting date, its exceptions with the latest
narrative as it stood then, and what changed since the previous meeting; also as a PDF."""

import datetime

import pytest
from django.urls import reverse

from actionplan.status import RAG
from tests.helpers import ROOT, build_system, import_cqc_plan

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def cqc(superuser):
    plan = import_cqc_plan()
    f2 = plan.actions.get(code="F2")  # due 15/11/18
    f2.add_progress_update(
        author=superuser,
        on=D(2018, 10, 20),
        seen_version=f2.version,
        rag=RAG.RED,
        narrative="Vision paper delayed",
        revised_due_date=D(2018, 12, 31),
        revision_reason="Waiting for the refreshed strategy",
    )
    f2.refresh_from_db()
    f2.add_progress_update(
        author=superuser,
        on=D(2018, 12, 1),
        seen_version=f2.version,
        rag=RAG.GREEN,
        narrative="Back on track after the November board",
    )
    return plan


def get_report(client, plan, **params):
    response = client.get(reverse("actionplan:board_report", args=[plan.slug]), params)
    assert response.status_code == 200
    return response


def test_report_for_a_meeting_compares_with_the_previous_meeting(client, superuser, cqc):
    client.force_login(superuser)
    report = get_report(client, cqc, meeting="2018-11-15").context["report"]
    assert report.on == D(2018, 11, 15)
    assert report.since == D(2018, 10, 3)  # the HWB's meeting before 15 November 2018
    assert [u.narrative for u in report.updates_since] == ["Vision paper delayed"]
    changes = {action.code: (before, now) for action, before, now in report.rag_changes}
    assert changes["F2"] == (RAG.GREEN, RAG.RED)  # on 3 October more than 30 days from its due date


def test_exceptions_carry_the_narrative_as_it_stood_on_the_report_date(client, superuser, cqc):
    client.force_login(superuser)
    report = get_report(client, cqc, meeting="2018-11-15").context["report"]
    f2 = next(row for row in report.exceptions if row.action.code == "F2")
    assert f2.action.latest_update().narrative == "Vision paper delayed"  # not December's
    assert "Red" in f2.reasons
    assert "Slipped 46 days" in f2.reasons
    later = get_report(client, cqc, as_at="2018-12-02").context["report"]
    f2_later = next((row for row in later.exceptions if row.action.code == "F2"), None)
    assert (
        f2_later is not None and f2_later.action.latest_update().narrative == "Back on track after the November board"
    )
    assert "Red" not in f2_later.reasons  # Green now, but still slipped


def test_summary_counts_are_the_dashboard_rules(client, superuser, cqc):
    client.force_login(superuser)
    report = get_report(client, cqc, as_at="2018-11-15", since="2018-04-01").context["report"]
    assert report.summary == cqc.actions.rag_summary(D(2018, 11, 15))
    assert report.previous == cqc.actions.rag_summary(D(2018, 4, 1))
    html = get_report(client, cqc, as_at="2018-11-15", since="2018-04-01").content.decode()
    assert "Position as at 15 November 2018; changes since 1 April 2018." in html


def test_since_after_the_report_date_is_refused_clearly(client, superuser, cqc):
    client.force_login(superuser)
    response = get_report(client, cqc, as_at="2018-04-01", since="2018-05-01")
    assert "The previous report date must be before the report date." in response.content.decode()


def test_report_prints_on_a4_without_losing_columns(client, superuser, cqc):
    client.force_login(superuser)
    html = get_report(client, cqc, meeting="2018-11-15").content.decode()
    assert 'class="govuk-table app-paper-table"' in html
    css = (ROOT / "static" / "app.css").read_text()
    assert "size: A4" in css and ".app-paper-table { table-layout: fixed" in css
    # The PDF is laid out from the paper's own print page, A4 landscape (tests/test_board_papers.py).
    printed = (ROOT / "static" / "papers-print.css").read_text()
    assert "table { width: 100%; border-collapse: collapse; table-layout: fixed" in printed


def test_pdf_is_a_pdf_of_the_same_report(client, superuser, cqc):
    client.force_login(superuser)
    response = client.get(reverse("actionplan:board_report_pdf", args=[cqc.slug]), {"meeting": "2018-11-15"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"{cqc.slug}-board-report-2018-11-15.pdf" in response["Content-Disposition"]


def test_report_needs_the_plan_to_be_shared(client, outsider, cqc):
    client.force_login(outsider)
    assert client.get(reverse("actionplan:board_report", args=[cqc.slug])).status_code == 403
    assert client.get(reverse("actionplan:board_report_pdf", args=[cqc.slug])).status_code == 403


def test_board_report_runs_the_same_queries_for_80_actions_and_for_thousands(
    client, superuser, django_assert_max_num_queries
):
    client.force_login(superuser)
    small = build_system(plans=1, priorities=2, key_actions=8, subs=4, updates_per_action=2, people=10)
    url = reverse("actionplan:board_report", args=[small[0].slug])
    with django_assert_max_num_queries(40) as few:
        client.get(url, {"as_at": "2018-09-01", "since": "2018-06-01"})
    few_count = len(few.captured_queries)
    big = build_system(plans=1, priorities=5, key_actions=20, subs=4, updates_per_action=3, people=200, prefix="x")
    url = reverse("actionplan:board_report", args=[big[0].slug])
    with django_assert_max_num_queries(40) as many:
        client.get(url, {"as_at": "2018-09-01", "since": "2018-06-01"})
    assert len(many.captured_queries) == few_count
