"""The read-only API under /api/v1/ (README, "The API"): anonymous callers read only published
plans, as their public pages show them; a token reads exactly what its user reads; the numbers are
the dashboard's; the schema validates and describes every list; every list costs the same number
of queries at any size."""

import csv
import datetime
import io
import json

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openapi_spec_validator import validate

from actionplan.api_auth import PerTokenThrottle
from actionplan.models import ApiToken, Owner, Plan
from actionplan.reports import Dashboard
from actionplan.status import RAG
from tests.conftest import PASSWORD
from tests.helpers import CQC_SLUG, build_system, give_role, import_cqc_plan
from tests.round_helpers import make_round

pytestmark = pytest.mark.django_db

APRIL_2018 = datetime.date(2018, 4, 1)
DRAFT = "Draft words not yet signed off"
DELEGATE = "delia-the-delegate"
LISTS = [
    "plans",
    "priorities",
    "actions",
    "progress-updates",
    "owners",
    "boards",
    "meetings",
    "indicators",
    "outcomes",
]


def api(name):
    return f"/api/v1/{name}/"


def token_for(user, name="Tests"):
    return ApiToken.issue(user, name)[1]


def auth(secret):
    return {"HTTP_AUTHORIZATION": f"Token {secret}"}


def walk(client, url, params=None, **headers):
    """Every row of a list, following its cursor pages."""
    rows, response = [], client.get(url, params or {}, **headers)
    while True:
        assert response.status_code == 200, response.content
        page = response.json()
        rows += page["results"]
        if not page["next"]:
            return rows
        response = client.get(page["next"], **headers)


@pytest.fixture
def cqc():
    """The CQC plan with what anonymous callers must never read: an officer's update awaiting
    sign-off, a delegate and e-mail addresses."""
    plan = import_cqc_plan()
    action = plan.actions.get(code="A1")
    kt = Owner.objects.get(code="KT")
    kt.email = "kate@example.org"
    kt.user = get_user_model().objects.create_user("kt", email="kt-user@example.org", password=PASSWORD)
    kt.save()
    action.delegates.add(get_user_model().objects.create_user(DELEGATE, email="delia@example.org"))
    action.add_progress_update(
        author=kt.user, on=datetime.date(2018, 4, 2), seen_version=action.version, narrative=DRAFT, rag=RAG.AMBER
    )
    return plan


def publish(plan):
    plan.is_published = True
    plan.save()


def test_an_unpublished_plan_is_404_to_anonymous_callers_on_every_endpoint(client, cqc):
    action = cqc.actions.get(code="A1")
    update = action.progress_updates.first()
    for url in [
        api(f"plans/{cqc.slug}"),
        api(f"actions/{action.pk}"),
        api(f"priorities/{cqc.priorities.first().pk}"),
        api(f"progress-updates/{update.pk}"),
        api(f"owners/{Owner.objects.get(code='KT').pk}"),
        api("boards/hwb"),
    ]:
        assert client.get(url).status_code == 404, url
    for name in LISTS[:7]:
        assert walk(client, api(name)) == [], name
    # Asking for it by name is answered as for a plan that does not exist: nothing is given away.
    unpublished = client.get(api("actions"), {"plan": cqc.slug})
    missing = client.get(api("actions"), {"plan": "no-such-plan"})
    assert unpublished.status_code == missing.status_code == 400
    assert unpublished.json() == missing.json()
    assert walk(client, api("progress-updates"), {"plan": cqc.slug}) == []
    assert client.get("/api/v1/feeds/actions.csv").status_code == 401


def test_a_published_plan_gives_no_email_address_delegate_draft_or_audit_entry(client, cqc):
    publish(cqc)
    texts = []
    for name in LISTS[:7]:
        rows = walk(client, api(name))
        assert rows, name
        texts.append(json.dumps(rows))
        texts.append(client.get(api(name), {"format": "csv", "page_size": 1000}).content.decode())
    everything = "\n".join(texts)
    assert "@" not in everything
    for hidden in (DELEGATE, DRAFT, "Kate Terroni", "history_", "Action edited", "delegates"):
        assert hidden not in everything, hidden
    assert {row["author"] for row in walk(client, api("progress-updates"))} == {None}
    assert "Paper in development for March Health & Wellbeing Board" in everything  # the plan file's words
    for name in ("indicators", "outcomes"):
        assert client.get(api(name)).status_code == 401


