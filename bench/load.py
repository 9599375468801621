"""Requests a second from gunicorn as docker-compose.yml runs it: the dashboard and the action list
beside /healthz/, signed in, at a few concurrencies, measured with wrk.

    make bench                      # installs wrk (Debian's) when missing, against a throwaway PostgreSQL
    DATABASE_URL=postgres://… .venv/bin/python bench/load.py [--seconds 20 --concurrency 1 4 16]

Builds bench/dashboard.py's system (20,000 actions, today's summaries kept) in a fresh test
database, signs a superuser and a board member in, then starts the web service's gunicorn command
from docker-compose.yml with the web service's environment (DJANGO_DEBUG=0, its workers and
connection reuse), on this machine's PostgreSQL, over plain HTTP (SSL redirect off, as for compose's
health check). Each page is first fetched once and checked (200, the page itself, not a redirect to
sign in), then loaded by wrk for --seconds with gzip accepted as browsers do. It prints requests a
second, the median and 99th percentile latency and errors (non-2xx answers, timeouts, failed
connections), and each page's requests a second as a fraction of /healthz/'s.
"""

import argparse
import http.client
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Sessions are signed with the secret key: the ones made here must be readable by gunicorn.
SECRET_KEY = secrets.token_urlsafe(50)
os.environ["DJANGO_SECRET_KEY"] = SECRET_KEY

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench.dashboard import build_bench_system, machine_speed  # noqa: E402
from tests.helpers import compose_environment, free_port  # noqa: E402

WEB = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]
HOST = "127.0.0.1"


def gunicorn_command(port):
    """The web service's gunicorn command (its migrate step is done: the test database is built)."""
    command = shlex.split(WEB["command"])
    assert command[:2] == ["sh", "-c"], command
    served = [part.strip() for part in command[2].split("&&") if part.strip().startswith("gunicorn")]
    assert len(served) == 1 and "--bind 0.0.0.0:8000" in served[0], command
    return shlex.split(served[0].replace("--bind 0.0.0.0:8000", f"--bind {HOST}:{port}"))


def environment():
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        **compose_environment(
            WEB, DJANGO_SECRET_KEY=SECRET_KEY, DJANGO_ALLOWED_HOSTS=HOST, DJANGO_SECURE_SSL_REDIRECT="0"
        ),
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "AXES_PROXY_COUNT": "0",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return env


def get(port, path, cookie):
    client = http.client.HTTPConnection(HOST, port, timeout=30)
    client.request("GET", path, headers={"Cookie": cookie, "Host": HOST})
    response = client.getresponse()
    return response.status, response.read()


def wait_until_serving(port, server, log, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited ({server.returncode}):\n{Path(log).read_text()}")
        try:
            if get(port, "/healthz/", "")[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    sys.exit(f"gunicorn did not answer within {seconds} s:\n{Path(log).read_text()}")


def wrk(port, path, cookie, concurrency, seconds):
    """wrk's figures for one page: requests/s, p50 and p99 in ms, errors."""
    command = [
        "wrk",
        f"--threads={min(concurrency, 2)}",
        f"--connections={concurrency}",
        f"--duration={seconds}s",
        "--timeout=10s",
        "--latency",
        "--header",
        f"Cookie: {cookie}",
        "--header",
        "Accept-Encoding: gzip, deflate, br",
        f"http://{HOST}:{port}{path}",
    ]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def latency(percentile):
        value, unit = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx[1]) if non_2xx else 0
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]), latency(50), latency(99), errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plans", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[4])
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/load.py needs wrk (Debian: apt-get install wrk; make bench installs it).")

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    server = None
    try:
        system = build_bench_system(args.plans)
        cookies = {}
        for name, user in [("superuser", None), ("board member", system["member"])]:
            client = Client()
            client.force_login(user or get_user_model().objects.create_superuser("load", password=None))
            cookies[name] = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        pages = [
            ("/healthz/", "superuser", "/healthz/", b"ok"),
            ("dashboard, all plans", "superuser", "/", b"Action plan dashboard"),
            ("dashboard, one plan", "board member", "/", b"Action plan dashboard"),
            ("action list, rag=red", "superuser", "/actions/?rag=red", b"actions match"),
        ]
        connection.close()  # gunicorn's workers are the database's clients now

        # Production serves static files from the collected manifest (WhiteNoise), as the image does.
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
            cwd=ROOT,
            env=environment(),
            check=True,
        )
        port = free_port()
        log = tempfile.NamedTemporaryFile(prefix="load-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        command = gunicorn_command(port)
        server = subprocess.Popen(
            command, cwd=ROOT, env=environment(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_until_serving(port, server, log.name)
        for name, who, path, expected in pages:
            status, body = get(port, path, cookies[who])
            assert status == 200 and expected in body, (name, status, body[:300])

        print(f"gunicorn as docker-compose.yml runs it: {' '.join(command)} (DJANGO_DEBUG=0)")
        print(f"machine speed before: {machine_speed():.0f} ms for a fixed loop (lower is faster)")
        print(
            f"{'page':24} {'concurrency':>11} {'requests/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}  "
            "of /healthz/"
        )
        for concurrency in args.concurrency:
            base = None
            for name, who, path, _ in pages:
                rate, p50, p99, errors = wrk(port, path, cookies[who], concurrency, args.seconds)
                base = base or rate
                print(f"{name:24} {concurrency:11d} {rate:10.1f} {p50:7.0f} {p99:7.0f} {errors:6d}  {rate / base:.2f}")
        print(f"machine speed after: {machine_speed():.0f} ms for a fixed loop")
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
