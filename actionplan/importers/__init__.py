from pathlib import Path

from actionplan.importers.base import ImportReport, PlanFileError, preview_plan, save_plan, validate_plan

__all__ = [
    "PLAN_SUFFIXES",
    "ImportReport",
    "PlanFileError",
    "import_plan_file",
    "preview_plan",
    "save_plan",
    "validate_plan",
    "validate_plan_file",
]


def _readers():
    from actionplan.importers import xlsx_plan, yaml_plan

    return yaml_plan, xlsx_plan


PLAN_SUFFIXES = {".yaml", ".yml", ".json", ".xlsx", ".csv"}


def validate_plan_file(path, source=None):
    """Any plan file (YAML, JSON, or the XLSX/CSV template) checked whole: a CleanPlan or PlanFileError.

    `source` is the name errors give the file (an upload's own name rather than its temporary path).
    """
    yaml_plan, xlsx_plan = _readers()
    path = Path(path)
    source = source or str(path)
    if path.suffix.lower() in xlsx_plan.SUFFIXES:
        return xlsx_plan.validate_spreadsheet(path, source)
    if path.suffix.lower() in yaml_plan.SUFFIXES:
        return validate_plan(yaml_plan.read_plan_file(path), source)
    raise PlanFileError(source, [f"{source}: not a plan file (expected {', '.join(sorted(PLAN_SUFFIXES))})"])


def import_plan_file(path):
    """Validate the whole file, whatever its format, then write it in one transaction."""
    return save_plan(validate_plan_file(path))
