"""Helpers for browser tests: signing in and checking accessibility with axe-core."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()


def sign_in(page, username, password):
    """Sign in on the current sign-in page (keeping its ?next=), or go to it first."""
    if "/accounts/login/" not in page.url:
        page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()


def accessibility_violations(page, impacts=None):
    """axe-core's WCAG 2.x A/AA violations on the current page (of the given impacts), as readable lines."""
    results = _axe.run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} - {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if impacts is None or v["impact"] in impacts
    ]


def all_accessibility_violations(page):
    """Every axe rule it runs by default (WCAG 2.0-2.2 A and AA and its best practices: landmarks,
    heading order, ...), violations of any impact. axe is injected once per page, not once per run."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe.axe_script)
    results = page.evaluate("axe.run({resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} - {[n['target'] for n in v['nodes']][:5]}"
        for v in results["violations"]
    ]


def serious_accessibility_violations(page):
    """Only the serious and critical ones: what each page's acceptance requires to be none."""
    return accessibility_violations(page, impacts={"serious", "critical"})
