"""Plan spreadsheets uploaded in the browser, kept on the server between preview and confirm.

The file the admin confirms is byte for byte the file they previewed, without uploading it again;
nothing of it reaches the database before they confirm. Each upload sits in its own directory
named by a random token, which only the uploader's session knows, under PLAN_UPLOAD_DIR (in the
project's media root, mode 0700, never served): PlanUploadHandler writes it there as it arrives,
never into memory or the shared temporary directory, and stops writing at MAX_BYTES. Uploads left
unconfirmed are deleted by a daily job (sweep(), the delete_unconfirmed_uploads command).

check() validates a stored upload (and, confirmed, imports it) and says what came of it as an
outcome: a small JSON-able dict. Files up to settings.PLAN_UPLOAD_TASK_BYTES are checked in the
request; bigger ones by the Celery task check_plan_upload, within time and memory limits, and the
outcome waits in the upload's directory for the progress page.
"""

import datetime
import json
import logging
import os
import secrets
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from simple_history.models import HistoricalRecords

from actionplan.importers import PLAN_SUFFIXES, ImportReport, PlanFileError, preview_plan, save_plan, validate_plan_file
from actionplan.models import Plan

logger = logging.getLogger(__name__)

KEEP_FOR = datetime.timedelta(days=1)
MAX_BYTES = 5 * 1024 * 1024
SESSION_KEY = "plan_uploads"
# The outcome of checking an upload, beside it (no suffix: never taken for a plan file).
OUTCOME = "outcome"
PENDING = "pending"
SPLIT = "Try again, or split the plan into smaller files."


def upload_root():
    """The private directory every upload lives under, made on first use, mode 0700."""
    root = Path(settings.PLAN_UPLOAD_DIR)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    root.chmod(0o700)  # mkdir's mode is masked by the umask, and an older directory keeps its own
    return root


def _folder(token):
    # Tokens come from URLs: only ever the random names new_token() makes.
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    return upload_root() / token


def _safe_name(name):
    """The uploaded name without any directory part, reduced to harmless characters."""
    path = Path(Path(name).name)
    stem, suffix = path.stem, path.suffix.lower()
    if not suffix and stem.startswith("."):
        # ".yaml" is all ending and no name: kept as it is, so the check can say so.
        return stem.lower()
    stem = "".join(c if c.isalnum() or c in "-_ " else "-" for c in stem).strip() or "plan"
    return f"{stem[:80]}{suffix}"


def may_upload(user):
    """Who may upload a plan at all: plan admins and superusers (asked before the file is read)."""
    return user.is_superuser or Plan.objects.administered_by(user).exists()


def may_import(user, clean):
    """Plan admins may re-import their own plan; only a superuser may bring in a new one."""
    existing = Plan.objects.filter(slug=clean.attributes["slug"]).first()
    if existing is None:
        return user.is_superuser
    return Plan.objects.administered_by(user).filter(pk=existing.pk).exists()


class PlanUploadHandler(FileUploadHandler):
    """Writes the one uploaded file straight into a new private upload directory as it arrives.

    Beyond MAX_BYTES the rest is only counted (the form then refuses the file by its size), so an
    upload never takes more than that of the disk, and none of it goes through the shared /tmp.
    Whatever the request does not keep() is deleted when it ends (discard_unkept()).
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.token = self.path = self.out = None
        self.size = 0
        self.kept = False

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        if self.token is not None or field_name != "file":
            raise SkipFile()  # one file, in the form's one file field
        self.token = secrets.token_urlsafe(24)
        folder = upload_root() / self.token
        folder.mkdir(mode=0o700)
        self.path = folder / _safe_name(file_name)
        self.out = os.fdopen(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")

    def receive_data_chunk(self, raw_data, start):
        if self.size + len(raw_data) <= MAX_BYTES + 1:
            self.out.write(raw_data)
        self.size += len(raw_data)
        return None

    def file_complete(self, file_size):
        self.out.close()
        return StoredUpload(self.path, self.file_name, self.content_type, self.size)

    def upload_interrupted(self):
        self.discard_unkept()

    def discard_unkept(self):
        if self.out is not None:
            self.out.close()
        if self.token and not self.kept:
            shutil.rmtree(upload_root() / self.token, ignore_errors=True)


class StoredUpload(UploadedFile):
    """The uploaded file, already in its upload directory (`path`)."""

    def __init__(self, path, name, content_type, size):
        super().__init__(open(path, "rb"), name, content_type, size)
        self.path = path

    @property
    def token(self):
        return self.path.parent.name


def keep(request, handler):
    """Keep the file `handler` stored; the returned token names it in this user's session only."""
    handler.kept = True
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), handler.token][-10:]
    return handler.token


