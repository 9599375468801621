"""The action list: django-filter filters in the URL, on any "as at" date, sortable, paginated,
exporting exactly the filtered rows to CSV and XLSX."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from actionplan.models import Action
from actionplan.status import RAG
from tests.helpers import build_system, import_cqc_plan

pytestmark = pytest.mark.django_db

D = datetime.date
URL = "/actions/"


@pytest.fixture
def cqc(superuser):
    return import_cqc_plan()


@pytest.fixture
def signed_in(client, superuser):
    client.force_login(superuser)
    return client


def codes(response):
    return [a.code for a in response.context["page"].object_list]


def test_filters_combine(signed_in, cqc):
    # Overdue on 1 April 2018, responsible person among I1's, free text "training".
    response = signed_in.get(URL, {"plan": cqc.slug, "status": "overdue", "as_at": "2018-04-01"})
    assert set(codes(response)) == {"E2", "G2 i", "H4", "I1", "I1 i", "I1 ii", "I3"}
    i_priority = cqc.priorities.get(code="I")
    narrowed = signed_in.get(
        URL, {"plan": cqc.slug, "status": "overdue", "as_at": "2018-04-01", "priority": i_priority.pk}
    )
    assert set(codes(narrowed)) == {"I1", "I1 i", "I1 ii", "I3"}
    due_between = signed_in.get(URL, {"plan": cqc.slug, "due_from": "2018-01-01", "due_to": "2018-01-31"})
    assert set(codes(due_between)) == {"I1 i", "I1 ii"}


def test_rag_filter_takes_several_colours(signed_in, cqc, superuser):
    b1 = cqc.actions.get(code="B1")
    b1.add_progress_update(author=superuser, on=D(2018, 4, 2), seen_version=b1.version, rag=RAG.RED, narrative="Late")
    on = "2018-04-03"
    red = set(codes(signed_in.get(URL, {"plan": cqc.slug, "rag": "red", "as_at": on})))
    amber = set(codes(signed_in.get(URL, {"plan": cqc.slug, "rag": "amber", "as_at": on})))
    both = set(codes(signed_in.get(URL + f"?plan={cqc.slug}&rag=red&rag=amber&as_at={on}")))
    assert "B1" in red
    assert both == red | amber


def test_rag_and_status_filters_select_rows_without_distinct(signed_in, cqc, django_assert_max_num_queries):
    """Each is a condition on the action's own picture, so no row can repeat: SELECT DISTINCT over
    every column before the LIMIT made the list several times slower at 20,000 actions."""
    with django_assert_max_num_queries(40) as captured:
        response = signed_in.get(URL, {"rag": ["red", "amber"], "status": ["overdue", "due_soon"]})
    assert response.status_code == 200
    # The count and the page of the list.
    sqls = [q["sql"] for q in captured.captured_queries]
    listed = [sql for sql in sqls if sql.endswith("LIMIT 50") or sql.startswith("SELECT COUNT(*)")]
    assert len(listed) == 2 and not any("DISTINCT" in sql for sql in listed)


def test_accountable_responsible_and_organisation_filters_use_inherited_owners(signed_in, cqc):
    kt = set(codes(signed_in.get(URL, {"plan": cqc.slug, "responsible": "KT"})))
    assert kt == set(
        cqc.actions.responsible_is(
            cqc.actions.model.responsible.field.related_model.objects.get(code="KT")
        ).values_list("code", flat=True)
    )
    owners = cqc.actions.model.accountable.field.related_model.objects
    chief_execs = set(codes(signed_in.get(URL, {"plan": cqc.slug, "accountable": "Chief Executives"})))
    assert {"B1", "B2"} <= chief_execs
    assert chief_execs == set(
        cqc.actions.accountable_is(owners.get(code="Chief Executives")).values_list("code", flat=True)
    )
    unknown = signed_in.get(URL, {"responsible": "NOBODY"})
    assert "Enter the initials or group name of someone responsible, as suggested" in unknown.content.decode()


def test_stale_and_slipped_filters(signed_in, cqc, superuser):
    a1 = cqc.actions.get(code="A1")
    a1.add_progress_update(
        author=superuser,
        on=D(2018, 5, 1),
        seen_version=a1.version,
        rag=RAG.AMBER,
        narrative="Moved",
        revised_due_date=D(2018, 8, 31),
    )
    slipped = codes(signed_in.get(URL, {"plan": cqc.slug, "slipped": "on", "as_at": "2018-06-01"}))
    assert slipped == ["A1"]
    stale = set(codes(signed_in.get(URL, {"plan": cqc.slug, "stale": "on", "as_at": "2018-06-01"})))
    assert "A1" not in stale and "B1" in stale  # B1's only update was the imported one, 22 March


def test_search_finds_text_in_titles_and_progress(signed_in, cqc):
    found = codes(signed_in.get(URL, {"plan": cqc.slug, "q": "frailty"}))
    assert found
    for action in Action.objects.filter(plan=cqc, code__in=found):
        text = " ".join(
            [action.title, action.description, *action.progress_updates.values_list("narrative", flat=True)]
        )
        assert "frailty" in text.lower()


def test_sort_by_due_date_both_ways(signed_in, cqc):
    ascending = signed_in.get(URL, {"plan": cqc.slug, "sort": "due"}).context["page"].object_list
    dates = [a.current_due_date for a in ascending if a.current_due_date]
    assert dates == sorted(dates)
    descending = signed_in.get(URL, {"plan": cqc.slug, "sort": "-due"}).context["page"].object_list
    dates = [a.current_due_date for a in descending if a.current_due_date]
    assert dates == sorted(dates, reverse=True)


def test_pages_of_fifty(signed_in, cqc):
    first = signed_in.get(URL, {"plan": cqc.slug})
    total = cqc.actions.count()
    assert first.context["page"].paginator.count == total
    assert len(first.context["page"].object_list) == min(50, total)
    second = signed_in.get(URL, {"plan": cqc.slug, "page": 2})
    assert len(second.context["page"].object_list) == total - 50


def test_csv_export_holds_exactly_the_filtered_rows(signed_in, cqc):
    response = signed_in.get(URL, {"plan": cqc.slug, "status": "overdue", "as_at": "2018-04-01", "export": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "actions-as-at-2018-04-01.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert {row["Action"] for row in rows} == {"E2", "G2 i", "H4", "I1", "I1 i", "I1 ii", "I3"}
    i3 = next(row for row in rows if row["Action"] == "I3")
    assert i3["Delivery status"] == "Overdue"
    assert i3["Days overdue"] == str((D(2018, 4, 1) - D(2017, 12, 31)).days)


def test_xlsx_export_holds_exactly_the_filtered_rows_and_no_formulas(signed_in, cqc):
    cqc.actions.filter(code="E2").update(title='=HYPERLINK("http://example.com")')
    response = signed_in.get(URL, {"plan": cqc.slug, "status": "overdue", "as_at": "2018-04-01", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows())
    header, body = [c.value for c in rows[0]], rows[1:]
    assert len(body) == 7
    titles = {row[header.index("Action")].value: row[header.index("Title")] for row in body}
    # Text, shown as written: no formula, and no apostrophe in front.
    assert titles["E2"].value == '=HYPERLINK("http://example.com")'
    assert titles["E2"].data_type == "s"


def test_list_only_holds_plans_shared_with_the_user(client, board_member, small_plan):
    import_cqc_plan()
    client.force_login(board_member)
    response = client.get(URL)
    assert {a.plan_id for a in response.context["page"].object_list} == {small_plan.pk}


def test_action_list_runs_the_same_queries_for_80_actions_and_for_thousands(
    client, superuser, django_assert_max_num_queries
):
    client.force_login(superuser)
    build_system(plans=1, priorities=2, key_actions=8, subs=4, updates_per_action=2, people=10)
    params = {"status": ["overdue", "on_track", "complete"], "sort": "due"}
    with django_assert_max_num_queries(40) as few:
        client.get(URL, params)
    few_count = len(few.captured_queries)
    build_system(plans=3, priorities=5, key_actions=20, subs=4, updates_per_action=3, people=200, prefix="x")
    with django_assert_max_num_queries(40) as many:
        response = client.get(URL, params)
    assert response.context["page"].paginator.count > 80
    assert len(many.captured_queries) == few_count
