"""The self-assessment's headline tiles: the change is computed, a printed change that disagrees
with its own figures is flagged, and contradictions between papers are noted for admins."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from indicators.models import DataQualityNote, HeadlineTile
from tests.conftest import PASSWORD
from tests.indicator_helpers import import_outcome_assurance

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    import_outcome_assurance()


def sign_in(client, **flags):
    user = get_user_model().objects.create_user("someone", password=PASSWORD, **flags)
    client.force_login(user)
    return user


def test_there_are_8_tiles_with_the_change_computed(imported):
    assert HeadlineTile.objects.count() == 8
    waiting = HeadlineTile.objects.get(title="Number on Assessment Waiting List")
    assert (waiting.current_value, waiting.comparator_value) == (592, 1448)
    assert round(waiting.change, 1) == Decimal("-59.1")
    assert waiting.direction == HeadlineTile.Direction.DOWN


def test_exactly_the_three_tiles_whose_printed_change_disagrees_are_flagged(imported):
    flagged = [tile.title for tile in HeadlineTile.objects.all() if tile.change_disagrees]
    assert flagged == [
        "People supported in their own home",
        "Adults with a learning disability supported to live at home",
        "Carer Direct Payments",
    ]
    carers = HeadlineTile.objects.get(title="Carer Direct Payments")
    assert carers.printed_change == Decimal("0.1")  # kept as printed ...
    assert round(carers.change, 1) == Decimal("-1.1")  # ... beside what its figures give


def test_a_printed_change_rounded_to_whole_numbers_agrees():
    tile = HeadlineTile(
        current_value=Decimal("152430"),
        comparator_value=Decimal("80687"),
        printed_change=Decimal("89"),
        printed_direction="up",
        printed_change_text="89% ↑",
    )
    assert not tile.change_disagrees


def test_an_arrow_pointing_the_wrong_way_is_flagged():
    tile = HeadlineTile(
        current_value=Decimal("110"),
        comparator_value=Decimal("100"),
        printed_change=Decimal("10"),
        printed_direction="down",
        printed_change_text="10% ↓",
    )
    assert tile.change_disagrees


def test_contradicting_figures_are_recorded_as_data_quality_notes(imported):
    note = DataQualityNote.objects.get(tile__title="Number on Assessment Waiting List")
    assert note.period == "July 2024"
    assert [figure.split(" ")[0] for figure in note.figures] == ["592", "582"]
    assert note.indicator.code == "ASC-T1-P1"
    assert HeadlineTile.objects.get(title="Number on Assessment Waiting List").current_value == 592  # not reconciled
    assert DataQualityNote.objects.count() == 2


def test_the_page_shows_both_changes_and_the_flag(client, imported):
    sign_in(client)
    page = client.get(reverse("indicators:benchmarks")).content.decode()
    assert "3 of these 8 figures print a change that does not follow from their own values" in page
    row = page.split('id="tile-8"')[1].split("</tr>")[0]
    assert "-1.1%" in row and "0.1% ↓" in row and "Does not match the values" in row
    assert page.count("Does not match the values") == 3


def test_data_quality_notes_are_shown_to_admins_only(client, imported):
    sign_in(client)
    assert "582 (Theme 1 narrative" not in client.get(reverse("indicators:benchmarks")).content.decode()
    client.logout()
    get_user_model().objects.create_user("admin", password=PASSWORD, is_staff=True)
    client.force_login(get_user_model().objects.get(username="admin"))
    assert "582 (Theme 1 narrative" in client.get(reverse("indicators:benchmarks")).content.decode()
