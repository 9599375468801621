"""The production shape stays runnable: `check --deploy` is clean and docker-compose.yml is complete.

There is no Docker engine on the build machines, so the compose file is checked as data: the five
services, their commands (the same ones the Makefile and README use) and their health checks.
"""

import os
import secrets
import subprocess
import sys

import pytest
import yaml

from tests.helpers import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="hwb.example.org")
    env.update(extra)
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key, why",
    [
        ("dev-only-insecure-key-do-not-use-in-production", "published"),
        ("django-insecure-" + secrets.token_urlsafe(50), "published"),
        ("x", "at least 50 characters"),
        (secrets.token_urlsafe(30), "at least 50 characters"),
        ("ab" * 40, "at least 50 characters"),
    ],
    ids=["the development key", "a startproject key", "one character", "40 characters", "two different characters"],
)
def test_production_settings_refuse_a_known_or_weak_secret_key(key, why):
    result = manage("check", env=production_env(DJANGO_SECRET_KEY=key))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr
    assert why in result.stderr


def test_a_hex_secret_key_is_long_and_varied_enough():
    result = manage("check", env=production_env(DJANGO_SECRET_KEY=secrets.token_hex(32)))
    assert result.returncode == 0, result.stderr


def test_compose_runs_the_five_services():
    assert set(SERVICES) == {"web", "worker", "beat", "postgres", "redis"}


@pytest.mark.parametrize("name", ["web", "postgres", "redis", "worker"])
def test_long_running_services_have_health_checks(name):
    assert SERVICES[name]["healthcheck"]["test"]


def test_web_migrates_then_serves_with_gunicorn_and_checks_healthz():
    command = SERVICES["web"]["command"]
    assert command.index("manage.py migrate") < command.index("gunicorn config.wsgi:application")
    assert "/healthz/" in " ".join(SERVICES["web"]["healthcheck"]["test"])


def test_worker_and_beat_run_the_projects_celery_app():
    assert SERVICES["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert SERVICES["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_use_postgres_and_redis_in_production_mode(name):
    service = SERVICES[name]
    env = service["environment"]
    assert env["DJANGO_DEBUG"] == "0"
    assert env["DATABASE_URL"].startswith("postgres://")
    assert env["REDIS_URL"].startswith("redis://redis:")
    for dependency in ("postgres", "redis"):
        assert service["depends_on"][dependency]["condition"] == "service_healthy"


def test_web_and_worker_share_the_uploads_directory():
    # A big plan upload is stored by the web service and checked by the worker.
    for name in ("web", "worker", "beat"):
        assert "media:/app/media" in SERVICES[name]["volumes"]
    assert "media" in COMPOSE["volumes"]


def test_production_redirects_to_https_except_the_health_check():
    # Compose's health check calls plain HTTP from inside the container; load balancers may use HEAD.
    probe = (
        "from django.test import Client; c = Client(HTTP_HOST='hwb.example.org'); "
        "print(c.get('/healthz/').status_code, c.head('/healthz/').status_code, "
        "c.get('/accounts/login/').status_code)"
    )
    result = manage("shell", "--no-imports", "-c", probe, env=production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "200", "301"]
