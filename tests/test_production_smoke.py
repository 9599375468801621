"""The production shape starts and serves, built and run the way the image and compose file do it.

There is no Docker engine on the build machines, so this test does by hand what they would:
- copies the build context (the project minus .dockerignore) to a temporary directory;
- runs the Dockerfile's own static build step (its RUN line with scripts/build-static.sh, on the
  GOV.UK Frontend that `npm ci` installed) and its collectstatic step, with DJANGO_DEBUG=0;
- meanwhile migrates a database of its own on the suite's real PostgreSQL, creates a superuser and
  loads the fixtures with the management commands (README: the production shape);
- starts docker-compose.yml's web command (migrate, then gunicorn) with the web service's
  environment, read from the compose file so neither can drift, against that database and the
  suite's Redis; only the database and Redis addresses and the bind address (compose's service
  names and port) are replaced;
- signs in over HTTP as the TLS proxy would pass it on (X-Forwarded-Proto: https), and loads the
  dashboard, an action page, the board report PDF and a static file, checking the security
  headers and cookies.
"""

import http.client
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml

from tests.conftest import service_missing
from tests.helpers import CQC_SLUG, ROOT, compose_environment, free_port

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
WEB = COMPOSE["services"]["web"]
HOST = "localhost"  # in compose's default DJANGO_ALLOWED_HOSTS
PASSWORD = "a-long-smoke-test-password"
# The README's production steps, for the CQC plan: its boards, the indicators its actions move, it.
SETUP = [
    ["import_partnerships", "fixtures/partnerships.yaml"],
    ["import_indicators", "fixtures/indicators/q2-2017-18-business-management.yaml"],
    ["import_plan", "fixtures/plans/cqc-local-system-review-2018.yaml"],
]


# -- Reading the Dockerfile, .dockerignore and compose file ----------------------------------------


