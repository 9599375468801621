"""Plan files written by hand or by export_plan: YAML (.yaml, .yml) or JSON (.json)."""

import json
from pathlib import Path

import yaml

from actionplan.importers.base import PlanFileError, save_plan, validate_plan

SUFFIXES = {".yaml", ".yml", ".json"}


def read_plan_file(path):
    """Parse the file into the plan-file structure; a syntax error names the file and line."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise PlanFileError(str(path), [f"{path}: not a plan file (expected {', '.join(sorted(SUFFIXES))})"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PlanFileError(str(path), [f"{path}: cannot be read: {error}"]) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise PlanFileError(str(path), [f"{path}: line {error.lineno}: {error.msg}"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        raise PlanFileError(str(path), [f"{path}: {line}{getattr(error, 'problem', error)}"]) from None


def import_plan_file(path):
    """Validate the whole file, then write it in one transaction. Returns an ImportReport."""
    return save_plan(validate_plan(read_plan_file(path), str(path)))