def path_for(request, token):
    """The stored file for `token`, if this session uploaded it and it is still there; else None."""
    if token not in request.session.get(SESSION_KEY, []):
        return None
    return _stored_file(token)


def _stored_file(token):
    folder = _folder(token)
    files = (
        [p for p in folder.iterdir() if p.name.lower().endswith(tuple(PLAN_SUFFIXES))]
        if folder and folder.is_dir()
        else []
    )
    return files[0] if files else None


def discard(request, token):
    request.session[SESSION_KEY] = [t for t in request.session.get(SESSION_KEY, []) if t != token]
    folder = _folder(token)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def sweep(now=None, dry_run=False):
    """Delete uploads nobody has touched for KEEP_FOR (unconfirmed, or abandoned mid-check).

    Returns how many there were."""
    cutoff = (now or time.time()) - KEEP_FOR.total_seconds()
    old = [folder for folder in upload_root().iterdir() if folder.is_dir() and folder.stat().st_mtime < cutoff]
    if not dry_run:
        for folder in old:
            shutil.rmtree(folder, ignore_errors=True)
    return len(old)


# -- Checking an upload: in the request, or in a Celery task for big files -------------------------


def is_large(path):
    return path.stat().st_size > settings.PLAN_UPLOAD_TASK_BYTES


def queue_check(token, user, confirm=False):
    """Hand the check (or, confirmed, the import) of a stored upload to the Celery worker."""
    from actionplan.tasks import check_plan_upload

    write_outcome(token, {"state": PENDING, "confirm": confirm, "since": time.time()})
    check_plan_upload.delay(token, user.pk, confirm)