def test_a_token_sees_exactly_what_its_user_sees_on_the_action_list(client, cqc, superuser):
    other = build_system(plans=1, priorities=1, key_actions=3, subs=1, prefix="x")
    member = give_role(get_user_model().objects.create_user("member", password=PASSWORD), cqc, "viewer")
    secret = token_for(member)
    client.force_login(member)
    for filters in [
        {},
        {"plan": CQC_SLUG},
        {"rag": ["red", "amber"]},
        {"status": "overdue", "as_at": "2018-04-01"},
        {"responsible": "KT"},
        {"organisation": "OCC", "stale": "on"},
        {"slipped": "on", "as_at": "2019-01-01"},
        {"due_from": "2018-04-01", "due_to": "2018-06-30", "q": "strategy"},
    ]:
        seen = {a.pk for a in client.get(reverse("actionplan:action_list"), filters).context["filter"].qs}
        read = {row["id"] for row in walk(client, api("actions"), filters, **auth(secret))}
        assert read == seen, filters
    assert not {row["slug"] for row in walk(client, api("plans"), **auth(secret))} & {p.slug for p in other}
    # Another plan's name is refused as the action list refuses it.
    assert client.get(api("actions"), {"plan": other[0].slug}, **auth(secret)).status_code == 400


def test_a_token_reads_its_users_plans_in_full(client, cqc):
    officer = give_role(get_user_model().objects.create_user("officer", password=PASSWORD), cqc, "officer")
    secret = token_for(officer)
    updates = walk(client, api("progress-updates"), {"plan": CQC_SLUG}, **auth(secret))
    assert DRAFT in [row["narrative"] for row in updates]
    owners = {row["code"]: row for row in walk(client, api("owners"), **auth(secret))}
    assert owners["KT"]["name"] == "Kate Terroni"
    assert "email" not in owners["KT"]


def test_a_revoked_or_unknown_token_is_refused(client, cqc, superuser):
    token, secret = ApiToken.issue(superuser, "Power BI")
    assert client.get(api("plans"), **auth(secret)).status_code == 200
    assert client.get(api("plans"), {"token": secret}).status_code == 200
    client.force_login(superuser)
    client.post(reverse("actionplan:revoke_api_token", args=[token.pk]))
    client.logout()
    for headers, params in [(auth(secret), {}), ({}, {"token": secret}), (auth(secret + "x"), {})]:
        response = client.get(api("plans"), params, **headers)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Token realm="api"'


def test_a_token_is_stored_only_as_its_digest(superuser):
    token, secret = ApiToken.issue(superuser, "Excel")
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in json.dumps(stored, default=str)
    assert stored["digest"] == ApiToken.digest_of(secret)
    assert ApiToken.objects.for_secret(secret) == token


def test_the_tokens_page_shows_a_new_token_once_and_revokes_only_ones_own(client, superuser, outsider):
    client.force_login(outsider)
    response = client.post(reverse("actionplan:api_tokens"), {"name": "Power BI dashboard"})
    token = outsider.api_tokens.get()
    secret = response.context["secret"]
    assert secret in response.content.decode() and secret.startswith(token.start)
    assert "no-store" in response["Cache-Control"]
    assert secret not in client.get(reverse("actionplan:api_tokens")).content.decode()
    error = client.post(reverse("actionplan:api_tokens"), {"name": ""})
    assert error.status_code == 400 and "Enter what the token is for" in error.content.decode()
    client.force_login(superuser)
    assert client.post(reverse("actionplan:revoke_api_token", args=[token.pk])).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_as_at_gives_the_dashboards_numbers_for_the_cqc_plan_on_1_april_2018(client, superuser):
    plan = import_cqc_plan()
    secret = token_for(superuser)
    dashboard = Dashboard.build(Plan.objects.filter(pk=plan.pk), plan.slug, APRIL_2018)
    expected = vars(dashboard.detail.summary)
    summary = client.get(api(f"plans/{plan.slug}"), {"as_at": "2018-04-01"}, **auth(secret)).json()["summary"]
    assert summary == expected
    rows = walk(client, api("actions"), {"plan": plan.slug, "as_at": "2018-04-01"}, **auth(secret))
    counted = {rag: sum(row["rag"] == rag for row in rows) for rag in RAG.values}
    assert counted == {rag: expected[rag] for rag in RAG.values}
    assert sum(row["delivery_status"] == "overdue" for row in rows) == expected["overdue"]
    assert sum(row["has_slipped"] for row in rows) == expected["slipped"]
    assert sum(row["is_stale"] for row in rows) == expected["stale"]
    overdue = {a.code for a in dashboard.detail.overdue}
    assert {row["code"] for row in rows if row["delivery_status"] == "overdue"} == overdue
    assert client.get(api("actions"), {"as_at": "2018-02-31"}, **auth(secret)).status_code == 400


