"""Outcomes carry a director's RAG per quarter, a judgement independent of their indicators' RAGs;
a Red outcome always has an exception record."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from indicators.importers import IndicatorFileError
from indicators.importers.yaml_file import import_indicator_file
from indicators.models import (
    RED_OUTCOME_DEFINITION,
    ExceptionRecord,
    Indicator,
    IndicatorValue,
    Outcome,
    OutcomeRag,
    OutcomeRating,
    Period,
)
from tests.conftest import PASSWORD
from tests.indicator_helpers import (
    RATINGS_FIXTURE,
    REPORT_FIXTURE,
    import_outcome_assurance,
    ratings_data,
    write_yaml,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    import_outcome_assurance()


@pytest.fixture
def member(client):
    user = get_user_model().objects.create_user("member", password=PASSWORD)
    client.force_login(user)
    return user


def q(label):
    return Period.objects.get(label=label)


def test_after_import_there_are_23_outcomes_and_only_looked_after_children_is_red_in_q2(imported):
    assert Outcome.objects.count() == 23
    assert OutcomeRating.objects.for_period(q("Q2 2017-18")).count() == 23
    red = OutcomeRating.objects.for_period(q("Q2 2017-18")).red().select_related("outcome").get()
    assert red.outcome.text.startswith("Safely reducing the number of looked after children")


def test_the_reports_own_summary_is_computed_from_the_ratings(imported):
    assert OutcomeRating.objects.for_period(q("Q2 2017-18")).summary() == {"total": 23, "red": 1, "green_or_amber": 22}
    # "This is an improvement from Quarter 1": two Reds then.
    assert OutcomeRating.objects.for_period(q("Q1 2017-18")).summary() == {"total": 23, "red": 2, "green_or_amber": 21}


def test_outcome_rag_is_a_judgement_independent_of_its_indicators_rag(imported):
    seven = IndicatorValue.objects.with_shown_rag().get(indicator__number=7, period=q("Q2 2017-18"))
    assert seven.shown_rag == "red"
    scs3 = Outcome.objects.get(code="SCS3")
    assert scs3.ratings.get(period=q("Q1 2017-18")).rag == OutcomeRag.RED
    q2 = scs3.ratings.get(period=q("Q2 2017-18"))
    assert q2.rag == OutcomeRag.AMBER
    assert q2.disagrees_with(["red", "green"])  # Red indicator 7 under an Amber outcome is shown

    # Changing an indicator's RAG leaves the director's rating alone.
    IndicatorValue.objects.filter(indicator__number=7, period=q("Q2 2017-18")).update(reported_rag="green")
    q2.refresh_from_db()
    assert q2.rag == OutcomeRag.AMBER
    assert not q2.disagrees_with(["green"])


def test_a_red_outcome_without_an_exception_record_is_refused_with_a_clear_error(imported):
    rating = OutcomeRating.objects.get(outcome__code="PH1", period=q("Q2 2017-18"))
    rating.rag = OutcomeRag.RED
    with pytest.raises(ValidationError) as refused:
        rating.save()
    assert "PH1 cannot be rated Red for Q2 2017-18 without an exception record" in str(refused.value)
    assert OutcomeRating.objects.get(pk=rating.pk).rag == OutcomeRag.GREEN_OR_AMBER


def test_an_exception_record_lets_an_outcome_be_rated_red(imported):
    rating = OutcomeRating.objects.get(outcome__code="PH1", period=q("Q2 2017-18"))
    ExceptionRecord.objects.create(
        outcome=rating.outcome, period=rating.period, narrative="Uptake fell.", recommended_action="Recommission."
    )
    rating.rag = OutcomeRag.RED
    rating.save()
    assert OutcomeRating.objects.for_period(q("Q2 2017-18")).summary()["red"] == 2


def test_a_ratings_file_with_a_red_and_no_exception_is_refused_whole(imported, tmp_path):
    data = ratings_data()
    ph1 = next(o for o in data["outcomes"] if o["outcome"] == "PH1")
    ph1["q2_rag"] = "Red"
    cef2 = next(o for o in data["outcomes"] if o["outcome"] == "CEF2")
    cef2["q2_exception"]["decision"] = "maybe"
    path = write_yaml(tmp_path, data, "ratings.yaml")
    with pytest.raises(IndicatorFileError) as refused:
        import_indicator_file(path)
    errors = refused.value.errors
    assert any(
        e.startswith(f"{path}: outcome PH1, field 'q2_rag': an outcome rated Red needs an exception record")
        for e in errors
    )
    assert any("outcome CEF2 q2_exception, field 'decision': unknown decision 'maybe'" in e for e in errors)
    assert OutcomeRating.objects.get(outcome__code="PH1", period=q("Q2 2017-18")).rag == OutcomeRag.GREEN_OR_AMBER


def test_ratings_naming_an_unknown_outcome_change_nothing(db, tmp_path):
    from tests.helpers import import_partnerships

    import_partnerships()
    data = ratings_data()
    data["outcomes"].append({"outcome": "XYZ9", "q2_rag": "Amber"})
    with pytest.raises(CommandError) as refused:
        call_command("import_indicators", str(REPORT_FIXTURE), str(write_yaml(tmp_path, data, "ratings.yaml")))
    assert "outcome XYZ9, field 'outcome': unknown outcome 'XYZ9'" in str(refused.value)
    assert Outcome.objects.count() == 0 and Indicator.objects.count() == 0


def test_the_exception_record_is_kept_whole_with_its_decision(imported):
    record = ExceptionRecord.objects.get(outcome__code="CEF2", period=q("Q2 2017-18"))
    assert sorted(record.indicators.values_list("number", flat=True)) == [11, 12]
    assert record.outcome.priority.name == "Protecting Vulnerable People"
    assert record.recommended_action.startswith("The current actions should safely reduce")
    assert record.decision == ExceptionRecord.Decision.ACCEPTED
    assert record.decided_by == "County Leadership Team"
    assert str(record.decided_on) == "2017-12-06"
    assert record.outcome.board.slug == "childrens-trust"


def test_importing_the_ratings_again_changes_nothing(imported):
    report = import_indicator_file(RATINGS_FIXTURE)
    assert (report.created, report.updated) == (0, 0)


def test_the_priority_page_shows_outcome_and_indicator_rags_and_the_exception_inline(client, member, imported):
    response = client.get(reverse("indicators:outcome_priority", args=["protecting-vulnerable-people"]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Of the 23 outcomes being reported on, 22 were rated Green or Amber at the end of Q2 2017-18" in page
    assert RED_OUTCOME_DEFINITION in page
    assert 'id="exception-CEF2-' in page
    assert "County Leadership Team" in page
    assert "Thriving Economy</h2>" not in page


def test_a_disagreement_between_outcome_and_indicators_is_visible(client, member, imported):
    page = client.get(reverse("indicators:outcome_priority", args=["efficient-public-services"])).content.decode()
    row = page.split('id="outcome-SCS3"')[1].split("</tr>")[0]
    assert "Differs from its indicators" in row and "an indicator is Red" in row


def test_outcome_text_is_shown_escaped(client, member, imported):
    Outcome.objects.filter(code="PH1").update(text="<script>alert(1)</script>")
    page = client.get(reverse("indicators:outcomes")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_outcomes_page_runs_a_fixed_number_of_queries(client, member, imported, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as captured:
        assert client.get(reverse("indicators:outcomes")).status_code == 200
    queries = len(captured.captured_queries)
    for outcome in Outcome.objects.all()[:5]:
        ExceptionRecord.objects.create(outcome=outcome, period=q("Q2 2017-18"), narrative="n", recommended_action="r")
        OutcomeRating.objects.filter(outcome=outcome, period=q("Q2 2017-18")).update(rag=OutcomeRag.RED)
    with django_assert_max_num_queries(queries):
        assert client.get(reverse("indicators:outcomes")).status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, imported):
    response = client.get(reverse("indicators:outcomes"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
