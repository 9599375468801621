"""GOV.UK patterns on every form: the date input (Day, Month, Year) with GOV.UK's messages, GOV.UK
error messages instead of Django's, hints and errors that aria-describedby names, the header."""

import datetime
import re

import pytest
from django.urls import reverse

from actionplan.forms import NARRATIVE_MAX_LENGTH, AsAtForm, ProgressUpdateForm
from config.presentation import GovukDateField
from tests.helpers import import_cqc_plan

# The day a progress update is written on, for the forms that need one.
ON = datetime.date(2018, 5, 1)


def date_errors(**parts):
    form = AsAtForm({f"as_at_{part}": value for part, value in parts.items()})
    form.is_valid()
    return form.errors.get("as_at", [])


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"day": "3", "month": "", "year": "2018"}, "The as at date must include a month"),
        ({"day": "", "month": "", "year": "2018"}, "The as at date must include a day and month"),
        ({"day": "31", "month": "2", "year": "2018"}, "The as at date must be a real date"),
        ({"day": "x", "month": "2", "year": "2018"}, "The as at date must be a real date"),
        ({"day": "1", "month": "2", "year": "18"}, "Year must include 4 numbers"),
        (
            {"day": "1", "month": "1", "year": "9999"},
            "The as at date must be between 1 January 1900 and 31 December 2999",
        ),
        (
            {"day": "1", "month": "1", "year": "0001"},
            "The as at date must be between 1 January 1900 and 31 December 2999",
        ),
    ],
)
def test_a_date_typed_wrong_gets_the_govuk_message(parts, message):
    assert date_errors(**parts) == [message]


def test_a_date_is_read_from_boxes_or_from_one_iso_parameter():
    assert AsAtForm({"as_at_day": "3", "as_at_month": "04", "as_at_year": "2018"}).date() == datetime.date(2018, 4, 3)
    assert AsAtForm({"as_at": "2018-04-03"}).date() == datetime.date(2018, 4, 3)
    form = AsAtForm({"as_at": "not a date"})
    assert not form.is_valid()
    assert form.errors["as_at"] == ["The as at date must be a real date, for example 27 3 2018"]


def test_only_the_missing_boxes_are_marked():
    field = GovukDateField(label="When")
    with pytest.raises(Exception, match="must include a month"):
        field.clean(["3", "", "2018"])
    assert field.error_parts == ("month",)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"as_at": "9999-12-31"},
        {"as_at": "0001-01-01"},
        {"as_at_day": "31", "as_at_month": "12", "as_at_year": "9999"},
    ],
)
def test_an_out_of_range_year_is_a_clear_error_not_a_server_error(client, superuser, query):
    import_cqc_plan()
    client.force_login(superuser)
    for path in ("/", "/actions/", "/plans/cqc-local-system-review-2018/report/"):
        response = client.get(path, query)
        assert response.status_code == 200, path
        assert "must be between 1 January 1900 and 31 December 2999" in response.content.decode(), path
    on = {("on" + key[5:]): value for key, value in query.items()}
    response = client.get(reverse("actionplan:exception_report", args=["hwb"]), on)
    assert response.status_code == 400
    assert "The date for actions must be between" in response.content.decode()


def test_progress_update_messages_are_govuks_not_djangos():
    form = ProgressUpdateForm({"version": 1, "rag": "purple", "percent_complete": "-1"}, on=ON)
    assert not form.is_valid()
    assert form.errors["rag"] == ["Select a RAG status"]
    assert form.errors["narrative"] == ["Enter a progress narrative"]
    assert form.errors["percent_complete"] == ["Percentage complete must be between 0 and 100"]


def test_the_narrative_has_a_maximum_length_stated_in_its_hint():
    form = ProgressUpdateForm({"version": 1, "rag": "green", "narrative": "x" * (NARRATIVE_MAX_LENGTH + 1)}, on=ON)
    assert not form.is_valid()
    assert form.errors["narrative"] == ["Progress must be 5,000 characters or fewer"]
    assert "Up to 5,000 characters." in form.fields["narrative"].help_text
    ok = ProgressUpdateForm({"version": 1, "rag": "green", "narrative": "x" * NARRATIVE_MAX_LENGTH}, on=ON)
    assert ok.is_valid(), ok.errors


