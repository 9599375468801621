"""Indicator files written by hand: YAML (.yaml, .yml) or JSON (.json), told apart by their `kind:`."""

import json
from pathlib import Path

import yaml

from indicators.importers import (
    asc_performance_file,
    key_statistics_file,
    outcome_ratings_file,
    report_file,
    reviewing_boards_file,
)
from indicators.importers.base import IndicatorFileError

SUFFIXES = {".yaml", ".yml", ".json"}
KINDS = {
    report_file.KIND: (report_file.validate_report, report_file.save_report),
    key_statistics_file.KIND: (key_statistics_file.validate_key_statistics, key_statistics_file.save_key_statistics),
    outcome_ratings_file.KIND: (outcome_ratings_file.validate_ratings, outcome_ratings_file.save_ratings),
    asc_performance_file.KIND: (
        asc_performance_file.validate_asc_performance,
        asc_performance_file.save_asc_performance,
    ),
    reviewing_boards_file.KIND: (reviewing_boards_file.validate_reviews, reviewing_boards_file.save_reviews),
}


def read_indicator_file(path):
    """Parse the file; a syntax error names the file and line."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise IndicatorFileError(str(path), [f"{path}: not an indicator file (expected {', '.join(sorted(SUFFIXES))})"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise IndicatorFileError(str(path), [f"{path}: cannot be read: {error}"]) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as error:
        raise IndicatorFileError(str(path), [f"{path}: line {error.lineno}: {error.msg}"]) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        raise IndicatorFileError(str(path), [f"{path}: {line}{getattr(error, 'problem', error)}"]) from None


def validate_indicator_file(path):
    """Read and check a file; returns a function that saves it (in the caller's transaction)."""
    data = read_indicator_file(path)
    kind = data.get("kind") if isinstance(data, dict) else None
    if kind not in KINDS:
        raise IndicatorFileError(
            str(path), [f"{path}: file, field 'kind': must be one of {', '.join(sorted(KINDS))} (got {kind!r})"]
        )
    validate, save = KINDS[kind]
    clean = validate(data, str(path))
    return lambda: save(clean)


def import_indicator_file(path):
    """Validate the whole file, then write it in one transaction. Returns an ImportReport."""
    return validate_indicator_file(path)()