def dockerfile_run(containing):
    """The shell command of the Dockerfile's one RUN instruction that mentions `containing`."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    runs = [line[4:] for line in text.splitlines() if line.startswith("RUN ") and containing in line]
    assert len(runs) == 1, f"expected one RUN line with {containing!r} in the Dockerfile, found {runs}"
    return runs[0]


def dockerignore_patterns():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip().strip("/") for line in lines if line.strip() and not line.startswith("#")]


def _pattern_regex(pattern):
    """Docker's .dockerignore matching: from the context root, * within a path segment, ** across."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def copy_build_context(destination):
    """The files `docker build .` would see: everything .dockerignore does not exclude."""
    ignored = [_pattern_regex(p) for p in dockerignore_patterns()]
    for directory, dirs, files in os.walk(ROOT):
        relative = Path(directory).relative_to(ROOT)
        dirs[:] = [d for d in dirs if not any(r.match((relative / d).as_posix()) for r in ignored)]
        (destination / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            if not any(r.match((relative / name).as_posix()) for r in ignored):
                shutil.copy2(Path(directory) / name, destination / relative / name)


# -- The running app -------------------------------------------------------------------------------


def tools_path():
    """PATH with this virtualenv's python, gunicorn and celery first, as the image has them."""
    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def run(command, cwd, env, timeout=120):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


class Database:
    """A database of the smoke test's own on the suite's PostgreSQL server."""

    def __init__(self, url):
        import psycopg2

        self.server = urllib.parse.urlsplit(url)
        self.name = f"hwb_smoke_{secrets.token_hex(4)}"
        self._connect = lambda: psycopg2.connect(url)
        self._sql(f'CREATE DATABASE "{self.name}"')

    def _sql(self, statement):
        connection = self._connect()
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
        finally:
            connection.close()

    @property
    def url(self):
        return urllib.parse.urlunsplit(self.server._replace(path=f"/{self.name}"))

    def drop(self):
        self._sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def wait_for_healthz(port, server, log_path, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the web command exited ({server.returncode}):\n{log_path.read_text()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz/", headers={"Host": HOST})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"/healthz/ did not answer within {seconds} s:\n{log_path.read_text()}")


@pytest.fixture(scope="module")
def production(tmp_path_factory, redis_url):
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        service_missing("the production smoke test needs PostgreSQL (DATABASE_URL), as compose runs it")
    node_modules = ROOT / "node_modules" / "govuk-frontend"
    if not node_modules.exists():
        service_missing("node_modules/govuk-frontend is missing: `make static` (run by `make test`) installs it")
    tmp = tmp_path_factory.mktemp("production")

    # The image: the build context, the assets stage's static build, collectstatic.
    app = tmp / "app"
    copy_build_context(app)
    assets = tmp / "assets"
    assets.mkdir()
    (assets / "node_modules").symlink_to(ROOT / "node_modules")
    shutil.copy2(ROOT / "scripts" / "build-static.sh", assets / "build-static.sh")
    shutil.copytree(ROOT / "static" / "scss", assets / "static" / "scss")
    build_env = {"PATH": tools_path(), "HOME": str(tmp), "LANG": "C.UTF-8"}
    run(["sh", "-c", dockerfile_run("build-static.sh")], cwd=assets, env=build_env)
    shutil.copytree(assets / "govuk", app / "static" / "govuk")
    collectstatic_log = tmp / "collectstatic.log"
    with collectstatic_log.open("w") as log:
        collectstatic = subprocess.Popen(
            ["sh", "-c", dockerfile_run("collectstatic")], cwd=app, env=build_env, stdout=log, stderr=subprocess.STDOUT
        )

    # Meanwhile, the database (as `docker compose exec web python manage.py …` would fill it):
    # migrated, a superuser, and the fixtures the README loads, in one process to save start-ups.
    database = Database(database_url)
    env = {
        **build_env,
        **compose_environment(WEB, DJANGO_SECRET_KEY=secrets.token_urlsafe(50)),
        "DATABASE_URL": database.url,
        "REDIS_URL": redis_url.rsplit("/", 1)[0] + "/9",
    }
    server = None
    try:
        calls = [["migrate", "--noinput"], ["createsuperuser", "--noinput", "--username", "smoke"], *SETUP]
        script = "from django.core.management import call_command\n" + "".join(
            f"call_command(*{call!r})\n" for call in calls
        )
        superuser = {"DJANGO_SUPERUSER_PASSWORD": PASSWORD, "DJANGO_SUPERUSER_EMAIL": "smoke@example.org"}
        run([sys.executable, "manage.py", "shell", "--no-imports", "-c", script], cwd=app, env=env | superuser)
        collectstatic.wait(timeout=300)
        assert collectstatic.returncode == 0, f"the Dockerfile's collectstatic failed:\n{collectstatic_log.read_text()}"

        # The web service: its environment and command from docker-compose.yml.
        port = free_port()
        command = shlex.split(WEB["command"])
        assert command[:2] == ["sh", "-c"] and command[2].count("--bind 0.0.0.0:8000") == 1
        command[2] = command[2].replace("--bind 0.0.0.0:8000", f"--bind 127.0.0.1:{port}")
        log_path = tmp / "web.log"
        with log_path.open("w") as log:
            server = subprocess.Popen(
                command, cwd=app, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for_healthz(port, server, log_path)
        yield {"port": port, "app": app, "log": log_path}
    finally:
        if collectstatic.poll() is None:
            collectstatic.kill()
            collectstatic.wait()
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        database.drop()


class Browser:
    """HTTP as the TLS proxy passes it on: plain HTTP, X-Forwarded-Proto: https. Cookies are kept by
    hand, because they are Secure and a cookie jar would not send them back over plain HTTP."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.set_cookies = {}

    def request(self, method, path, body=None, headers=None, https=True):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Host": HOST, **(headers or {})}
        if https:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.body = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
            self.set_cookies[name] = header
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def sign_in(self, username, password):
        form = self.get("/accounts/login/")
        assert form.status == 200, form.body[:500]
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body).group(1).decode()
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        return self.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{HOST}",
                "Referer": f"https://{HOST}/accounts/login/",
            },
        )


@pytest.fixture(scope="module")
def signed_in(production):
    browser = Browser(production["port"])
    response = browser.sign_in("smoke", PASSWORD)
    assert response.status == 302, response.body[:1000]
    assert response.headers["Location"] == "/signed-in/"  # which sends an officer to My actions, others to "/"
    landing = browser.get("/signed-in/")
    assert landing.status == 302 and landing.headers["Location"] == "/"
    return browser


def assert_security_headers(response):
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]


def test_plain_http_from_outside_the_proxy_is_redirected_to_https(production):
    response = Browser(production["port"]).get("/accounts/login/", https=False)
    assert response.status == 301
    assert response.headers["Location"] == f"https://{HOST}/accounts/login/"


def test_signing_in_sets_only_secure_cookies(signed_in):
    session = signed_in.set_cookies["sessionid"].lower()
    assert "secure" in session and "httponly" in session and "samesite=lax" in session
    assert "secure" in signed_in.set_cookies["csrftoken"].lower()


def test_the_dashboard_is_served_with_the_security_headers_and_is_not_cached(signed_in):
    response = signed_in.get(f"/?plan={CQC_SLUG}")
    assert response.status == 200
    assert b"Local System Review" in response.body
    assert_security_headers(response)
    assert "no-store" in response.headers["Cache-Control"]


def test_an_action_page_is_served(signed_in):
    plan = signed_in.get(f"/plans/{CQC_SLUG}/")
    assert plan.status == 200
    action_path = re.search(rb'href="(/actions/\d+/)"', plan.body).group(1).decode()
    response = signed_in.get(action_path)
    assert response.status == 200
    assert b"Progress" in response.body
    assert_security_headers(response)
    assert "no-store" in response.headers["Cache-Control"]


def test_the_board_report_pdf_is_made(signed_in):
    response = signed_in.get(f"/plans/{CQC_SLUG}/report.pdf?as_at=2018-07-19")
    assert response.status == 200, response.body[:1000]
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.body.startswith(b"%PDF-")
    assert "no-store" in response.headers["Cache-Control"]


def test_static_files_come_from_the_collected_manifest_and_are_cached(signed_in):
    page = signed_in.get("/").body
    stylesheet = re.search(rb'href="(/static/govuk/govuk-frontend\.min\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, "the page does not link the hashed (collected) GOV.UK stylesheet"
    response = signed_in.get(stylesheet.group(1).decode())
    assert response.status == 200
    assert "max-age=315360000" in response.headers["Cache-Control"]
    assert "no-store" not in response.headers["Cache-Control"]
    assert b"sourceMappingURL" not in response.body


def test_the_health_check_answers_get_and_head_over_plain_http(production):
    browser = Browser(production["port"])
    for method in ("GET", "HEAD"):
        response = browser.request(method, "/healthz/", https=False)
        assert response.status == 200


def test_the_makefile_builds_static_files_with_the_same_script():
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/build-static.sh node_modules static/scss/govuk-frontend.scss $(GOVUK_STATIC)" in makefile


@pytest.mark.parametrize("path", ["db.sqlite3", ".venv/bin/python", "node_modules/x", "media/uploads/a.xlsx", ".git"])
def test_the_build_context_leaves_out_local_data_and_build_output(path):
    assert any(
        _pattern_regex(p).match(path) or _pattern_regex(p).match(path.split("/")[0]) for p in dockerignore_patterns()
    )


def test_a_published_plan_is_public_cacheable_and_in_the_api(production, signed_in):
    plan_page = signed_in.get(f"/plans/{CQC_SLUG}/").body
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', plan_page).group(1).decode()
    published = signed_in.request(
        "POST",
        f"/plans/{CQC_SLUG}/publishing/",
        body=urllib.parse.urlencode({"csrfmiddlewaretoken": token, "is_published": "on"}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/plans/{CQC_SLUG}/",
        },
    )
    assert published.status == 302, published.body[:1000]
    anonymous = Browser(production["port"])
    page = anonymous.get(f"/public/plans/{CQC_SLUG}/")
    assert page.status == 200, page.body[:1000]
    assert b"Local System Review" in page.body
    assert_security_headers(page)
    assert page.headers["Cache-Control"] == "public, max-age=60"
    again = anonymous.get(f"/public/plans/{CQC_SLUG}/", headers={"If-None-Match": page.headers["ETag"]})
    assert again.status == 304
    actions = anonymous.get(f"/api/v1/actions/?plan={CQC_SLUG}&format=csv")
    assert actions.status == 200 and actions.body.startswith(b"id,plan,")
