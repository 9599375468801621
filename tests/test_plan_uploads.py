"""Plan uploads cannot exhaust or expose the server: permission first, private storage under the
media root, no server paths in messages, big files checked by the Celery worker within limits
(with a progress page that needs no JavaScript), and unconfirmed uploads deleted after a day."""

import io
import os
import stat
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.management import call_command
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.urls import reverse
from django.utils.crypto import get_random_string

from actionplan import tasks, uploads
from actionplan.exporters import dump_plan
from actionplan.models import Action
from config import settings as project_settings
from tests.celery_worker import celery_worker, worker_log
from tests.test_plan_spreadsheets import edit_cells

pytestmark = pytest.mark.django_db

UPLOAD = reverse("actionplan:upload_plan")


@pytest.fixture
def upload_dir(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PLAN_UPLOAD_DIR = settings.MEDIA_ROOT / "plan-uploads"
    return settings.PLAN_UPLOAD_DIR


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def with_csrf_cookie(user):
    """Signed in and checked for the CSRF token, with the cookie any page visited would have set,
    but no token in the form: what a cross-site post, or a hand-made one, looks like."""
    client = signed_in(user, enforce_csrf_checks=True)
    client.cookies[settings.CSRF_COOKIE_NAME] = get_random_string(32)
    return client


def post_file(client, name, content):
    handle = io.BytesIO(content)
    handle.name = name
    return client.post(UPLOAD, {"file": handle})


def stored(upload_dir):
    return sorted(p for p in upload_dir.rglob("*") if p.is_file()) if upload_dir.exists() else []


@pytest.fixture
def edited_plan(tmp_path, small_plan):
    """The small plan's spreadsheet with A1's title edited."""
    path = tmp_path / "small.xlsx"
    path.write_bytes(dump_plan(small_plan, "xlsx"))
    return edit_cells(path, {(2, "Title"): "Agree the refreshed vision (edited)"})


@pytest.fixture
def queued(monkeypatch, settings):
    """Every upload counts as big; the tasks queued are recorded, not run."""
    settings.PLAN_UPLOAD_TASK_BYTES = 100
    calls = []
    monkeypatch.setattr(tasks.check_plan_upload, "delay", lambda *args: calls.append(args))
    return calls


@pytest.fixture
def parsed(monkeypatch):
    """Every request body Django parses for files, as it parses it."""
    calls = []
    original = MultiPartParser.parse

    def parse(self):
        calls.append(self)
        return original(self)

    monkeypatch.setattr(MultiPartParser, "parse", parse)
    return calls


# -- Permission before the file -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["board_member", "officer", "outsider"])
def test_someone_who_may_not_upload_gets_403_before_the_file_is_read(request, who, upload_dir, parsed):
    user = request.getfixturevalue(who)
    # Bigger than Django keeps in memory: read, it would be written to a temporary file.
    response = post_file(with_csrf_cookie(user), "plan.xlsx", b"x" * (3 * 1024 * 1024))
    assert response.status_code == 403
    assert parsed == []
    assert stored(upload_dir) == []


def test_the_form_still_needs_its_csrf_token(plan_admin, edited_plan, upload_dir, parsed):
    response = post_file(with_csrf_cookie(plan_admin), "small.xlsx", edited_plan.read_bytes())
    assert response.status_code == 403
    assert parsed  # read only now, by an admin
    assert stored(upload_dir) == []


# -- Private storage under the media root ---------------------------------------------------------


def test_uploads_live_under_the_media_root_by_default_not_in_tmp():
    upload_dir = Path(project_settings.PLAN_UPLOAD_DIR)
    assert upload_dir.is_relative_to(project_settings.MEDIA_ROOT)
    # In the project's own media folder, not the system's temporary one (a checkout that itself
    # lives under /tmp has its media folder there too).
    assert upload_dir.is_relative_to(project_settings.BASE_DIR)
    if not Path(project_settings.BASE_DIR).is_relative_to(tempfile.gettempdir()):
        assert not upload_dir.is_relative_to(tempfile.gettempdir())


def test_an_upload_is_kept_in_a_private_directory(plan_admin, edited_plan, upload_dir):
    preview = post_file(signed_in(plan_admin), "small.xlsx", edited_plan.read_bytes())
    assert preview.status_code == 200
    (kept,) = stored(upload_dir)
    assert kept.parent.name == preview.context["token"]
    assert stat.S_IMODE(upload_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_big_upload_never_goes_through_the_shared_temporary_directory(plan_admin, upload_dir, monkeypatch, queued):
    spooled = []
    monkeypatch.setattr(TemporaryUploadedFile, "__init__", lambda self, *a, **k: spooled.append(a))
    response = post_file(signed_in(plan_admin), "plan.csv", b"x" * (3 * 1024 * 1024))
    assert response.status_code == 302  # to be checked by the worker
    assert spooled == []
    (kept,) = (path for path in stored(upload_dir) if path.suffix == ".csv")
    assert kept.stat().st_size == 3 * 1024 * 1024


def test_a_file_over_the_limit_is_refused_and_not_kept(plan_admin, upload_dir):
    response = post_file(signed_in(plan_admin), "plan.csv", b"x" * (uploads.MAX_BYTES + 1024))
    assert response.status_code == 400
    assert "The file must be smaller than 5 MB." in response.content.decode()
    assert stored(upload_dir) == []


def test_a_refused_plan_is_not_kept(plan_admin, upload_dir):
    response = post_file(signed_in(plan_admin), "plan.csv", b"Plan,Action code\nsmall-plan,A1\nsmall-plan,A1\n")
    assert response.status_code == 400
    assert stored(upload_dir) == []


# -- No server paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("name, content", [("broken.xlsx", b"not a workbook"), ("broken.csv", b"\xff\xfe\x00bad")])
def test_error_messages_never_show_where_the_file_is_on_the_server(plan_admin, upload_dir, name, content):
    response = post_file(signed_in(plan_admin), name, content)
    assert response.status_code == 400
    problems = response.context["problems"]
    assert problems and all(problem.startswith(name) for problem in problems)
    page = response.content.decode()
    for place in (upload_dir, upload_dir.parent, project_settings.BASE_DIR, tempfile.gettempdir()):
        assert str(place) not in page


# -- Big files: checked by the Celery task ---------------------------------------------------------


def run_queued(queued):
    for args in queued:
        tasks.check_plan_upload.apply(args=args).get()
    queued.clear()


def test_a_big_file_is_checked_by_the_task_with_a_page_to_check_again(
    plan_admin, edited_plan, upload_dir, small_plan, queued
):
    client = signed_in(plan_admin)
    response = post_file(client, "small.xlsx", edited_plan.read_bytes())
    token = client.session[uploads.SESSION_KEY][-1]
    progress = reverse("actionplan:plan_upload_progress", args=[token])
    assert response.status_code == 302 and response.url == progress
    assert queued == [(token, plan_admin.pk, False)]

    waiting = client.get(progress)
    assert waiting.status_code == 200
    page = waiting.content.decode()
    assert "Checking your file" in page
    assert f'href="{progress}"' in page and "Check again" in page
    assert "<meta http-equiv" not in page  # no refresh the user does not control

    run_queued(queued)
    preview = client.get(progress)
    assert preview.status_code == 200
    assert preview.context["report"].actions_changed == ["A1"]
    assert Action.objects.get(plan=small_plan, code="A1").title == "Agree the refreshed vision"  # not yet

    confirm = client.post(reverse("actionplan:confirm_plan_upload", args=[token]))
    assert confirm.url == progress
    assert "Importing your file" in client.get(progress).content.decode()
    client.post(reverse("actionplan:confirm_plan_upload", args=[token]))  # twice: queued once
    assert queued == [(token, plan_admin.pk, True)]
    run_queued(queued)
    done = client.get(progress)
    assert done.status_code == 302 and done.url == small_plan.get_absolute_url()
    a1 = Action.objects.get(plan=small_plan, code="A1")
    assert a1.title == "Agree the refreshed vision (edited)"
    assert a1.history.first().history_user == plan_admin  # the audit trail says who, as in a request
    assert stored(upload_dir) == []


def test_the_task_refuses_a_plan_the_uploader_does_not_administer(
    tmp_path, plan_admin, superuser, upload_dir, small_plan, queued
):
    path = tmp_path / "copy.xlsx"
    path.write_bytes(dump_plan(small_plan, "xlsx"))
    edit_cells(path, {(2, "Value"): "someone-elses-plan"}, sheet="Plan")
    edit_cells(path, {(r, "Plan"): "someone-elses-plan" for r in range(2, 6)})
    client = signed_in(plan_admin)
    post_file(client, "copy.xlsx", path.read_bytes())
    token = client.session[uploads.SESSION_KEY][-1]
    run_queued(queued)
    assert client.get(reverse("actionplan:plan_upload_progress", args=[token])).status_code == 403
    assert stored(upload_dir) == []


@pytest.mark.parametrize("in_the_worker", [True, False])
def test_a_check_that_needs_more_memory_than_allowed_stops_with_a_clear_error(
    plan_admin, small_plan, upload_dir, settings, queued, in_the_worker
):
    settings.PLAN_UPLOAD_CHECK_MEMORY_MB = 1
    settings.PLAN_UPLOAD_TASK_BYTES = 100 if in_the_worker else 10 * 1024 * 1024
    # 40,000 rows (3 MB): reading them takes several times the megabyte allowed.
    rows = "".join(f"small-plan,A,Priority A,A{n},,Action {n} of many,,,KT,31/05/18\n" for n in range(40_000))
    header = "Plan,Priority code,Priority text,Action code,Parent code,Title,Description,Accountable,Responsible"
    client = signed_in(plan_admin)
    response = post_file(client, "big.csv", f"{header},Completion date\n{rows}".encode())
    if in_the_worker:
        run_queued(queued)
        response = client.get(response.url)
    assert response.status_code == 400
    assert response.context["problems"] == [
        "big.csv: too big to check: it needs more memory than allowed. Try again, or split the plan into smaller files."
    ]
    assert stored(upload_dir) == []


def test_a_check_that_never_finished_is_reported_not_waited_for_forever(
    plan_admin, edited_plan, upload_dir, settings, queued
):
    client = signed_in(plan_admin)
    post_file(client, "small.xlsx", edited_plan.read_bytes())
    token = client.session[uploads.SESSION_KEY][-1]
    # The worker was stopped at the hard time limit: the outcome stayed "pending".
    long_ago = time.time() - settings.PLAN_UPLOAD_CHECK_SECONDS - 61
    uploads.write_outcome(token, {"state": "pending", "confirm": False, "since": long_ago})
    response = client.get(reverse("actionplan:plan_upload_progress", args=[token]))
    assert response.status_code == 400
    assert response.context["problems"][0].startswith("small.xlsx: checking it did not finish.")


def test_only_the_uploaders_session_sees_the_progress(plan_admin, superuser, edited_plan, upload_dir, queued):
    client = signed_in(plan_admin)
    post_file(client, "small.xlsx", edited_plan.read_bytes())
    token = client.session[uploads.SESSION_KEY][-1]
    other = signed_in(superuser).get(reverse("actionplan:plan_upload_progress", args=[token]))
    assert other.status_code == 302 and other.url == UPLOAD


# -- The daily clean-up ---------------------------------------------------------------------------


def test_the_cleanup_job_deletes_uploads_untouched_for_a_day(plan_admin, edited_plan, upload_dir, settings):
    client = signed_in(plan_admin)
    old, new = (post_file(client, "small.xlsx", edited_plan.read_bytes()).context["token"] for _ in range(2))
    day_and_a_minute_ago = time.time() - 24 * 3600 - 60
    os.utime(upload_dir / old, (day_and_a_minute_ago, day_and_a_minute_ago))
    tasks.delete_unconfirmed_uploads.apply().get()
    assert {p.name for p in upload_dir.iterdir()} == {new}
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == tasks.delete_unconfirmed_uploads.name
    )
    assert entry["schedule"].hour == set(range(24))  # every hour: nothing outlives a day by more than that


def test_the_cleanup_command_can_say_what_it_would_delete(upload_dir, capsys):
    (upload_dir / "abandoned").mkdir(parents=True)
    os.utime(upload_dir / "abandoned", (0, 0))
    call_command("delete_unconfirmed_uploads", "--dry-run")
    assert "1 unconfirmed upload(s) would be deleted." in capsys.readouterr().out
    assert (upload_dir / "abandoned").exists()


# -- Through the real broker ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_big_file_goes_through_the_broker_to_the_worker(
    redis_url, plan_admin, edited_plan, upload_dir, small_plan, settings
):
    settings.PLAN_UPLOAD_TASK_BYTES = 100
    with celery_worker(redis_url, PLAN_UPLOAD_DIR=str(upload_dir)) as worker:
        client = signed_in(plan_admin)
        response = post_file(client, "small.xlsx", edited_plan.read_bytes())
        progress = response.url
        deadline = time.monotonic() + 60
        page = client.get(progress)
        while page.status_code == 200 and "report" not in page.context and time.monotonic() < deadline:
            time.sleep(0.5)
            page = client.get(progress)
        if "report" not in (page.context or {}):
            pytest.fail(f"the worker did not check the upload; its log:\n{worker_log(worker)}")
    assert page.context["report"].actions_changed == ["A1"]
