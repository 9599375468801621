"""Plans from files: YAML/JSON plan files (yaml_plan) and the spreadsheet template (xlsx_plan),
checked by one validation path (base) and written by one save (saving). The toolkit every
importer shares is config.importing."""

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from actionplan.importers.base import CleanPlan, validate_plan
from actionplan.importers.saving import PlanReport, preview_plan, save_plan
from config.importing import DATA_SUFFIXES, TABLE_SUFFIXES, ImportFileError, import_all, suffix_of

# One error class for every importer; the name the plan code has always used.
PlanFileError = ImportFileError
ImportReport = PlanReport
PLAN_SUFFIXES = DATA_SUFFIXES | TABLE_SUFFIXES

__all__ = [
    "PLAN_SUFFIXES",
    "ImportReport",
    "PlanFileError",
    "PlanReport",
    "import_plan_file",
    "import_plan_files",
    "preview_plan",
    "save_plan",
    "validate_plan",
    "validate_plan_file",
]


def validate_plan_file(path: Path | str | None, source: str | None = None) -> CleanPlan:
    """Any plan file (YAML, JSON, or the XLSX/CSV template) checked whole: a CleanPlan or
    ImportFileError. `source` is the name errors give the file: the name the user gave it (an
    upload's own name), never where the server keeps it."""
    from actionplan.importers import xlsx_plan, yaml_plan

    source = source or str(path)
    suffix = suffix_of(source, PLAN_SUFFIXES, "a plan file")
    if path is None:
        raise ImportFileError(source, [f"{source}: cannot be read"])
    if suffix in TABLE_SUFFIXES:
        return xlsx_plan.validate_spreadsheet(path, source)
    return yaml_plan.validate_plan_data_file(path, source)


def import_plan_files(paths: Iterable[Path | str], user: Any = None) -> list[PlanReport]:
    """Check every file first, reporting the problems of all of them at once; then write them
    all in one transaction: any problem in any file changes nothing."""
    return import_all(paths, validate_plan_file, lambda clean: save_plan(clean, user))


def import_plan_file(path: Path | str, user: Any = None) -> PlanReport:
    """Validate the whole file, whatever its format, then write it in one transaction."""
    return save_plan(validate_plan_file(path), user)