@pytest.mark.django_db
def test_every_described_by_id_exists_on_the_update_form_with_errors(client, officer, small_plan):
    client.force_login(officer)
    a1 = small_plan.actions.get(code="A1")
    page = client.post(
        reverse("actionplan:add_update", args=[a1.pk]), {"version": a1.version, "revised_due_date_month": "13"}
    ).content.decode()
    ids = set(re.findall(r' id="([^"]+)"', page))
    described = {i for value in re.findall(r'aria-describedby="([^"]+)"', page) for i in value.split()}
    assert described and described <= ids
    # The error summary's link to the RAG radios goes to the first radio, as GOV.UK's does.
    assert '<a href="#id_rag_0">Select a RAG status</a>' in page
    assert '<a href="#id_revised_due_date_day">' in page


@pytest.mark.django_db
def test_the_action_list_filters_name_hints_that_exist_and_use_govuk_checkboxes(client, board_member, small_plan):
    client.force_login(board_member)
    page = client.get(
        reverse("actionplan:action_list"), {"due_from_day": "40", "due_from_month": "1", "due_from_year": "2018"}
    ).content.decode()
    ids = set(re.findall(r' id="([^"]+)"', page))
    described = {i for value in re.findall(r'aria-describedby="([^"]+)"', page) for i in value.split()}
    assert described and described <= ids
    assert re.search(r'<input type="checkbox" name="stale" class="govuk-checkboxes__input"', page)
    assert re.search(r'<input type="checkbox" name="slipped" class="govuk-checkboxes__input"', page)
    assert "The earliest due date must be a real date" in page


@pytest.mark.django_db
def test_the_header_names_the_service_marks_the_current_section_and_has_no_crown(client, officer, small_plan):
    # An officer: the header offers My actions only to someone with actions (test_my_actions.py).
    client.force_login(officer)
    page = client.get(reverse("actionplan:my_actions")).content.decode()
    assert "HWB action-plan assurance</a>" in page
    current = re.findall(r'<a class="govuk-service-navigation__link" href="([^"]+)" aria-current="true">', page)
    assert current == [reverse("actionplan:my_actions")]
    assert "govuk-header__logotype" not in page and "crown" not in page.lower() and "GDS Transport" not in page
    page = client.get(reverse("indicators:index")).content.decode()
    assert re.findall(r'href="([^"]+)" aria-current="true"', page) == [reverse("indicators:index")]


def test_the_built_stylesheet_uses_arial_and_never_gds_transport():
    from tests.helpers import ROOT

    css = (ROOT / "static" / "govuk" / "govuk-frontend.min.css").read_text()
    assert "GDS Transport" not in css and "arial" in css and "@font-face" not in css


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["help", "accessibility", "privacy", "cookies"])
def test_help_pages_need_no_sign_in_and_are_linked_from_every_footer(client, name, board_member):
    url = reverse(f"help:{name}")
    response = client.get(url)
    assert response.status_code == 200
    client.force_login(board_member)
    assert f'class="govuk-footer__link" href="{url}"' in client.get(reverse("actionplan:dashboard")).content.decode()


@pytest.mark.django_db
def test_the_help_and_cookie_pages_say_what_people_need(client):
    help_page = client.get(reverse("help:help")).content.decode()
    for heading in ("How to update your actions", "What RAG means here", "How dates are read"):
        assert heading in help_page
    assert "only essential cookies" in client.get(reverse("help:cookies")).content.decode()
    statement = client.get(reverse("help:accessibility")).content.decode()
    for heading in ("How accessible this service is", "Reporting accessibility problems", "Enforcement procedure"):
        assert heading in statement


@pytest.mark.django_db
def test_a_date_given_as_day_month_and_year_is_kept_in_the_address_as_one_iso_date(client, superuser):
    client.force_login(superuser)
    response = client.get("/", {"as_at_day": "3", "as_at_month": "4", "as_at_year": "2018", "plan": "x"})
    assert response.status_code == 302
    assert response["Location"] == "/?plan=x&as_at=2018-04-03"
    assert client.get(response["Location"]).context["as_at"] == datetime.date(2018, 4, 3)
