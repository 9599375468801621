"""The action list's filters fail safe: a value that is not valid shows its error and no rows, and
the downloads hold no rows either, never the unfiltered list. Owners are found as people type
them; page numbers below 1 are page 1; the filter panel gets out of the way once used."""

import csv
import io

import pytest
from openpyxl import load_workbook

from actionplan.models import Owner
from tests.helpers import import_cqc_plan

pytestmark = pytest.mark.django_db

URL = "/actions/"


@pytest.fixture
def cqc(db):
    return import_cqc_plan()


def codes(response):
    return {a.code for a in response.context["page"].object_list}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"plan": "nonexistent"}, "Select a plan from the list"),
        ({"rag": "purple"}, "Select RAG statuses from the list"),
        ({"status": "late"}, "Select delivery statuses from the list"),
        ({"responsible": "NOBODY"}, "Enter the initials or group name of someone responsible, as suggested"),
        ({"as_at": "2018-02-31"}, "The as at date must be a real date"),
        ({"due_from": "31/02/2018"}, "The earliest due date must be a real date"),
    ],
)
def test_an_invalid_value_shows_its_error_and_no_rows(admin_client, cqc, params, message):
    response = admin_client.get(URL, params)
    page = response.content.decode()
    assert message in page
    assert response.context["page"].paginator.count == 0
    assert "No actions are listed until the" in page
    assert 'class="govuk-table app-plan-table"' not in page


def test_the_downloads_of_an_invalid_filter_hold_only_the_headings(admin_client, cqc):
    assert admin_client.get(URL).context["page"].paginator.count > 0
    response = admin_client.get(URL, {"plan": "nonexistent", "rag": "red", "export": "csv"})
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert rows[0][:3] == ["Plan", "Strategic priority", "Action"] and len(rows) == 1
    response = admin_client.get(URL, {"rag": "purple", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert sheet.max_row == 1


def test_owners_are_found_by_initials_in_any_case_and_by_name(admin_client, cqc):
    kt = set(cqc.actions.responsible_is(Owner.objects.get(code="KT")).values_list("code", flat=True))
    assert kt
    for typed in ("KT", "kt", "Kt", "Kate Terroni", "kate terroni", "  Kate   Terroni "):
        response = admin_client.get(URL, {"plan": cqc.slug, "responsible": typed})
        assert not response.context["filter"].errors, typed
        assert codes(response) == kt, typed
    accountable = admin_client.get(URL, {"plan": cqc.slug, "accountable": "chief executives"})
    assert {"B1", "B2"} <= codes(accountable)


def test_initials_that_differ_only_in_case_are_different_people(admin_client, cqc):
    dha, dhe = Owner.objects.get(code="DHa"), Owner.objects.get(code="DHe")
    assert dha.name != dhe.name
    both = {
        typed: codes(admin_client.get(URL, {"plan": cqc.slug, "responsible": typed}))
        for typed in ("DHa", "dha", "DHe", "DHE")
    }
    assert both["DHa"] == both["dha"] == set(cqc.actions.responsible_is(dha).values_list("code", flat=True))
    assert both["DHe"] == both["DHE"] == set(cqc.actions.responsible_is(dhe).values_list("code", flat=True))
    assert both["DHa"] != both["DHe"]


def test_initials_exactly_as_written_win_and_an_ambiguous_case_is_asked_about(admin_client, cqc):
    a1 = cqc.actions.get(code="A1")
    upper = Owner.objects.create(kind=Owner.Kind.PERSON, code="AB", name="Alex Brown")
    lower = Owner.objects.create(kind=Owner.Kind.PERSON, code="ab", name="Ann Black")
    a1.responsible.add(upper, lower)
    cqc.actions.get(code="A2").responsible.add(lower)
    for typed, owner in (("AB", upper), ("ab", lower)):
        found = codes(admin_client.get(URL, {"plan": cqc.slug, "responsible": typed}))
        assert found == set(cqc.actions.responsible_is(owner).values_list("code", flat=True)), typed
    assert "A2" not in set(cqc.actions.responsible_is(upper).values_list("code", flat=True))
    ambiguous = admin_client.get(URL, {"plan": cqc.slug, "responsible": "Ab"})
    assert "could be AB (Alex Brown) or ab (Ann Black)" in ambiguous.content.decode()
    assert ambiguous.context["page"].paginator.count == 0
    assert codes(admin_client.get(URL, {"plan": cqc.slug, "responsible": "ann black"})) >= {"A1", "A2"}


@pytest.mark.parametrize("page", ["0", "-1", "first"])
def test_a_page_number_below_one_or_not_a_number_is_page_one(admin_client, cqc, page):
    response = admin_client.get(URL, {"plan": cqc.slug, "page": page})
    assert response.context["page"].number == 1
    assert response.context["page"].paginator.num_pages > 1


def test_the_count_is_said_in_good_english(admin_client, cqc):
    one = admin_client.get(URL, {"plan": cqc.slug, "q": "frailty"}).content.decode()
    assert "<strong>1</strong> action matches." in one
    several = admin_client.get(URL, {"plan": cqc.slug, "q": "discharge"}).content.decode()
    assert "actions match." in several


def test_the_filter_panel_is_open_until_a_filter_is_applied_then_closed_unless_in_error(admin_client, cqc):
    def panel(params):
        page = admin_client.get(URL, params).content.decode()
        return page.split('id="filters"', 1)[0].rsplit("<details", 1)[1]

    assert "open" in panel({})
    assert "open" in panel({"as_at": "2018-04-01", "sort": "due"})  # a date and an order are not filters
    assert "open" not in panel({"plan": cqc.slug})
    assert "open" not in panel({"q": "housing"})
    assert "open" in panel({"rag": "purple"})
