"""'As at' everywhere: the date travels with every link (dashboard → action list → action → board
report and back), and an action and a plan are shown as they stood on it, from the same rules as
every list; the board's meetings are one click away; long overdue is said in years and months."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from actionplan.models import Action
from actionplan.status import RAG, time_past
from tests.helpers import import_cqc_plan

pytestmark = pytest.mark.django_db

D = datetime.date
NOW = datetime.datetime(2021, 6, 15, 12, 0)  # years after the CQC plan's dates


@pytest.fixture
def cqc(db):
    return import_cqc_plan()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def links(page):
    return [unescape(href) for href in re.findall(r'href="([^"#]*)', page)]


def test_an_action_is_shown_as_it_stood_on_the_date(admin_client, cqc, superuser):
    i4 = cqc.actions.get(code="I4")  # due June 2018, progress reported 22 March 2018
    i4.add_progress_update(
        author=superuser, on=D(2018, 9, 3), seen_version=i4.version, rag=RAG.COMPLETE, narrative="All posts filled"
    )
    then = Action.objects.with_rag(D(2018, 7, 19)).get(pk=i4.pk)
    assert then.delivery_status == "overdue"  # on 19 July 2018: due in June, not yet complete
    response = admin_client.get(reverse("actionplan:action", args=[i4.pk]), {"as_at": "2018-07-19"})
    page = response.content.decode()
    shown = response.context["action"]
    assert (shown.delivery_status, shown.rag, shown.is_stale) == (then.delivery_status, then.rag, then.is_stale)
    assert "Position as at 19 July 2018" in page
    assert f'href="{reverse("actionplan:action", args=[i4.pk])}">See today' in page
    history = page.split('id="progress"', 1)[1].split('id="audit-trail"', 1)[0]
    assert "All posts filled" not in history  # reported after the date (the audit trail keeps everything)
    assert "1 later update is not shown" in page
    assert [u.reported_on for u in response.context["updates"]] == [D(2018, 3, 22)]
    # Today the same action is complete, with its latest update.
    today = admin_client.get(reverse("actionplan:action", args=[i4.pk]))
    assert today.context["action"].delivery_status == "complete"
    assert "All posts filled" in today.content.decode() and "Position as at" not in today.content.decode()


def test_the_date_travels_dashboard_to_list_to_action_to_board_report_and_back(admin_client, cqc):
    as_at = "as_at=2018-07-19"
    dashboard = admin_client.get("/", {"plan": cqc.slug, "as_at": "2018-07-19"}).content.decode()
    to_list = [url for url in links(dashboard) if url.startswith("/actions/?")]
    assert to_list and all(as_at in url for url in to_list)
    overdue = next(url for url in to_list if "status=overdue" in url)
    listed = admin_client.get(overdue).content.decode()
    to_actions = [url for url in links(listed) if re.match(r"/actions/\d+/", url)]
    assert to_actions and all(url.endswith("?" + as_at) for url in to_actions)
    action = admin_client.get(to_actions[0]).content.decode()
    onward = [url for url in links(action) if url.startswith(("/plans/", "/?", "/actions/?")) and url != "/plans/"]
    assert any(url.startswith(f"/plans/{cqc.slug}/report/") for url in onward)
    assert all(as_at in url for url in onward), onward
    report_url = next(url for url in onward if "/report/" in url)
    report = admin_client.get(report_url)
    assert report.context["report"].on == D(2018, 7, 19)
    back = [
        url
        for url in links(report.content.decode())
        if url.startswith(("/actions/", "/?", f"/plans/{cqc.slug}/?")) and url != "/actions/"  # not the header's
    ]
    assert back and all(as_at in url for url in back), back


def test_links_on_todays_pages_carry_no_date_so_they_stay_live(admin_client, cqc):
    dashboard = admin_client.get("/", {"plan": cqc.slug}).content.decode()
    assert "as_at=" not in " ".join(url for url in links(dashboard) if not url.startswith("/?as_at="))


def test_the_dashboard_offers_the_boards_meetings_as_one_click_dates(admin_client, cqc):
    page = admin_client.get("/", {"plan": cqc.slug}).content.decode()
    assert "Position at a meeting of" in page
    assert f'href="/?as_at=2018-07-19&amp;plan={cqc.slug}">19 July 2018</a>' in page
    chosen = admin_client.get("/", {"as_at": "2018-07-19", "plan": cqc.slug}).content.decode()
    assert 'aria-current="date">19 July 2018</a>' in chosen
    assert "Position as at 19 July 2018" in chosen


def test_the_plan_page_shows_each_actions_rag_and_status_as_at_a_date(admin_client, cqc, superuser):
    a1 = cqc.actions.get(code="A1")
    a1.add_progress_update(author=superuser, on=D(2018, 6, 4), seen_version=a1.version, rag=RAG.AMBER, narrative="x")
    plan_url = reverse("actionplan:plan", args=[cqc.slug])
    today = admin_client.get(plan_url).content.decode()
    row = today.split(f'id="{a1.anchor}"', 1)[1].split("</tr>", 1)[0]
    assert "Amber</strong>" in row and "Overdue</strong>" in row and "overdue" in row
    # "Progress reported": the latest update's date, not the date the plan was imported.
    assert "Latest update 4 June 2018" in today
    then = admin_client.get(plan_url, {"as_at": "2018-04-01"}).content.decode()
    row = then.split(f'id="{a1.anchor}"', 1)[1].split("</tr>", 1)[0]
    assert "Amber</strong>" not in row
    assert "Latest update 22 March 2018" in then and "Position as at 1 April 2018" in then


def test_a_key_action_due_by_its_sub_actions_shows_their_dates(admin_client, cqc):
    g2 = cqc.actions.get(code="G2")
    page = admin_client.get(reverse("actionplan:action", args=[g2.pk])).content.decode()
    dates = re.sub(r"<[^>]+>", "", page.split(">Completion date (original)</dt>", 1)[1].split("</dd>", 1)[0])
    assert "By sub-action: 31 March 2018 – 30 September 2019" in " ".join(dates.split())


def test_a_sub_action_names_the_owners_it_inherits(admin_client, cqc):
    g2_vi = cqc.actions.get(code="G2 vi")  # names its own responsible (PB), no accountable: G2's IH and KC
    page = admin_client.get(reverse("actionplan:action", args=[g2_vi.pk])).content.decode()
    accountable = re.sub(r"<[^>]+>", "", page.split(">Accountable</dt>", 1)[1].split("</dd>", 1)[0])
    assert " ".join(accountable.split()) == "IH, KC (as key action G2)"


@pytest.mark.parametrize(
    ("since", "on", "words"),
    [
        (D(2018, 3, 31), D(2018, 4, 1), "1 day"),
        (D(2018, 3, 31), D(2018, 4, 29), "29 days"),
        (D(2018, 3, 31), D(2018, 4, 30), "1 month"),
        (D(2018, 5, 31), D(2018, 6, 30), "1 month"),  # a month-end to the next month-end
        (D(2018, 1, 15), D(2018, 3, 14), "1 month"),
        (D(2018, 1, 15), D(2018, 3, 15), "2 months"),
        (D(2018, 3, 31), D(2021, 6, 15), "3 years 2 months"),
        (D(2018, 6, 15), D(2021, 6, 15), "3 years"),
    ],
)
def test_long_periods_are_said_in_years_and_months(since, on, words):
    assert time_past(since, on) == words


def test_overdue_is_said_for_people_with_the_exact_days_beside_it(admin_client, cqc):
    i3 = Action.objects.with_rag(D(2021, 6, 15)).get(plan=cqc, code="I3")  # due 31 December 2017
    assert i3.days_overdue == (D(2021, 6, 15) - D(2017, 12, 31)).days == 1262
    expected = 'title="1,262 days overdue">3 years 5 months overdue</span>'
    for url, params in [
        ("/actions/", {"plan": cqc.slug, "q": "I3"}),
        (reverse("actionplan:action", args=[i3.pk]), {}),
        (reverse("actionplan:plan", args=[cqc.slug]), {}),
    ]:
        assert expected in admin_client.get(url, params).content.decode(), url
    report = admin_client.get(reverse("actionplan:board_report", args=[cqc.slug])).content.decode()
    assert "Overdue by 3 years 5 months (1,262 days)" in report


def test_a_links_address_is_the_one_django_reverses_whatever_the_number_or_the_view():
    """as_at_url fills in a once-reversed address for a one-number view: the same as reverse()."""
    from django.urls import reverse

    from actionplan.templatetags.status_tags import as_at_url

    for pk in (1, 42, 987654321, 10**12):
        assert as_at_url({"as_at": None}, "actionplan:action", pk) == reverse("actionplan:action", args=[pk])
        assert as_at_url({"as_at": D(2018, 4, 1)}, "actionplan:action", pk) == (
            reverse("actionplan:action", args=[pk]) + "?as_at=2018-04-01"
        )
    assert as_at_url({"as_at": None}, "actionplan:plan", "cqc") == reverse("actionplan:plan", args=["cqc"])
