"""Plan files written by hand or by export_plan: YAML (.yaml, .yml) or JSON (.json)."""

from pathlib import Path
from typing import Any

from actionplan.importers.base import CleanPlan, validate_plan
from actionplan.importers.saving import PlanReport, save_plan
from config.importing import DATA_SUFFIXES, read_data_file

SUFFIXES = DATA_SUFFIXES


def read_plan_file(path: Path | str, source: str | None = None) -> Any:
    """Parse the file into the plan-file structure; a syntax error names the file and line."""
    return read_data_file(path, source or str(path), "a plan file")


def validate_plan_data_file(path: Path | str, source: str | None = None) -> CleanPlan:
    source = source or str(path)
    return validate_plan(read_plan_file(path, source), source)


def import_plan_file(path: Path | str, user: Any = None) -> PlanReport:
    """Validate the whole file, then write it in one transaction. Returns the import's report."""
    return save_plan(validate_plan_data_file(path), user)
