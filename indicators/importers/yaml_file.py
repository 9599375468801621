"""Indicator files written by hand: YAML (.yaml, .yml) or JSON (.json), told apart by their `kind:`."""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from config.importing import ImportFileError, ImportReport, import_all, read_data_file, refuse
from indicators.importers import (
    asc_performance_file,
    key_statistics_file,
    outcome_ratings_file,
    report_file,
    reviewing_boards_file,
)

KINDS: dict[str, tuple[Callable[[Any, str], Any], Callable[..., ImportReport]]] = {
    report_file.KIND: (report_file.validate_report, report_file.save_report),
    key_statistics_file.KIND: (key_statistics_file.validate_key_statistics, key_statistics_file.save_key_statistics),
    outcome_ratings_file.KIND: (outcome_ratings_file.validate_ratings, outcome_ratings_file.save_ratings),
    asc_performance_file.KIND: (
        asc_performance_file.validate_asc_performance,
        asc_performance_file.save_asc_performance,
    ),
    reviewing_boards_file.KIND: (reviewing_boards_file.validate_reviews, reviewing_boards_file.save_reviews),
}


def read_indicator_file(path: Path | str, source: str | None = None) -> Any:
    """Parse the file; a syntax error names the file and line."""
    return read_data_file(path, source or str(path), "an indicator file")


def validate_indicator_file(path: Path | str, source: str | None = None) -> Callable[[], ImportReport]:
    """Read and check a file; returns a function that saves it (in the caller's transaction)."""
    source = source or str(path)
    data = read_indicator_file(path, source)
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind not in KINDS:
        raise refuse(source, f"file, field 'kind': must be one of {', '.join(sorted(KINDS))} (got {kind!r})")
    validate, save = KINDS[kind]
    clean = validate(data, source)
    return lambda: save(clean)


def import_indicator_files(paths: Iterable[Path | str]) -> list[ImportReport]:
    """Check every file, then write them all in one transaction: any problem in any file (including
    a name only another file holds, found as it is saved) changes nothing."""
    return import_all(paths, validate_indicator_file, lambda save: save())


def import_indicator_file(path: Path | str) -> ImportReport:
    """Validate the whole file, then write it in one transaction."""
    return import_indicator_files([path])[0]


__all__ = ["ImportFileError", "import_indicator_file", "import_indicator_files", "validate_indicator_file"]
