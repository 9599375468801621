from config.importing import ImportFileError, ImportReport

# One error class for every importer; the name this app's callers know.
IndicatorFileError = ImportFileError

__all__ = ["ImportReport", "IndicatorFileError"]
