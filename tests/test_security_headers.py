"""What every response tells the browser: a Content-Security-Policy that allows no inline script or
style (so no page may carry any), a Permissions-Policy, and no caching of signed-in pages."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.helpers import CQC_SLUG, import_cqc_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def cqc(db):
    from indicators.models import Indicator
    from partnerships.models import Partnership

    plan = import_cqc_plan()
    return {
        "plan": plan,
        "action": plan.actions.get(code="A1"),
        "board": Partnership.objects.get(slug="hwb"),
        "indicator": Indicator.objects.first(),
    }


def every_page(cqc):
    """One URL of each kind of page a signed-in user can open."""
    plan, action = cqc["plan"], cqc["action"]
    return [
        reverse("actionplan:dashboard") + f"?plan={CQC_SLUG}",
        reverse("actionplan:dashboard") + f"?plan={CQC_SLUG}&as_at=2018-04-01",
        reverse("actionplan:action_list"),
        reverse("actionplan:my_actions"),
        reverse("actionplan:plan_list"),
        reverse("actionplan:plan", args=[plan.slug]),
        reverse("actionplan:board_report", args=[plan.slug]),
        reverse("actionplan:action", args=[action.pk]),
        reverse("actionplan:add_update", args=[action.pk]),
        reverse("actionplan:edit_action", args=[action.pk]),
        reverse("actionplan:upload_plan"),
        reverse("actionplan:exception_report", args=[cqc["board"].slug]),
        reverse("partnerships:partnership_list"),
        reverse("partnerships:partnership", args=[cqc["board"].slug]),
        reverse("indicators:index"),
        reverse("indicators:dashboard"),
        reverse("indicators:indicator", args=[cqc["indicator"].code]),
        reverse("indicators:outcomes"),
        reverse("indicators:benchmarks"),
        reverse("indicators:key_statistics"),
        reverse("indicators:finance"),
    ]


class InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block: <script> without src, <style>,
    style="" attributes (on HTML and SVG elements alike) and on* event handler attributes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f'<{tag} {name}="{value}">')


def inline_code(html):
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def test_the_content_security_policy_allows_only_this_sites_files(client, superuser):
    client.force_login(superuser)
    policy = client.get(reverse("actionplan:dashboard"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    for directive in ["default-src", "script-src", "style-src"]:
        assert directives[directive] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_the_sign_in_page_has_the_policy_too(client):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert inline_code(response.content.decode()) == []


def test_no_page_has_inline_script_or_style(client, superuser, cqc):
    client.force_login(superuser)
    problems = {}
    for url in every_page(cqc):
        response = client.get(url)
        assert response.status_code == 200, url
        found = inline_code(response.content.decode())
        if found:
            problems[url] = sorted(set(found))
    assert problems == {}


def test_the_rag_bars_are_drawn_without_inline_style(client, superuser, cqc):
    client.force_login(superuser)
    html = client.get(reverse("actionplan:dashboard"), {"plan": CQC_SLUG}).content.decode()
    assert '<svg class="app-rag-bar"' in html
    assert 'class="app-rag-bar__segment--' in html


def test_every_response_has_a_permissions_policy_denying_camera_microphone_and_location(client):
    policy = client.get(reverse("login"))["Permissions-Policy"]
    for feature in ["camera=()", "microphone=()", "geolocation=()", "payment=()"]:
        assert feature in policy


@pytest.mark.parametrize(
    "url",
    [
        lambda cqc: reverse("actionplan:dashboard"),
        lambda cqc: reverse("actionplan:action", args=[cqc["action"].pk]),
        lambda cqc: reverse("actionplan:action_list") + "?export=csv",
        lambda cqc: reverse("actionplan:action_list") + "?export=xlsx",
        lambda cqc: reverse("actionplan:download_plan", args=[CQC_SLUG, "xlsx"]),
        lambda cqc: reverse("actionplan:board_report", args=[CQC_SLUG]),
        lambda cqc: reverse("admin:index"),
    ],
    ids=["dashboard", "action", "csv export", "xlsx export", "plan download", "board report", "admin"],
)
def test_signed_in_pages_and_exports_are_not_stored_by_any_cache(client, superuser, cqc, url):
    client.force_login(superuser)
    response = client.get(url(cqc))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_the_public_health_check_keeps_its_caching(client, superuser):
    assert "Cache-Control" not in client.get(reverse("healthz"))
    client.force_login(superuser)
    assert "Cache-Control" not in client.get(reverse("healthz"))
