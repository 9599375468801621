"""Indicator pages: dashboards in the report's layout with filters, the indicator page with its SVG
chart and table, value entry by the directorate's performance officers only, escaping, and query
counts that do not grow with data."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from indicators.importers.yaml_file import import_indicator_file
from indicators.models import Directorate, DirectorateMembership, Indicator, IndicatorRag, IndicatorValue
from tests.conftest import PASSWORD
from tests.indicator_helpers import (
    add_value,
    big_report,
    find_indicator,
    import_key_statistics,
    import_report,
    make_indicator,
    report_data,
    write_yaml,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    user = get_user_model().objects.create_user("member", password=PASSWORD)
    client.force_login(user)
    return user


@pytest.fixture
def officer(client):
    """A performance officer of Children, Education and Families (indicator 11) and of the test
    directorate (make_indicator). The importers update these directorates in place."""
    user = get_user_model().objects.create_user("officer", password=PASSWORD)
    for slug, code, name in [
        ("children-education-and-families", "CEF", "Children, Education and Families"),
        ("test-directorate", "TD", "Test directorate"),
    ]:
        directorate, _ = Directorate.objects.get_or_create(slug=slug, defaults={"code": code, "name": name})
        DirectorateMembership.objects.create(
            directorate=directorate, user=user, role=DirectorateMembership.Role.OFFICER
        )
    client.force_login(user)
    return user


def rows(html):
    """Success indicator numbers in the order the dashboard rows show them."""
    import re

    return [int(n) for n in re.findall(r'<tr class="govuk-table__row" id="indicator-(\d+)">', html)]


def row_html(html, number):
    start = html.index(f'id="indicator-{number}"')
    return html[start : html.index("</tr>", start)]


def get(client, name, *args, **params):
    response = client.get(reverse(f"indicators:{name}", args=args), params)
    assert response.status_code == 200
    return response.content.decode()


# -- sign-in -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/indicators/",
        "/indicators/dashboard/",
        "/indicators/directorates/public-health/",
        "/indicators/indicator/11/",
        "/indicators/key-statistics/",
        "/indicators/finance/",
        "/indicators/indicator/11/values/new/",
    ],
)
def test_indicator_pages_need_sign_in(client, url):
    import_report()
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# -- overview and dashboards -------------------------------------------------------------------------


def test_the_overview_gives_the_reports_own_summary(client, member):
    import_report()
    html = get(client, "index")
    assert (
        "Q2 2017-18: 50 success indicators in 5 directorate dashboards, "
        "measuring 23 outcomes under 3 corporate priorities." in html
    )
    summary = html[html.index('id="rag-summary"') :]
    assert '?rag=red">4</a>' in summary and '?rag=amber">10</a>' in summary and '?rag=green">33</a>' in summary
    assert '?changed=on">10</a>' in summary
    outlook = html[html.index('id="outlook-summary"') :]
    assert '?outlook=improving">25</a>' in outlook and '?outlook=stable">22</a>' in outlook
    assert '?outlook=deteriorating">3</a>' in outlook
    assert "47 of 50 are not deteriorating" in html
    assert "Indicator 5</a>: reported Amber, the target rule gives Green" in html
    directorates = html[html.index('id="by-directorate"') : html.index('id="by-priority"')]
    names = [
        "Social and Community Services",
        "Children, Education and Families",
        "Public Health",
        "Communities<",
        "Community Safety Services",
    ]
    assert sorted(names, key=directorates.index) == names  # the report's order, not the alphabet
    priorities = html[html.index('id="by-priority"') :]
    assert (
        priorities.index("Thriving Economy")
        < priorities.index("Protecting Vulnerable People")
        < priorities.index("Efficient Public Services")
    )


def test_a_directorate_dashboard_is_laid_out_like_the_report(client, member):
    import_report()
    html = get(client, "directorate", "children-education-and-families")
    assert rows(html) == list(range(9, 19))
    for heading in (
        "No.",
        "Outcome",
        "Success indicator",
        "Target",
        "Cumulative target",
        "Q1 RAG",
        "Q2 RAG",
        "Outlook",
    ):
        assert f">{heading}<" in html or f">{heading}<span" in html
    eleven = row_html(html, 11)
    assert "Safely reducing the number of looked after children" in eleven
    assert ">629<" in eleven and 'govuk-tag--yellow">Amber' in eleven and 'govuk-tag--red">Red' in eleven
    assert "↑</span> Improving" in eleven
    assert "Due in Q3" in row_html(html, 9)
    assert "People – Children’s Services" in html and "+£1.0m or +4.5%" in html


def test_a_priority_dashboard_groups_its_outcomes_across_directorates(client, member):
    import_report()
    html = get(client, "priority", "thriving-economy")
    assert rows(html) == [9, 10, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 44]
    assert "Increase school attendance - leading to improved attainment (CEF)" in html


def test_filtering_red_shows_the_four_red_indicators(client, member):
    import_report()
    assert rows(get(client, "dashboard", rag="red")) == [7, 11, 12, 40]
    assert rows(get(client, "directorate", "children-education-and-families", rag="red")) == [11, 12]
    assert rows(get(client, "dashboard", rag="none")) == [9, 10, 34]


def test_filtering_by_outlook_priority_and_directorate(client, member):
    import_report()
    assert rows(get(client, "dashboard", outlook="deteriorating")) == [40, 41, 42]
    assert rows(get(client, "dashboard", directorate="public-health", rag="amber")) == [27]
    assert rows(get(client, "dashboard", priority="efficient-public-services", outlook="deteriorating")) == [41, 42]


def test_filtering_changed_rag_since_last_period(client, member):
    import_report()
    assert rows(get(client, "dashboard", changed="on")) == [4, 11, 12, 27, 31, 36, 38, 40, 41, 46]
    html = get(client, "dashboard", changed="on", rag="green")
    assert rows(html) == [31, 38, 46]
    assert "Showing 3 of 50 success indicators." in html


def test_an_earlier_period_can_be_chosen(client, member):
    import_report()
    html = get(client, "dashboard", period="Q1 2017-18", rag="red")
    assert rows(html) == [7, 46]
    assert "Q2 RAG" not in html


def test_a_reported_rag_that_the_rule_disagrees_with_is_shown_with_the_rules_answer(client, member):
    import_report()
    five = row_html(get(client, "directorate", "social-and-community-services"), 5)
    assert 'govuk-tag--yellow">Amber' in five and "Target rule gives Green" in five


def test_an_unknown_directorate_or_indicator_is_404(client, member):
    assert client.get(reverse("indicators:directorate", args=["nowhere"])).status_code == 404
    assert client.get(reverse("indicators:indicator", args=["999"])).status_code == 404


# -- the indicator page and its chart ----------------------------------------------------------------


def test_the_indicator_page_has_an_svg_chart_with_a_table_as_its_text_alternative(client, member):
    import_report()
    html = get(client, "indicator", "11")
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert 'role="img" aria-labelledby="indicator-chart-title indicator-chart-desc"' in html
    assert '<title id="indicator-chart-title">Indicator 11 over time</title>' in html
    assert "Latest, Q2 2017-18: no actual value, RAG Red." in html
    assert "<script" not in html[html.index("<svg") : html.index("</svg>")]
    table = html[html.index('id="values-table"') :]
    assert "Q1 2017-18" in table and "Q2 2017-18" in table
    assert "≤ 629 children by 31 March 2018 (from 667 children on 31 March 2017)" in html


def test_the_chart_draws_the_target_line_and_each_points_rag(client, member):
    indicator = make_indicator()
    add_value(indicator, "Q1 2017-18", actual=Decimal("70"), reported_rag=IndicatorRag.GREEN)
    add_value(indicator, "Q2 2017-18", actual=Decimal("65"))
    add_value(indicator, "Q3 2017-18", actual=Decimal("50"), reported_rag=IndicatorRag.AMBER)
    html = get(client, "indicator", indicator.code)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<circle") == 3
    assert 'stroke-dasharray="8 6"' in svg and ">Target</text>" in svg
    assert "<title>Q1 2017-18: Green</title>" in svg
    assert "<title>Q2 2017-18: Amber</title>" in svg  # computed: 65 is within 5% of 67
    assert "<title>Q3 2017-18: Amber</title>" in svg  # reported, although the rule says Red
    assert ">G</text>" in svg and ">A</text>" in svg
    table = html[html.index('id="values-table"') :]
    assert "Computed" not in table and "Differs from the reported RAG" in table


def test_a_key_statistic_shows_its_comparators(client, member):
    import_key_statistics()
    html = get(client, "indicator", "ASC-T3-W1")
    benchmarks = html[html.index('id="benchmarks"') :]
    assert "England" in benchmarks and "69.7%" in benchmarks and "Statistical neighbours" in benchmarks
    assert "England 69.7%</text>" in html  # drawn beside the 2022-23 point


def test_the_key_statistics_page_shows_each_theme_in_the_sources_three_columns(client, member):
    import_key_statistics()
    html = get(client, "key_statistics")
    for theme in range(1, 5):
        assert f'id="theme-{theme}"' in html
    assert html.count(">Activity <") == 4 and html.count(">Working Well <") == 4 and html.count(">Priority Area <") == 4
    assert "66,400 contacts" in html and "Key Priorities" in html
    assert "England: 83% (June 2024)" in html


def test_the_finance_page_shows_every_financial_dashboard(client, member):
    import_report()
    html = get(client, "finance")
    for title in (
        "People – Children’s Services",
        "People – Adult Services",
        "People - Public Health",
        "Communities",
        "Resources",
        "Corporate",
    ):
        assert title in html
    assert "Position at end July 2017" in html and "£95.5m or 12.0%" in html


# -- entering a value ----------------------------------------------------------------------------------


def test_value_entry_is_refused_for_a_signed_in_user_without_a_role(client, member):
    import_report()
    url = reverse("indicators:value_create", args=["11"])
    assert client.get(url).status_code == 403
    response = client.post(url, {"period": "Q3 2017-18", "actual": "650", "reported_rag": "red"})
    assert response.status_code == 403
    assert not IndicatorValue.objects.filter(period__label="Q3 2017-18").exists()
    assert "Enter a new period" not in get(client, "indicator", "11")


def test_staff_status_or_the_add_value_permission_is_not_a_role(client, member):
    import_report()
    member.is_staff = True
    member.save()
    member.user_permissions.add(Permission.objects.get(codename="add_indicatorvalue"))
    assert client.get(reverse("indicators:value_create", args=["11"])).status_code == 403


def test_a_performance_officer_of_another_directorate_is_refused(client, officer):
    import_report()
    url = reverse("indicators:value_create", args=["25"])  # Public Health's
    assert client.get(url).status_code == 403
    assert client.post(url, {"period": "Q3 2017-18", "actual": "90", "reported_rag": "green"}).status_code == 403
    assert not IndicatorValue.objects.filter(period__label="Q3 2017-18").exists()
    assert "Enter a new period" not in get(client, "indicator", "25")
    assert "Enter a new period" in get(client, "indicator", "11")


def test_a_key_statistic_with_no_directorate_takes_values_only_from_a_superuser(client, officer):
    import_key_statistics()
    statistic = Indicator.objects.key_statistics().first()
    url = reverse("indicators:value_create", args=[statistic.code])
    assert client.get(url).status_code == 403
    officer.is_superuser = True
    officer.save()
    assert client.get(url).status_code == 200


def test_a_performance_officer_enters_a_new_periods_value_and_narrative(client, officer):
    import_report()
    url = reverse("indicators:value_create", args=["11"])
    form = client.get(url).content.decode()
    assert 'value="Q3 2017-18"' in form  # the period after the latest is suggested
    response = client.post(
        url,
        {
            "period": "Q3 2017-18",
            "actual": "650",
            "actual_text": "650 children",
            "reported_rag": "red",
            "outlook": "improving",
            "note": "Area panels started in November.",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("indicators:indicator", args=["11"])
    saved = IndicatorValue.objects.get(indicator__code="11", period__label="Q3 2017-18")
    assert (saved.actual, saved.reported_rag, saved.outlook, saved.entered_by) == (
        Decimal("650"),
        IndicatorRag.RED,
        "improving",
        officer,
    )
    assert saved.entered_at is not None
    assert saved.history.get().history_user == officer
    html = client.get(response["Location"]).content.decode()
    assert "Saved Indicator 11 for Q3 2017-18." in html and "Area panels started in November." in html


def test_a_value_can_be_left_for_the_rule_to_rate(client, officer):
    indicator = make_indicator()
    client.post(reverse("indicators:value_create", args=[indicator.code]), {"period": "Q2 2017-18", "actual": "40"})
    value = indicator.values.get()
    assert value.reported_rag == "" and value.rag == IndicatorRag.RED
    assert "Computed from the target" in get(client, "dashboard")


def test_form_errors_keep_what_was_typed(client, officer):
    import_report()
    url = reverse("indicators:value_create", args=["11"])
    response = client.post(url, {"period": "Quarter three", "actual": "six hundred", "note": "Typed <carefully>"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html and "govuk-error-summary" in html
    assert 'value="Quarter three"' in html and 'value="six hundred"' in html
    assert "Typed &lt;carefully&gt;</textarea>" in html
    assert "Enter a period we can read" in html and "Actual value must be a number" in html
    assert (
        not IndicatorValue.objects.filter(indicator__code="11")
        .exclude(period__label__in=["Q1 2017-18", "Q2 2017-18"])
        .exists()
    )


def test_a_period_that_already_has_a_value_is_refused(client, officer):
    import_report()
    response = client.post(
        reverse("indicators:value_create", args=["11"]), {"period": "Q2 2017-18", "reported_rag": "green"}
    )
    assert "Indicator 11 already has a value for Q2 2017-18." in response.content.decode()
    assert IndicatorValue.objects.get(indicator__code="11", period__label="Q2 2017-18").reported_rag == IndicatorRag.RED


def test_an_actual_or_a_rag_is_needed(client, officer):
    import_report()
    response = client.post(
        reverse("indicators:value_create", args=["11"]), {"period": "Q3 2017-18", "note": "Just words"}
    )
    assert "Enter the actual value, or choose a RAG rating, or both." in response.content.decode()


def test_value_entry_needs_the_csrf_token(officer):
    import_report()
    client = Client(enforce_csrf_checks=True)
    client.force_login(officer)
    response = client.post(
        reverse("indicators:value_create", args=["11"]), {"period": "Q3 2017-18", "reported_rag": "red"}
    )
    assert response.status_code == 403
    assert not IndicatorValue.objects.filter(period__label="Q3 2017-18").exists()
    assert 'name="csrfmiddlewaretoken"' in client.get(reverse("indicators:value_create", args=["11"])).content.decode()


# -- escaping ------------------------------------------------------------------------------------------


def test_html_in_indicator_text_and_narrative_is_shown_not_run(client, member, tmp_path):
    data = report_data()
    eleven = find_indicator(data, 11)
    eleven["text"] = "<script>alert('text')</script>"
    eleven["target"] = "<b>629</b>"
    eleven["q2_note"] = "<img src=x onerror=alert(1)>"
    data["directorates"][1]["outcomes"][1]["text"] = "<i>outcome</i>"
    import_indicator_file(write_yaml(tmp_path, data))
    for html in (get(client, "dashboard"), get(client, "indicator", "11")):
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>629" not in html
        assert "&lt;script&gt;alert(&#x27;text&#x27;)&lt;/script&gt;" in html
    detail = get(client, "indicator", "11")
    assert "&lt;img src=x onerror=alert(1)&gt;" in detail
    assert "&lt;i&gt;outcome&lt;/i&gt;" in detail
    assert "<i>outcome" not in get(client, "dashboard")


def test_html_in_a_period_label_or_unit_cannot_break_out_of_the_svg(client, member):
    indicator = make_indicator(unit='"><script>alert(1)</script>')
    add_value(indicator, "Q2 2017-18", actual=Decimal("70"))
    html = get(client, "indicator", indicator.code)
    assert "<script>alert(1)" not in html
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- query counts --------------------------------------------------------------------------------------


DASHBOARD_PAGES = [
    ("indicators:dashboard", [], {}),
    ("indicators:dashboard", [], {"rag": "amber", "changed": "on", "outlook": "improving"}),
    ("indicators:dashboard", [], {"group": "priority"}),
    ("indicators:directorate", ["directorate-0"], {}),
    ("indicators:priority", ["efficient-public-services"], {}),
    ("indicators:index", [], {}),
]


def test_dashboard_queries_do_not_grow_with_the_number_of_indicators(
    client, member, tmp_path, django_assert_max_num_queries
):
    import_indicator_file(write_yaml(tmp_path, big_report(1, 2), "small.yaml"))
    small = {}
    for name, args, params in DASHBOARD_PAGES:
        with django_assert_max_num_queries(15) as captured:
            assert client.get(reverse(name, args=args), params).status_code == 200
        small[(name, str(params))] = len(captured.captured_queries)

    import_indicator_file(write_yaml(tmp_path, big_report(6, 12), "big.yaml"))
    assert Indicator.objects.count() == 72
    for name, args, params in DASHBOARD_PAGES:
        with django_assert_max_num_queries(small[(name, str(params))]):
            response = client.get(reverse(name, args=args), params)
        assert response.status_code == 200
    assert len(rows(client.get(reverse("indicators:dashboard")).content.decode())) == 72


def test_indicator_page_queries_do_not_grow_with_the_number_of_values(client, member, django_assert_max_num_queries):
    indicator = make_indicator()
    add_value(indicator, "Q1 2017-18", actual=Decimal("60"))
    with django_assert_max_num_queries(12) as few:
        assert client.get(indicator.get_absolute_url()).status_code == 200
    for year in range(2010, 2017):
        for quarter in range(1, 5):
            add_value(
                indicator,
                f"Q{quarter} {year}-{(year + 1) % 100:02d}",
                actual=Decimal(50 + quarter),
                reported_rag=IndicatorRag.GREEN,
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(indicator.get_absolute_url())
    assert response.content.decode().count("<circle") == 29


def test_key_statistics_and_finance_queries_are_fixed(client, member, django_assert_max_num_queries):
    import_key_statistics(), import_report()
    with django_assert_max_num_queries(12):
        assert client.get(reverse("indicators:key_statistics")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("indicators:finance")).status_code == 200