def test_every_list_has_a_csv_representation_safe_for_spreadsheets(client, superuser):
    plan = import_cqc_plan()
    action = plan.actions.get(code="A1")
    action.title = "=HYPERLINK(1)"
    action.save()
    secret = token_for(superuser)
    for name in LISTS:
        response = client.get(api(name), {"format": "csv"}, **auth(secret))
        assert response.status_code == 200, name
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert rows, name
    actions = {
        row["code"]: row
        for row in csv.DictReader(
            io.StringIO(
                client.get(api("actions"), {"format": "csv", "plan": plan.slug}, **auth(secret)).content.decode()
            )
        )
    }
    assert actions["A1"]["title"] == "'=HYPERLINK(1)"
    assert actions["A1"]["responsible.code"] == "JMW | LP"


def test_pages_follow_by_cursor_and_the_link_header(client, superuser):
    import_cqc_plan()
    secret = token_for(superuser)
    first = client.get(api("actions"), {"page_size": 30}, **auth(secret))
    assert 'rel="next"' in first["Link"]
    ids = [row["id"] for row in walk(client, api("actions"), {"page_size": 30}, **auth(secret))]
    assert len(ids) == len(set(ids)) == 80


def test_the_feed_gives_the_action_lists_csv_with_a_token(client, superuser):
    plan = import_cqc_plan()
    secret = token_for(superuser)
    feed = client.get("/api/v1/feeds/actions.csv", {"token": secret, "plan": plan.slug, "as_at": "2018-04-01"})
    assert feed.status_code == 200
    assert "no-store" in feed["Cache-Control"]
    client.force_login(superuser)
    download = client.get(
        reverse("actionplan:action_list"), {"plan": plan.slug, "as_at": "2018-04-01", "export": "csv"}
    )
    assert b"".join(feed.streaming_content) == b"".join(download.streaming_content)


def test_signed_in_answers_are_kept_by_no_cache(client, superuser):
    secret = token_for(superuser)
    response = client.get(api("plans"), **auth(secret))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]


def test_each_token_is_rate_limited_on_its_own(client, superuser, outsider, monkeypatch):
    monkeypatch.setattr(PerTokenThrottle, "THROTTLE_RATES", {"token": "3/hour", "anonymous": "2/hour"})
    first, second = token_for(superuser), token_for(outsider)
    assert [client.get(api("plans"), **auth(first)).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(api("plans"), **auth(second)).status_code == 200
    assert [client.get(api("plans")).status_code for _ in range(3)] == [200, 200, 429]
    assert int(client.get(api("plans"), **auth(first))["Retry-After"]) > 0


def test_the_schema_validates_and_its_parameters_work_on_every_list(client, superuser):
    plan = import_cqc_plan()
    publish(plan)
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate(schema)
    secret = token_for(superuser)
    # A value for each kind of parameter the schema names; the rest from the CQC plan.
    examples = {
        "plan": plan.slug,
        "priority": str(plan.priorities.first().pk),
        "accountable": "KT",
        "responsible": "KT",
        "organisation": "OCC",
        "action": str(plan.actions.first().pk),
        "board": "hwb",
        "round": str(make_round([plan]).pk),
        "directorate": "social-and-community-services",
        "q": "strategy",
        "cursor": None,
    }
    lists = [path for path, ops in schema["paths"].items() if "get" in ops and "{" not in path]
    assert {path.strip("/").split("/")[-1] for path in lists} >= set(LISTS)
    for path in lists:
        for parameter in schema["paths"][path]["get"].get("parameters", []):
            name, kind = parameter["name"], parameter.get("schema", {})
            value = examples.get(name, _example(kind))
            if value is None:
                continue
            # A priority is chosen within a plan, as on the action list.
            params = {name: value, **({"plan": plan.slug} if name == "priority" else {})}
            response = client.get(path, params, **auth(secret))
            assert response.status_code == 200, (path, name, value, response.content[:300])


def _example(kind):
    if kind.get("enum"):
        return kind["enum"][-1]
    if kind.get("type") == "array":
        return _example(kind["items"])
    return {"date": "2018-04-01", "number": "1", "integer": "10", "boolean": "true"}.get(
        kind.get("format") or kind.get("type"), "x"
    )


def test_the_docs_page_lists_every_endpoint_and_the_rate_limits(client):
    html = client.get("/api/v1/docs/").content.decode()
    for name in LISTS:
        assert f"<code>/api/v1/{name}/</code>" in html
    assert "/api/v1/feeds/actions.csv" in html
    assert "1000 requests an hour" in html and "300 requests an hour" in html


@pytest.mark.parametrize("name", LISTS)
def test_each_list_costs_the_same_queries_for_small_and_large_data(client, superuser, name):
    import_cqc_plan()
    secret = token_for(superuser)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(api(name), {"page_size": 1000}, **auth(secret)).status_code == 200
        return len(captured)

    small = queries()
    build_system(plans=3, priorities=3, key_actions=10, subs=4, updates_per_action=3, people=60)
    assert queries() == small
