"""Reviewing-boards files: which partnership boards review which indicators, e.g. the Better Care
Fund JMG reviews delayed transfers of care. See docs/indicator-file-format.md.

The file names boards by slug and indicators by code, so it is imported after the partnerships file
and the indicator files that hold them; anything it names that is not there stops the whole import.
Each board's list is its whole list: an indicator left out of it is no longer linked to that board.
Boards the file does not name are left alone.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from config.importing import ImportReport, Problems, read_list, read_mapping, read_text
from indicators.importers.base import read_file_head
from indicators.models import Indicator
from partnerships.models import Partnership

KIND = "reviewing-boards"


@dataclass
class CleanReviews:
    source: str
    title: str
    boards: dict  # board slug -> [indicator code, ...]


def validate_reviews(data: Any, source: str) -> CleanReviews:
    problems = read_file_head(data, source, KIND, ["title", "source", "boards"])
    title = read_text(data.get("title"), problems, "file", "title", required=True)
    boards = {}
    raw_boards = read_list(data.get("boards"), problems, "file", "boards")
    if not raw_boards:
        problems.add("file", "boards", "is missing")
    for index, raw in enumerate(raw_boards):
        item = f"boards[{index}]"
        raw = read_mapping(raw, problems, item, {"board", "indicators"})
        slug = read_text(raw.get("board"), problems, item, "board", required=True)
        if slug:
            item = f"board {slug}"
            if slug in boards:
                problems.add(item, "board", f"board {slug} is given twice")
        codes = [
            read_text(code, problems, item, "indicators")
            for code in read_list(raw.get("indicators"), problems, item, "indicators")
        ]
        if len(set(codes)) != len(codes):
            problems.add(item, "indicators", "names the same indicator twice")
        if slug:
            boards[slug] = [code for code in codes if code]
    problems.raise_if_any()
    return CleanReviews(source, title, boards)


@transaction.atomic
def save_reviews(clean: CleanReviews, user: Any = None) -> ImportReport:
    """Link each board to exactly its indicators; all or nothing, every unknown name reported."""
    problems = Problems(clean.source)
    boards = Partnership.objects.in_bulk(list(clean.boards), field_name="slug")
    indicators = Indicator.objects.in_bulk({c for codes in clean.boards.values() for c in codes}, field_name="code")
    for slug, codes in clean.boards.items():
        if slug not in boards:
            problems.add(f"board {slug}", "board", f"unknown board {slug!r}: import the partnerships file first")
        for code in codes:
            if code not in indicators:
                problems.add(
                    f"board {slug}", "indicators", f"unknown indicator {code!r}: import the file that holds it first"
                )
    problems.raise_if_any()

    report = ImportReport(title=f"{clean.title} (reviewing boards)")
    for slug, codes in clean.boards.items():
        board = boards[slug]
        wanted = {indicators[code].pk for code in codes}
        held = set(board.indicators.values_list("pk", flat=True))
        if wanted == held:
            report.unchanged += 1
        else:
            board.indicators.set(wanted)
            report.updated += 1
    return report