def read_outcome(token):
    """The outcome check() left for `token`; a pending check that ran out of time counts as failed."""
    try:
        outcome = json.loads((_folder(token) / OUTCOME).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None
    if outcome["state"] == PENDING and time.time() - outcome["since"] > settings.PLAN_UPLOAD_CHECK_SECONDS + 60:
        name = _stored_file(token).name if _stored_file(token) else "The file"
        return _problems([f"{name}: checking it did not finish. {SPLIT}"])
    return outcome


def write_outcome(token, outcome):
    folder = _folder(token)
    if folder is None or not folder.is_dir():
        return  # discarded (or swept) meanwhile
    partial = folder / f".{OUTCOME}.{secrets.token_hex(4)}"
    partial.write_text(json.dumps(outcome), encoding="utf-8")
    os.replace(partial, folder / OUTCOME)


def check(token, user, confirm=False):
    """Validate the stored upload `token` for `user` and preview it (or, `confirm`, import it).

    The outcome: {"state": "valid", "preview": …, "is_new": …}, {"state": "imported", "message": …,
    "plan_url": …}, {"state": "invalid", "problems": […]} or {"state": "forbidden"}. Validation
    may use only PLAN_UPLOAD_CHECK_MEMORY_MB more memory, in the worker as in a request. Problems
    name the file by its own name, never by where it is on the server.
    """
    path = _stored_file(token)
    if path is None:
        return _problems(["The upload has expired or was already imported. Please upload the file again."])
    name = path.name
    try:
        with memory_limit(settings.PLAN_UPLOAD_CHECK_MEMORY_MB * 1024 * 1024):
            clean = validate_plan_file(path, source=name)
    except (PlanFileError, MemoryError) as error:
        if _ran_out_of_memory(error):  # readers may report it as a file they could not read
            return _problems([f"{name}: too big to check: it needs more memory than allowed. {SPLIT}"])
        return _problems([_without_paths(problem, path) for problem in error.errors])
    except SoftTimeLimitExceeded:
        return _problems([f"{name}: took too long to check. {SPLIT}"])
    except Exception:
        # A reader failing on a malformed file in a way it does not report: say so, never how.
        logger.exception("Checking the plan upload %s failed", token)
        return _problems([f"{name}: could not be read as a plan file."])
    if not may_import(user, clean):
        return {"state": "forbidden"}
    is_new = not Plan.objects.filter(slug=clean.attributes["slug"]).exists()
    # Saving can refuse too (changes to owners other plans use, unless `user` administers them all).
    try:
        if confirm:
            with _recorded_as(user):
                report = save_plan(clean, user)
            return {
                "state": "imported",
                "message": f"Imported {name}: {report.created} created, {report.updated} changed, "
                f"{report.unchanged} unchanged, {report.removed} removed.",
                "plan_url": report.plan.get_absolute_url(),
            }
        preview = preview_plan(clean, user)
    except PlanFileError as error:
        return _problems([_without_paths(problem, path) for problem in error.errors])
    return {"state": "valid", "preview": _preview_data(preview), "is_new": is_new, "file_name": name}


def run_check(token, user_id, confirm=False):
    """What the Celery task does: check() within limits, the outcome left for the progress page."""
    user = get_user_model().objects.filter(pk=user_id).first()
    outcome = check(token, user, confirm) if user else {"state": "forbidden"}
    write_outcome(token, outcome)
    return outcome["state"]


@contextmanager
def _recorded_as(user):
    """The audit trail names `user` for what is saved inside, in a worker as in their request."""
    if getattr(HistoricalRecords.context, "request", None) is not None:
        yield  # in the request: django-simple-history's middleware already names them
        return
    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        del HistoricalRecords.context.request


def _ran_out_of_memory(error):
    while error is not None:
        if isinstance(error, MemoryError):
            return True
        error = error.__cause__ or error.__context__
    return False


def _problems(problems):
    return {"state": "invalid", "problems": problems}


PREVIEW_FIELDS = [
    "created",
    "updated",
    "unchanged",
    "removed",
    "gaps",
    "actions_created",
    "actions_changed",
    "actions_unchanged",
    "actions_removed",
]


def _preview_data(report):
    return {"plan_title": report.plan.title, **{name: getattr(report, name) for name in PREVIEW_FIELDS}}


def preview_report(outcome):
    """The preview of a "valid" outcome, as the ImportReport the preview page shows."""
    preview = outcome["preview"]
    return ImportReport(plan=Plan(title=preview["plan_title"]), **{name: preview[name] for name in PREVIEW_FIELDS})


def _without_paths(text, path):
    """`text` with the upload's place on the server left out: the file is named by its own name."""
    text = str(text).replace(str(path), path.name)
    for directory in (path.parent, upload_root(), Path(settings.MEDIA_ROOT), Path(settings.BASE_DIR)):
        text = text.replace(f"{directory}{os.sep}", "").replace(str(directory), "")
    return text


@contextmanager
def memory_limit(extra_bytes):
    """Let the code inside allocate about `extra_bytes` more, then fail with MemoryError (None: no limit).

    Uses the process's data-size limit (Linux), put back afterwards: a validation that would take
    the worker to gigabytes stops at the limit instead.
    """
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
        with open("/proc/self/statm") as statm:
            in_use = int(statm.read().split()[5]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError, IndexError):
        extra_bytes = None  # not Linux: no such limit
    if extra_bytes is None:
        yield
        return
    limit = in_use + extra_bytes if hard == resource.RLIM_INFINITY else min(in_use + extra_bytes, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
