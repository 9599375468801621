"""The partnerships pages: the tree of boards and each board's profile, for any signed-in user."""

import datetime
from pathlib import Path

import pytest
import time_machine
import yaml
from django.contrib.auth import get_user_model
from django.urls import reverse

from partnerships.importers import import_partnerships_file
from partnerships.models import Partnership
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "partnerships.yaml"
# The day the annual partnerships update went to Council.
REPORT_DAY = datetime.datetime(2018, 11, 6, 12, 0)


@pytest.fixture
def member(client):
    """A signed-in user with no special rights."""
    user = get_user_model().objects.create_user("member", password=PASSWORD)
    client.force_login(user)
    return user


@pytest.fixture
def boards():
    import_partnerships_file(FIXTURE)


def index_url():
    return reverse("partnerships:partnership_list")


def profile_url(slug):
    return reverse("partnerships:partnership", args=[slug])


def write(tmp_path, data, name="partnerships.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def many_boards(roots, children, meetings):
    """A made-up file: `roots` boards, each with `children` sub-boards, each board with `meetings`."""
    partnerships, priorities = [], []
    for r in range(roots):
        for c in range(children + 1):
            slug = f"board-{r}" if c == 0 else f"board-{r}-{c}"
            partnerships.append(
                {
                    "slug": slug,
                    "name": f"Board {r}.{c}",
                    "statutory": c == 0,
                    "parent": None if c == 0 else f"board-{r}",
                    "profile_completed": "1 September 2018",
                    "chairs": [f"Chair of {slug}"],
                    "next_meeting": "15 November 2018",
                    "governance": [f"Governance of {slug}", {"list": ["one", {"text": "two", "numbered": ["2a"]}]}],
                    "meetings": [
                        {"date": (datetime.date(2018, 11, 15) + datetime.timedelta(days=7 * m)).isoformat()}
                        for m in range(meetings)
                    ],
                }
            )
            priorities.append({"number": len(priorities) + 1, "text": f"Priority of {slug}", "owner": slug})
    return {"format": 1, "partnerships": partnerships, "strategy_priorities": priorities}


# -- sign-in ---------------------------------------------------------------------------------------


def test_the_partnerships_index_needs_sign_in(client, boards):
    response = client.get(index_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_profile_needs_sign_in(client, boards):
    response = client.get(profile_url("hwb"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_any_signed_in_user_may_read_the_partnerships(client, member, boards):
    assert client.get(index_url()).status_code == 200
    assert client.get(profile_url("hwb")).status_code == 200


def test_an_unknown_board_is_404(client, member, boards):
    assert client.get(profile_url("no-such-board")).status_code == 404


# -- the index ------------------------------------------------------------------------------------


def item(html, slug):
    """The index's <li> for one board, up to where its own sub-board list (if any) closes."""
    start = html.index(f'id="board-{slug}"')
    return html[start : html.index("</li>", start)]


def test_the_index_shows_the_hwb_with_its_sub_boards_nested_under_it(client, member, boards):
    html = client.get(index_url()).content.decode()
    hwb = html[html.index('id="board-hwb"') : html.index('id="board-oscb"')]
    for slug in [
        "health-improvement-board",
        "childrens-trust",
        "adults-jmg",
        "better-care-fund-jmg",
        "integrated-system-delivery-board",
    ]:
        assert f'id="board-{slug}"' in hwb
        assert profile_url(slug) in hwb
    assert 'id="board-osab-training"' in html[html.index('id="board-osab"') :]
    assert html.index('id="board-hwb"') < html.index('id="board-oscb"') < html.index('id="board-osab"')


def test_the_index_shows_the_statutory_flag_and_the_chair(client, member, boards):
    html = client.get(index_url()).content.decode()
    assert "Statutory" in item(html, "hwb")
    assert "Councillor Ian Hudspeth OCC" in item(html, "hwb")
    assert "Statutory" not in item(html, "growth-board")
    assert "Rt Revd Bishop Colin Fletcher; Cllr Mark Gray" in item(html, "stronger-communities-alliance")


def test_the_index_shows_the_next_meeting_as_at_today(client, member, boards):
    with time_machine.travel(REPORT_DAY):
        html = client.get(index_url()).content.decode()
    assert "15 November 2018" in item(html, "hwb")
    assert "22 November 2018" in item(html, "health-improvement-board")
    assert "TBA February 2019" in item(html, "safer-oxfordshire")

    with time_machine.travel(datetime.datetime(2019, 3, 22, 12, 0)):
        html = client.get(index_url()).content.decode()
    assert "13 June 2019" in item(html, "hwb")
    assert "None recorded" in item(html, "health-improvement-board")


def test_the_index_says_so_when_there_are_no_partnerships(client, member):
    response = client.get(index_url())
    assert response.status_code == 200
    assert b"There are no partnerships yet" in response.content


# -- a profile -------------------------------------------------------------------------------------


def test_the_hwb_profile_shows_every_profile_field(client, member, boards):
    html = client.get(profile_url("hwb")).content.decode()
    for text in [
        "Oxfordshire Health and Wellbeing Board",
        "Councillor Ian Hudspeth OCC",
        "Dr Kiren Collison OCCG",
        "Strategic Director for People",
        "10 May 2018 (meeting in public), 19 July 2018 (workshop), 3 October 2018 (workshop)",
        "15 November 2018 (meeting in public)",
        'href="https://www.oxfordshire.gov.uk/residents/social-and-health-care/health-and-wellbeing-board"',
        "Governance arrangements",
        "Current focus",
        "Key achievements",
        "Aims for the year ahead",
        "Key challenges",
        "Membership",
        "<li>C/E Oxford Health NHS Foundation Trust</li>",
        "Completed 1 September 2018",
    ]:
        assert text in html, text


def test_the_hwb_profile_lists_its_sub_boards_and_the_priorities_they_own(client, member, boards):
    html = client.get(profile_url("hwb")).content.decode()
    sub_boards = html[html.index('id="sub-boards"') : html.index('id="priorities"')]
    for name in [
        "Health Improvement Board",
        "Children&#x27;s Trust",
        "Better Care Fund Joint Management Group",
        "Integrated System Delivery Board",
    ]:
        assert name in sub_boards
    priorities = html[html.index('id="priorities"') : html.index('id="meetings"')]
    for number in range(1, 12):
        assert f'id="priority-{number}"' in priorities
    row = priorities[priorities.index('id="priority-6"') :]
    row = row[: row.index("</tr>")]
    assert profile_url("adults-jmg") in row


def test_a_sub_board_profile_shows_its_parent_and_only_its_own_priorities(client, member, boards):
    html = client.get(profile_url("health-improvement-board")).content.decode()
    assert "Reports to Oxfordshire Health and Wellbeing Board" in html
    assert profile_url("hwb") in html
    assert [n for n in range(1, 12) if f'id="priority-{n}"' in html] == [8, 9, 10, 11]
    assert "The previous Chairman was Councillor Anna Badcock of South Oxfordshire DC" in html


def test_a_profile_splits_meetings_into_upcoming_and_past_as_at_today(client, member, boards):
    with time_machine.travel(REPORT_DAY):
        html = client.get(profile_url("hwb")).content.decode()
    meetings = html[html.index('id="meetings"') :]
    upcoming, past = meetings[: meetings.index(">Past<")], meetings[meetings.index(">Past<") :]
    for day in [
        "15 November 2018",
        "21 March 2019",
        "13 June 2019",
        "26 September 2019",
        "5 December 2019",
        "19 March 2020",
    ]:
        assert day in upcoming
    for day in ["10 May 2018", "19 July 2018", "3 October 2018"]:
        assert day in past and day not in upcoming
    assert "March 21st 2019" in upcoming


def test_a_board_without_a_profile_says_so(client, member, boards):
    html = client.get(profile_url("osab-training")).content.decode()
    assert "No profile of its own" in html
    assert "Its purpose is to provide a comprehensive multi agency training programme" in html
    assert "Reports to Oxfordshire Safeguarding Adults Board" in html


def test_html_in_the_file_is_shown_not_run(client, member, tmp_path):
    data = many_boards(1, 1, 1)
    parent, child = data["partnerships"]
    parent["name"] = "<script>alert('name')</script>"
    parent["chairs"] = ["<b>Chair</b>"]
    parent["governance"] = ["<img src=x onerror=alert(1)>", {"list": ["<i>item</i>"]}]
    parent["website"] = 'www.example.org/"><script>alert(2)</script>'
    child["summary"] = "<u>summary</u>"
    data["strategy_priorities"][0]["text"] = "<em>priority</em>"
    import_partnerships_file(write(tmp_path, data))
    pages = client.get(profile_url("board-0")).content.decode() + client.get(index_url()).content.decode()
    pages += client.get(profile_url("board-0-1")).content.decode()
    for raw in ["<script>alert", "<b>Chair", "<img src=x", "<i>item", "<u>summary", "<em>priority"]:
        assert raw not in pages, raw
    for escaped in [
        "&lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt;",
        "&lt;b&gt;Chair&lt;/b&gt;",
        "&lt;img src=x onerror=alert(1)&gt;",
        "&lt;i&gt;item&lt;/i&gt;",
        "&lt;u&gt;summary&lt;/u&gt;",
        "&lt;em&gt;priority&lt;/em&gt;",
    ]:
        assert escaped in pages, escaped


def test_the_pages_queries_do_not_grow_with_the_number_of_boards(
    client, member, tmp_path, django_assert_max_num_queries
):
    import_partnerships_file(write(tmp_path, many_boards(1, 1, 1), "small.yaml"))
    # 11: the header asks once whether the reader has actions of their own (its "My actions" link).
    with django_assert_max_num_queries(11) as index_small:
        assert client.get(index_url()).status_code == 200
    # The profile also lists the board's decisions on actions, by meeting: one query more than the index.
    with django_assert_max_num_queries(12) as profile_small:
        assert client.get(profile_url("board-0")).status_code == 200

    import_partnerships_file(write(tmp_path, many_boards(6, 5, 8), "big.yaml"))
    assert Partnership.objects.count() == 36
    with django_assert_max_num_queries(len(index_small.captured_queries)):
        response = client.get(index_url())
    assert b"Chair of board-5-5" in response.content
    with django_assert_max_num_queries(len(profile_small.captured_queries)):
        response = client.get(profile_url("board-0"))
    assert b"Chair of board-0-5" in response.content
    assert b"Priority of board-0-5" in response.content


# -- admin -----------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("boss", password=PASSWORD))
    return client


def test_the_admin_finds_a_board_by_its_chair(admin_client, boards):
    response = admin_client.get(reverse("admin:partnerships_partnership_changelist"), {"q": "Mallon"})
    assert [p.slug for p in response.context["cl"].result_list] == ["safer-oxfordshire"]


def test_the_admin_shows_a_board_with_its_meetings_and_sub_boards(admin_client, boards):
    hwb = Partnership.objects.get(slug="hwb")
    response = admin_client.get(reverse("admin:partnerships_partnership_change", args=[hwb.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "March 21st 2019" in html
    assert "Integrated System Delivery Board" in html
    # Sections are edited as plain text.
    assert "- C/E Oxford Health NHS Foundation Trust" in html


def test_an_admin_edit_saves_sections_as_lists_and_derives_the_dates(admin_client, boards):
    oep = Partnership.objects.get(slug="environment-partnership")
    url = reverse("admin:partnerships_partnership_change", args=[oep.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {name: form.fields[name].prepare_value(form[name].value()) for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    for formset in page.context["inline_admin_formsets"]:
        data.update({f"{formset.formset.prefix}-TOTAL_FORMS": "0", f"{formset.formset.prefix}-INITIAL_FORMS": "0"})
    data.update(
        {
            "parent": "",
            "statutory": "",
            "next_meeting_text": "7 February 2019 (provisional)",
            "key_challenges": "## Staffing\nNo officer support.\n\n- one\n  - one a\n1. first",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    oep.refresh_from_db()
    assert oep.next_meeting == datetime.date(2019, 2, 7)
    assert oep.key_challenges == [
        {"heading": "Staffing"},
        "No officer support.",
        {"list": [{"text": "one", "list": ["one a"]}]},
        {"numbered": ["first"]},
    ]
    assert oep.chairs == ["Councillor Pickford, Cherwell District Council"]
