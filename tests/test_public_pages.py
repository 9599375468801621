"""Published plans' public pages (actionplan/public.py): for anyone without signing in, only once a
plan admin publishes the plan, never showing drafts, delegates, audit entries or e-mail addresses,
the same for everyone and cacheable (ETag, Last-Modified, 304)."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse

from actionplan.models import Action, Owner, Plan, ProgressUpdate
from actionplan.status import RAG
from tests.conftest import PASSWORD
from tests.helpers import CQC_SLUG, give_role, import_cqc_plan

pytestmark = pytest.mark.django_db

DRAFT = "Draft words the accountable owner has not signed off"
DELEGATE = "Delia-the-delegate"
ADDRESS = "kate.terroni@example.org"


@pytest.fixture
def cqc():
    """The CQC plan with everything the public pages must leave out: an officer's update awaiting
    sign-off, a delegate, an edit in the audit trail, and e-mail addresses on owners and users."""
    plan = import_cqc_plan()
    action = plan.actions.get(code="A1")
    kt = Owner.objects.get(code="KT")
    kt.email = ADDRESS
    kt.contact_emails = "team@example.org"
    kt.user = get_user_model().objects.create_user("kt", email="kt-user@example.org", password=PASSWORD)
    kt.save()
    delegate = get_user_model().objects.create_user(DELEGATE, email="delia@example.org", password=PASSWORD)
    action.delegates.add(delegate)
    action.add_progress_update(
        author=kt.user, on=datetime.date(2018, 4, 2), seen_version=action.version, narrative=DRAFT, rag=RAG.AMBER
    )
    action.refresh_from_db()
    action.title = "Agree the refreshed vision (edited by the plan admin)"
    action.save()
    return plan


def publish(plan, names=False):
    plan.is_published, plan.public_names = True, names
    plan.save()
    return plan


def public_urls(plan):
    action = plan.actions.get(code="A1")
    return [
        reverse("public:plan", args=[plan.slug]),
        reverse("public:action", args=[plan.slug, action.pk]),
        reverse("public:board", args=["hwb"]),
    ]


def test_an_unpublished_plan_is_404_on_every_public_page(client, cqc):
    for url in public_urls(cqc):
        assert client.get(url).status_code == 404, url
    index = client.get(reverse("public:index")).content.decode()
    assert cqc.title not in index
    assert cqc.slug not in client.get(reverse("sitemap")).content.decode()


def test_a_signed_in_member_of_an_unpublished_plan_still_gets_404_on_its_public_pages(client, cqc):
    member = give_role(get_user_model().objects.create_user("member", password=PASSWORD), cqc, "viewer")
    client.force_login(member)
    for url in public_urls(cqc):
        assert client.get(url).status_code == 404, url


def test_a_published_plan_shows_its_actions_status_rag_dates_and_public_progress(client, cqc):
    publish(cqc)
    html = client.get(reverse("public:plan", args=[cqc.slug])).content.decode()
    assert "Agree the refreshed vision (edited by the plan admin)" in html
    assert "Paper in development for March Health &amp; Wellbeing Board" in html  # the plan file's words
    assert "Director for Adult Services (OCC)" in html  # KT, by role and organisation
    assert "Overdue" in html and "Red" in html
    assert 'datetime="2018-05-31"' in html  # A1's original date


def test_a_published_plan_shows_no_email_address_delegate_draft_or_audit_entry(client, cqc):
    publish(cqc, names=True)
    for url in [*public_urls(cqc), reverse("public:index")]:
        html = client.get(url).content.decode()
        assert "@" not in html, url
        for hidden in (DELEGATE, DRAFT, "Audit trail", "Action edited", "Progress update added", "kt-user"):
            assert hidden not in html, (url, hidden)


def test_people_are_named_only_where_the_plan_admin_allows(client, cqc):
    publish(cqc)
    url = reverse("public:plan", args=[cqc.slug])
    assert "Kate Terroni" not in client.get(url).content.decode()
    publish(cqc, names=True)
    assert "Kate Terroni (Director for Adult Services, OCC)" in client.get(url).content.decode()


def test_a_public_page_is_the_same_for_everyone_and_any_cache_may_keep_it(client, cqc, superuser):
    publish(cqc)
    url = reverse("public:plan", args=[cqc.slug])
    anonymous = client.get(url)
    client.force_login(superuser)
    signed_in = client.get(url)
    assert signed_in.content == anonymous.content
    assert "Signed in as" not in signed_in.content.decode()
    for response in (anonymous, signed_in):
        assert response["Cache-Control"] == "public, max-age=60"  # never no-store or private
        assert not response.cookies


def test_a_conditional_get_is_answered_304_until_the_plan_changes(client, cqc):
    publish(cqc)
    url = reverse("public:plan", args=[cqc.slug])
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    # Any change to what the page shows makes a new page: here an imported progress update.
    action = cqc.actions.get(code="B1")
    ProgressUpdate.objects.create(
        action=action, reported_on=datetime.date(2018, 5, 1), narrative="New words", imported=True
    )
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "New words" in changed.content.decode()


def test_the_public_page_changes_with_the_day_as_statuses_do(client, cqc):
    publish(cqc)
    url = reverse("public:plan", args=[cqc.slug])
    with time_machine.travel(datetime.datetime(2018, 5, 30, 12), tick=False):
        before = client.get(url)
        assert "Due soon" in before.content.decode()
    with time_machine.travel(datetime.datetime(2018, 6, 1, 12), tick=False):
        after = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]


def test_withdrawing_a_plan_takes_its_public_pages_away_at_once(client, cqc):
    publish(cqc)
    url = reverse("public:plan", args=[cqc.slug])
    assert client.get(url).status_code == 200
    cqc.is_published = False
    cqc.save()
    assert client.get(url).status_code == 404


def test_only_the_plans_admins_may_publish_it(client, cqc, superuser):
    url = reverse("actionplan:publish_plan", args=[cqc.slug])
    users = {
        role: give_role(get_user_model().objects.create_user(role, password=PASSWORD), cqc, role)
        for role in ("viewer", "officer", "admin")
    }
    for role in ("viewer", "officer"):
        client.force_login(users[role])
        assert client.post(url, {"is_published": "on"}).status_code == 403
        assert 'id="publishing"' not in client.get(cqc.get_absolute_url()).content.decode()
    assert not Plan.objects.get(pk=cqc.pk).is_published
    client.force_login(users["admin"])
    assert 'id="publishing"' in client.get(cqc.get_absolute_url()).content.decode()
    response = client.post(url, {"is_published": "on"})
    assert response.status_code == 302
    cqc.refresh_from_db()
    assert cqc.is_published and not cqc.public_names
    # The choice is in the plan's audit history, with who made it.
    assert cqc.history.first().history_user == users["admin"]
    client.force_login(superuser)
    client.post(url, {})
    assert not Plan.objects.get(pk=cqc.pk).is_published


def test_the_board_profile_lists_its_published_plans_with_their_rag_summary(client, cqc):
    hwb = reverse("public:board", args=["hwb"])
    assert client.get(hwb).status_code == 404  # nothing published: no public profile
    publish(cqc)
    html = client.get(hwb).content.decode()
    assert cqc.get_public_url() in html
    summary = cqc.actions.rag_summary(datetime.date.today())
    assert f'data-rag="total">{summary.total}<' in html
    assert "No papers have been published here yet." in html


def test_the_sitemap_lists_the_published_pages_and_robots_txt_points_to_it(client, cqc):
    publish(cqc)
    sitemap = client.get(reverse("sitemap")).content.decode()
    assert f"http://testserver{cqc.get_public_url()}" in sitemap
    action = Action.objects.filter(plan=cqc).first()
    assert reverse("public:action", args=[cqc.slug, action.pk]) in sitemap
    assert reverse("public:board", args=["hwb"]) in sitemap
    robots = client.get("/robots.txt").content.decode()
    assert "Allow: /public/" in robots
    assert "Disallow: /" in robots
    assert "Sitemap: http://testserver/sitemap.xml" in robots


def test_the_public_pages_link_the_accessibility_statement(client, cqc):
    publish(cqc)
    for url in [*public_urls(cqc), reverse("public:index")]:
        assert reverse("help:accessibility") in client.get(url).content.decode()


def test_a_warm_public_page_costs_a_fixed_few_queries(client, cqc, django_assert_max_num_queries):
    publish(cqc)
    url = reverse("public:plan", args=[CQC_SLUG])
    client.get(url)
    # The plan, when it last changed; the page itself comes from the cache.
    with django_assert_max_num_queries(2):
        assert client.get(url).status_code == 200


# -- Published meeting papers --------------------------------------------------------------------


def published_paper(plan, kind="plan_progress"):
    """A published paper of the HWB's 15 November 2018 meeting, with a stand-in PDF (making the real
    one is the board papers' tests' business)."""
    from actionplan.models import MeetingPaper
    from partnerships.models import Meeting

    meeting = Meeting.objects.get(partnership__slug="hwb", date=datetime.date(2018, 11, 15))
    return MeetingPaper.objects.create(
        meeting=meeting,
        kind=kind,
        plan=plan if kind == "plan_progress" else None,
        status="published",
        pdf=b"%PDF-1.7 the paper as the board was given it",
        generated_at=datetime.datetime(2018, 11, 1, tzinfo=datetime.UTC),
        published_at=datetime.datetime(2018, 11, 2, tzinfo=datetime.UTC),
    )


def test_a_published_plans_published_paper_is_listed_on_the_board_and_downloadable(client, cqc):
    paper = published_paper(publish(cqc))
    board = client.get(reverse("public:board", args=["hwb"])).content.decode()
    assert paper.get_public_url() in board
    response = client.get(paper.get_public_url())
    assert response.status_code == 200 and response.content == b"%PDF-1.7 the paper as the board was given it"


def test_a_paper_of_an_unpublished_plan_or_about_indicators_is_not_public(client, cqc):
    unpublished = published_paper(cqc)
    assert client.get(unpublished.get_public_url()).status_code == 404
    publish(cqc)
    # The board's own reports carry outcomes and indicators, which have no public switch.
    exceptions = published_paper(cqc, kind="exceptions")
    assert client.get(exceptions.get_public_url()).status_code == 404
    assert exceptions.get_public_url() not in client.get(reverse("public:board", args=["hwb"])).content.decode()


# -- Which updates are public, with update rounds ---------------------------------------------------


def test_a_signed_off_update_is_public_and_one_awaiting_sign_off_is_not(client, cqc):
    publish(cqc)
    cqc.sign_off_required = True
    cqc.save()
    kt = Owner.objects.get(code="KT").user
    draft = ProgressUpdate.objects.get(narrative=DRAFT)
    page = reverse("public:action", args=[cqc.slug, draft.action_id])
    assert DRAFT not in client.get(page).content.decode()
    signer = get_user_model().objects.create_user("signer", password=PASSWORD)
    draft.review(signer, datetime.datetime(2018, 4, 3, tzinfo=datetime.UTC), draft.corrected_at)
    assert draft.author == kt and draft.is_signed_off
    assert DRAFT in client.get(page).content.decode()


def test_a_plan_that_asks_for_no_sign_off_publishes_updates_as_reported(client, cqc):
    publish(cqc)
    cqc.sign_off_required = False
    cqc.save()
    draft = ProgressUpdate.objects.get(narrative=DRAFT)
    assert DRAFT in client.get(reverse("public:action", args=[cqc.slug, draft.action_id])).content.decode()


def test_the_assuring_boards_admin_may_publish_the_plan(client, cqc):
    from partnerships.models import Partnership

    clerk = get_user_model().objects.create_user("hwb-clerk", password=PASSWORD)
    Partnership.objects.get(slug="hwb").admins.add(clerk)
    client.force_login(clerk)
    assert client.post(reverse("actionplan:publish_plan", args=[cqc.slug]), {"is_published": "on"}).status_code == 302
    assert Plan.objects.get(pk=cqc.pk).is_published
