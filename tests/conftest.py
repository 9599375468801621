"""Real services for the suite: PostgreSQL (via DATABASE_URL), Redis (REDIS_URL) and Chromium.

`make test` starts throwaway PostgreSQL and Redis and exports their URLs. Run by hand without them,
tests fall back to SQLite and skip what needs Redis or Chromium; under CI=true anything missing is a
failure, never a skip.
"""

import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
# What Debian's Chromium needs to run headless as root, offline.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The live server runs in a thread beside Playwright's sync API, which owns an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def service_missing(what):
    """A service a test needs is not there: fail under CI, skip on a developer machine."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: a missing service fails the run)", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session", autouse=True)
def require_postgresql_in_ci(django_db_blocker):
    if not IN_CI:
        return
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            f"CI=true but the database is {connection.vendor}: set DATABASE_URL to PostgreSQL (make test does)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def redis_url():
    import redis

    url = os.environ.get("REDIS_URL")
    if not url:
        service_missing("REDIS_URL is not set: no Redis to test against")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        service_missing(f"Redis at {url} does not answer: {error}")
    return url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import Error, sync_playwright

    if not os.path.exists(CHROMIUM):
        service_missing(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as error:
            service_missing(f"Chromium at {CHROMIUM} did not start: {error}")
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


# -- The base cast, on a small plan (tests/helpers.minimal_plan) --------------------------------
# KT is responsible for A1 (and so for sub-action "A1 i", which names nobody) and A2; DHe is
# responsible for "A1 ii"; "Chief Executives" are accountable for A1.

PASSWORD = "a-long-test-password"


@pytest.fixture
def small_plan(db, tmp_path):
    from actionplan.importers.yaml_plan import import_plan_file
    from tests.helpers import minimal_plan, write_plan

    return import_plan_file(write_plan(tmp_path, minimal_plan())).plan


def _user(username, **extra):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username, password=PASSWORD, first_name=username.title(), **extra)


def _person(user, initials):
    from actionplan.models import Owner

    Owner.objects.filter(code=initials).update(user=user)
    return user


@pytest.fixture
def officer(small_plan):
    """Linked to KT, an officer of the plan."""
    from tests.helpers import give_role

    return give_role(_person(_user("officer"), "KT"), small_plan, "officer")


@pytest.fixture
def other_officer(small_plan):
    """Linked to DHe, an officer of the plan."""
    from tests.helpers import give_role

    return give_role(_person(_user("other-officer"), "DHe"), small_plan, "officer")


@pytest.fixture
def board_member(small_plan):
    from tests.helpers import give_role

    return give_role(_user("member"), small_plan, "viewer")


@pytest.fixture
def plan_admin(small_plan):
    from tests.helpers import give_role

    return give_role(_user("plan-admin"), small_plan, "admin")


@pytest.fixture
def outsider(db):
    return _user("outsider")


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("super", password=PASSWORD)


@pytest.fixture(autouse=True)
def own_cache_keys(settings):
    """Each test its own keys in the cache (Redis under make test): no rendered page or rate-limit
    count of one test is seen by another, in this process or another worker's."""
    import uuid

    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
