from actionplan.importers.base import ImportReport, PlanFileError, save_plan, validate_plan

__all__ = ["ImportReport", "PlanFileError", "save_plan", "validate_plan"]
