"""Plan spreadsheets uploaded in the browser, kept on the server between preview and confirm.

The file the admin confirms is byte for byte the file they previewed, without uploading it again;
nothing of it reaches the database before they confirm. Each upload sits in its own directory
named by a random token, which only the uploader's session knows; uploads left unconfirmed are
swept away after a day.
"""

import datetime
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings

from actionplan.importers import PLAN_SUFFIXES

KEEP_FOR = datetime.timedelta(days=1)
MAX_BYTES = 5 * 1024 * 1024
SESSION_KEY = "plan_uploads"


def _root():
    return Path(getattr(settings, "PLAN_UPLOAD_DIR", Path(tempfile.gettempdir()) / "hwb-plan-uploads"))


def _safe_name(name):
    """The uploaded name without any directory part, reduced to harmless characters."""
    name = Path(name).name
    stem = "".join(c if c.isalnum() or c in "-_ " else "-" for c in Path(name).stem).strip() or "plan"
    return f"{stem[:80]}{Path(name).suffix.lower()}"


def store(request, uploaded):
    """Keep the uploaded file; returns the token that names it in this user's session."""
    _sweep()
    token = secrets.token_urlsafe(24)
    folder = _root() / token
    folder.mkdir(parents=True)
    with open(folder / _safe_name(uploaded.name), "wb") as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, []), token][-10:]
    return token


def path_for(request, token):
    """The stored file for `token`, if this session uploaded it and it is still there; else None."""
    if token not in request.session.get(SESSION_KEY, []):
        return None
    folder = _root() / token
    files = [p for p in folder.iterdir() if p.suffix.lower() in PLAN_SUFFIXES] if folder.is_dir() else []
    return files[0] if files else None


def discard(request, token):
    request.session[SESSION_KEY] = [t for t in request.session.get(SESSION_KEY, []) if t != token]
    if token and "/" not in token and token not in (".", ".."):
        shutil.rmtree(_root() / token, ignore_errors=True)


def _sweep():
    root = _root()
    if not root.is_dir():
        return
    cutoff = time.time() - KEEP_FOR.total_seconds()
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
