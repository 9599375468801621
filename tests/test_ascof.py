"""ASCOF measures against England: better or worse by each measure's polarity, changes computed,
and a figure that is not yet available kept as missing, never as zero."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from indicators.importers import IndicatorFileError
from indicators.importers.yaml_file import import_indicator_file
from indicators.models import AscofDomain, AscofMeasure
from tests.conftest import PASSWORD
from tests.indicator_helpers import ASC_PERFORMANCE_FIXTURE, asc_performance_data, import_outcome_assurance, write_yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported():
    import_outcome_assurance()


@pytest.fixture
def member(client):
    user = get_user_model().objects.create_user("member", password=PASSWORD)
    client.force_login(user)
    return user


def test_after_import_there_are_21_measures_in_6_domains(imported):
    assert AscofDomain.objects.count() == 6
    assert AscofMeasure.objects.count() == 21
    assert list(AscofMeasure.objects.filter(code__startswith="2B").values_list("code", "code_as_written")) == [
        ("2B(1)", "2B"),
        ("2B(2)", "2B"),
    ]


def test_the_self_assessments_summary_is_computed_from_the_figures(imported):
    summary = AscofMeasure.objects.summary()
    assert summary["total"] == 21
    assert summary["with_current"] == 20  # "Data is available on 20 of the 21 measures"
    assert summary["improved"] == 14  # "On 14 of the 20 measures performance improved in the year"
    assert summary["better"] == 15  # "15 of the 20 measures perform better than the last national position"
    assert summary["same"] == 1  # "with one measure scoring at the same level"
    assert summary["worse"] == 4


def test_lower_is_better_for_care_home_admissions(imported):
    admissions = AscofMeasure.objects.get(code="2B(2)")  # 65+: 357.7 → 337.8, England 560.8
    assert admissions.polarity == "lower"
    assert admissions.trend == "improved"
    assert admissions.against_england == "better"
    assert round(admissions.change_in_year, 1) == Decimal("-5.6")  # printed "-5.6%"
    assert round(admissions.difference_from_england) == -40  # printed "-40%"
    assert AscofMeasure.objects.improved().filter(code="2B(2)").exists()
    assert AscofMeasure.objects.better_than_england().filter(code="2B(2)").exists()


def test_the_same_change_is_better_or_worse_depending_on_polarity():
    higher = AscofMeasure(
        polarity="higher", england_value=Decimal("50"), previous_value=Decimal("40"), current_value=Decimal("45")
    )
    lower = AscofMeasure(
        polarity="lower", england_value=Decimal("50"), previous_value=Decimal("40"), current_value=Decimal("45")
    )
    assert (higher.trend, higher.against_england) == ("improved", "worse")
    assert (lower.trend, lower.against_england) == ("deteriorated", "better")


def test_differences_match_the_annex(imported):
    satisfaction = AscofMeasure.objects.get(code="1D")
    assert satisfaction.change_in_year == Decimal("3.8")
    assert satisfaction.difference_from_england == Decimal("4.1")
    assert AscofMeasure.objects.get(code="3A").against_england == "same"


def test_a_figure_not_yet_available_stays_missing(imported):
    leavers = AscofMeasure.objects.get(code="6A")
    assert leavers.current_value is None
    assert leavers.current_text == "not yet available"
    assert leavers.change_in_year is None and leavers.trend is None and leavers.against_england is None
    for query in ("improved", "deteriorated", "better_than_england", "same_as_england", "worse_than_england"):
        assert not getattr(AscofMeasure.objects, query)().filter(code="6A").exists(), query


def test_the_benchmark_page_filters_to_the_measures_the_summary_counts(client, member, imported):
    summary = AscofMeasure.objects.summary()
    for show, figure in [("improved", "improved"), ("better", "better"), ("same", "same")]:
        page = client.get(reverse("indicators:benchmarks"), {"show": show}).content.decode()
        assert f"Showing {summary[figure]} of 21 measures." in page, show


def test_the_benchmark_page_filters_to_worse_than_england_and_deteriorated(client, member, imported):
    worse = client.get(reverse("indicators:benchmarks"), {"show": "worse"}).content.decode()
    assert "Showing 4 of 21 measures." in worse
    assert 'id="measure-1e"' in worse and 'id="measure-1d"' not in worse
    deteriorated = client.get(reverse("indicators:benchmarks"), {"show": "deteriorated"}).content.decode()
    assert "Showing 6 of 21 measures." in deteriorated
    assert 'id="measure-3a"' in deteriorated and 'id="measure-6a"' not in deteriorated


def test_the_benchmark_page_states_the_summary_and_draws_a_chart_per_measure(client, member, imported):
    page = client.get(reverse("indicators:benchmarks")).content.decode()
    assert (
        "Data is available on 20 of the 21 measures. On 14 of the 20 measures performance improved in the year." in page
    )
    assert "15 of the 20 measures are better than England's last figure, with 1 at the same level" in page
    assert page.count('class="app-chart app-chart--small"') == 21
    row = page.split('id="measure-6a"')[1].split("</tr>")[0]
    assert "Not yet available" in row and "No figure this year" in row


def test_a_file_with_a_bad_figure_names_it_and_changes_nothing(db, tmp_path):
    data = asc_performance_data()
    data["ascof"]["domains"][0]["measures"][0]["current"] = "lots"
    data["ascof"]["domains"][1]["measures"][1]["polarity"] = "sideways"
    path = write_yaml(tmp_path, data, "asc.yaml")
    with pytest.raises(IndicatorFileError) as refused:
        import_indicator_file(path)
    assert f"{path}: ascof measure 1A, field 'current': 'lots' is not a number" in refused.value.errors
    assert any("ascof measure 2B(1), field 'polarity': unknown polarity 'sideways'" in e for e in refused.value.errors)
    assert AscofMeasure.objects.count() == 0


def test_importing_again_changes_nothing(imported):
    report = import_indicator_file(ASC_PERFORMANCE_FIXTURE)
    assert (report.created, report.updated, report.removed) == (0, 0, 0)


def test_the_benchmark_page_runs_a_fixed_number_of_queries(client, member, imported, django_assert_max_num_queries):
    with django_assert_max_num_queries(15) as captured:
        assert client.get(reverse("indicators:benchmarks")).status_code == 200
    queries = len(captured.captured_queries)
    domain = AscofDomain.objects.get(number=1)
    template = AscofMeasure.objects.get(code="1A")
    for n in range(10):
        template.pk, template.code = None, f"9Z{n}"
        template.domain = domain
        template.save()
    with django_assert_max_num_queries(queries):
        assert client.get(reverse("indicators:benchmarks")).status_code == 200
