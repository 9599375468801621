"""The action list's CSV and XLSX downloads at scale: streamed a chunk at a time, the same rows and
values the page shows (RAG and the rest from ActionQuerySet.with_rag), and a number of queries that
grows with the chunks, never with the rows."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from actionplan import action_export
from actionplan.models import RAG, Action, DeliveryStatus
from tests.helpers import build_system

pytestmark = pytest.mark.django_db

URL = "/actions/"


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 7, so a few dozen actions cross several chunk boundaries."""
    monkeypatch.setattr(action_export, "CHUNK_SIZE", 7)
    return 7


@pytest.fixture
def system(db):
    plans = build_system(plans=2, priorities=2, key_actions=3, subs=3, updates_per_action=3, people=12)
    # Some sub-actions name no responsible owner of their own: they take their key action's.
    subs = Action.objects.filter(parent__isnull=False, pk__in=list(Action.objects.values_list("pk", flat=True))[::2])
    Action.responsible.through.objects.filter(action__in=subs).delete()
    return plans


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))


def page_rows(client, params):
    """What the action list's pages show for `params`, every page, in order."""
    rows, page = [], 1
    while True:
        response = client.get(URL, {**params, "page": page})
        rows += response.context["page"].object_list
        if not response.context["page"].has_next():
            return rows
        page += 1


@pytest.mark.parametrize("as_at", ["", "2018-09-01"])
def test_the_csv_streams_exactly_the_rows_and_values_the_pages_show(admin_client, system, small_chunks, as_at):
    params = {"sort": "-due,plan,code", "as_at": as_at}
    response = admin_client.get(URL, {**params, "export": "csv"})
    assert response.streaming
    exported = csv_rows(response)
    shown = page_rows(admin_client, params)
    assert len(shown) > 3 * small_chunks
    assert [(row["Plan"], row["Action"]) for row in exported] == [(a.plan.title, a.code) for a in shown]
    for row, action in zip(exported, shown, strict=True):
        assert row["Accountable"] == ", ".join(o.code for o in action.accountable_owners())
        assert row["Responsible"] == ", ".join(o.code for o in action.responsible_owners())
        assert row["RAG"] == RAG(action.rag).label
        assert row["Delivery status"] == DeliveryStatus(action.delivery_status).label
        assert row["Days overdue"] == str(action.days_overdue or "")
        assert row["Current due date"] == (action.current_due_date.isoformat() if action.current_due_date else "")
        latest = action.latest_update()
        assert row["Latest progress"] == (latest.narrative if latest else "")
    inheriting = Action.objects.sub_actions().exclude(pk__in=Action.responsible.through.objects.values("action"))
    inherited = {(a.plan.title, a.code) for a in inheriting.select_related("plan")}
    assert inherited
    assert all(row["Responsible"] for row in exported if (row["Plan"], row["Action"]) in inherited)


def test_a_sub_action_takes_its_key_actions_owners_even_in_another_chunk(admin_client, small_plan, monkeypatch):
    # Chunks of one: "A1 i" (which names nobody) is read in a chunk without A1.
    monkeypatch.setattr(action_export, "CHUNK_SIZE", 1)
    rows = {row["Action"]: row for row in csv_rows(admin_client.get(URL, {"export": "csv"}))}
    assert (rows["A1 i"]["Accountable"], rows["A1 i"]["Responsible"]) == (
        rows["A1"]["Accountable"],
        rows["A1"]["Responsible"],
    )
    assert rows["A1"]["Responsible"] == "DHa, KT"


def test_the_xlsx_holds_the_same_rows_with_dates_as_dates(admin_client, system, small_chunks):
    params = {"plan": system[0].slug, "sort": "due"}
    exported = csv_rows(admin_client.get(URL, {**params, "export": "csv"}))
    response = admin_client.get(URL, {**params, "export": "xlsx"})
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    header, *body = list(sheet.iter_rows(values_only=True))
    assert list(header) == action_export.HEADINGS
    assert [row[header.index("Action")] for row in body] == [row["Action"] for row in exported]
    due = [row[header.index("Original due date")] for row in body if row[header.index("Original due date")]]
    assert due and all(isinstance(value, datetime.datetime) for value in due)
    assert sheet.freeze_panes == "A2"


def test_the_csv_starts_with_a_byte_order_mark_so_excel_reads_it_as_utf_8(admin_client, small_plan):
    small_plan.actions.filter(code="A2").update(title="Review the strategy – Señora’s plan")
    body = admin_client.get(URL, {"export": "csv"}).getvalue()
    assert body.startswith(b"\xef\xbb\xbfPlan,")
    assert body.count(b"\xef\xbb\xbf") == 1
    assert "Review the strategy – Señora’s plan" in body.decode("utf-8-sig")


def test_the_xlsx_opens_with_readable_columns_a_frozen_heading_row_and_filters_on(admin_client, system):
    response = admin_client.get(URL, {"plan": system[0].slug, "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    widths = {
        heading: sheet.column_dimensions[chr(ord("A") + i)].width for i, heading in enumerate(action_export.HEADINGS)
    }
    assert widths["Title"] == 60 and widths["Latest progress"] == 80 and widths["Plan"] == 30
    assert all(width >= 10 for width in widths.values())
    assert sheet.freeze_panes == "A2"
    rows = system[0].actions.count() + 1
    assert sheet.auto_filter.ref == f"A1:Q{rows}" and sheet.max_row == rows
    assert len(action_export.HEADINGS) == 17  # A to Q


def export_queries(client, fmt, django_assert_max_num_queries):
    with django_assert_max_num_queries(200) as queries:
        response = client.get(URL, {"export": fmt})
        size = sum(len(part) for part in response.streaming_content)  # the rows are read as it streams
    assert size
    return len(queries.captured_queries)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_queries_grow_with_the_chunks_not_the_rows(admin_client, small_chunks, fmt, django_assert_max_num_queries):
    build_system(plans=1, priorities=1, key_actions=2, subs=2, updates_per_action=2, people=5)
    one_chunk = Action.objects.count()
    assert one_chunk <= small_chunks
    few = export_queries(admin_client, fmt, django_assert_max_num_queries)
    build_system(plans=4, priorities=2, key_actions=4, subs=4, updates_per_action=2, people=20, prefix="x")
    chunks = -(-Action.objects.count() // small_chunks)
    many = export_queries(admin_client, fmt, django_assert_max_num_queries)
    # Per chunk: its owners (two roles) and latest progress, and any plans and priorities not met before.
    assert many - few <= 5 * (chunks - 1)
    assert Action.objects.count() > 20 * one_chunk
