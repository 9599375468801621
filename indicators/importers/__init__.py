from indicators.importers.base import ImportReport, IndicatorFileError

__all__ = ["ImportReport", "IndicatorFileError"]
