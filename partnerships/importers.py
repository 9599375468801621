"""The partnerships file: boards, their hierarchy and meetings, and the JHWS priorities they own.

Read, checked and written with the import toolkit every importer shares (config.importing):
`validate_partnerships` checks the whole file and reports every problem at once, naming the file,
the item and the field; `save_partnerships` writes a valid file in one transaction, only what
changed, so a re-import writes nothing. See docs/partnerships-file-format.md.
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from config.importing import (
    MONTHS,
    ImportFileError,
    ImportReport,
    Problems,
    Writer,
    by_key,
    check_unique,
    import_all,
    read_data_file,
    read_date,
    read_list,
    read_mapping,
    read_slug,
    read_text,
    read_whole_number,
)
from partnerships import sections
from partnerships.models import Meeting, Partnership, StrategyPriority

SUPPORTED_FORMAT = 1
# One error class for every importer; the name this app's callers know.
PartnershipFileError = ImportFileError

TEXT_FIELDS = [
    "short_name",
    "summary",
    "vice_chair",
    "chair_note",
    "lead_member",
    "lead_officer",
    "website",
    "website_note",
]
DATED_TEXT_FIELDS = {
    # file key: (model text field, model date field, which date the text's dates give)
    "profile_completed": ("profile_completed_text", "profile_completed", max),
    "last_meeting": ("last_meeting_text", "last_meeting", max),
    "next_meeting": ("next_meeting_text", "next_meeting", min),
}
TEXT_LIST_FIELDS = ["chairs", "other_names"]
SECTION_FIELDS = ["governance", "current_focus", "key_achievements", "aims", "key_challenges", "membership"]
PARTNERSHIP_KEYS = {
    "slug",
    "name",
    "statutory",
    "parent",
    "meetings",
    *TEXT_FIELDS,
    *DATED_TEXT_FIELDS,
    *TEXT_LIST_FIELDS,
    *SECTION_FIELDS,
}
FILE_KEYS = {"format", "source", "partnerships", "strategy_priorities"}


# -- dates as the papers write them ---------------------------------------------------------------

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
# "15 November 2018", "November 15th 2018", "2018-11-15". A month alone ("January 2019",
# "TBA February 2019") is not a meeting date: it gives none.
_DAY = re.compile(
    rf"""
      \b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH})\.?,?\s+(?P<y1>\d{{4}})\b
    | \b(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})\b
    | \b(?P<y3>\d{{4}})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}})\b
    """,
    re.VERBOSE | re.IGNORECASE,
)


class MalformedDate(ValueError):
    pass


def dates_in(text: str) -> list[datetime.date]:
    """Every day-date in a text as written, in order. Raises MalformedDate for one that cannot exist."""
    found = []
    for match in _DAY.finditer(text or ""):
        g = match.groupdict()
        if g["d1"]:
            day, month, year = int(g["d1"]), MONTHS[g["m1"].lower()], int(g["y1"])
        elif g["d2"]:
            day, month, year = int(g["d2"]), MONTHS[g["m2"].lower()], int(g["y2"])
        else:
            day, month, year = int(g["d3"]), int(g["m3"]), int(g["y3"])
        try:
            found.append(datetime.date(year, month, day))
        except ValueError:
            raise MalformedDate(f"{match.group(0)!r} is not a real date") from None
    return found


def read_partnerships_file(path: Path | str, source: str | None = None) -> Any:
    """Parse the file (YAML or JSON); a syntax error names the file and line."""
    return read_data_file(path, source or str(path), "a partnerships file")


# -- validation ---------------------------------------------------------------------------------------


@dataclass
class CleanMeeting:
    date: datetime.date
    date_text: str
    kind: str


@dataclass
class CleanPartnership:
    slug: str
    parent: str
    values: dict[str, Any]
    meetings: list = field(default_factory=list)


@dataclass
class CleanPriority:
    number: int | None  # None only in a file validation refuses
    text: str
    owner: str
    note: str


@dataclass
class CleanFile:
    source: str
    partnerships: list[CleanPartnership]
    priorities: list[CleanPriority]


def validate_partnerships(data: Any, source: str) -> CleanFile:
    """Check a partnerships-file structure. Returns a CleanFile or raises ImportFileError."""
    problems = Problems(source)
    data = read_mapping(data, problems, "file", FILE_KEYS)
    fmt = data.get("format", SUPPORTED_FORMAT)
    if fmt != SUPPORTED_FORMAT:
        problems.add("file", "format", f"format {fmt!r} is not supported (expected {SUPPORTED_FORMAT})")
    file_source = read_text(data.get("source"), problems, "file", "source")
    _check_lengths(Partnership, {"source": (file_source, "source")}, problems, "file")

    partnerships = []
    seen: set[str] = set()
    raw_list = read_list(data.get("partnerships"), problems, "file", "partnerships")
    if not raw_list and "partnerships" not in data:
        problems.add("file", "partnerships", "is missing")
    for index, raw in enumerate(raw_list):
        clean = _validate_partnership(raw, index, problems, seen)
        clean.values["source"] = file_source
        partnerships.append(clean)
    slugs = {p.slug for p in partnerships if p.slug}
    _check_hierarchy(partnerships, slugs, problems)

    priorities = _validate_priorities(data, problems, slugs)

    problems.raise_if_any()
    return CleanFile(source, _parents_first(partnerships), priorities)


def _validate_partnership(raw: Any, index: int, problems: Problems, seen: set[str]) -> CleanPartnership:
    item = f"partnerships[{index}]"
    raw = read_mapping(raw, problems, item)
    slug = read_slug(raw.get("slug"), problems, item, "slug")
    if slug:
        item = f"partnership '{slug}'"
        check_unique(slug, seen, problems, item, "slug", what="slug")
    for key in raw:
        if key not in PARTNERSHIP_KEYS:
            problems.unknown(item, key, PARTNERSHIP_KEYS)

    values: dict[str, Any] = {"name": read_text(raw.get("name"), problems, item, "name", required=True)}
    statutory = raw.get("statutory", False)
    if not isinstance(statutory, bool):
        problems.add(item, "statutory", f"must be true or false, not {statutory!r}")
    values["statutory"] = statutory is True
    for name in TEXT_FIELDS:
        values[name] = read_text(raw.get(name), problems, item, name)
    website = values["website"]
    if website and (" " in website or not website.lower().startswith(("http://", "https://", "www."))):
        problems.add(item, "website", f"{website!r} is not a web address (leave it blank for none)")
    for name in TEXT_LIST_FIELDS:
        values[name] = [
            read_text(value, problems, item, name, required=True)
            for value in read_list(raw.get(name), problems, item, name)
        ]
    for name in SECTION_FIELDS:
        value, section_problems = sections.clean(raw.get(name))
        for path, message in section_problems:
            problems.add(item, f"{name}{path}", message)
        values[name] = value

    meetings = _validate_meetings(raw, item, problems)
    meeting_dates = {m.date for m in meetings}
    for key, (text_field, date_field, pick) in DATED_TEXT_FIELDS.items():
        text = read_text(raw.get(key), problems, item, key)
        values[text_field], values[date_field] = text, None
        try:
            dates = dates_in(text)
        except MalformedDate as error:
            problems.add(item, key, str(error))
            continue
        values[date_field] = pick(dates) if dates else None
        if key != "profile_completed":
            for missing in sorted(set(dates) - meeting_dates):
                problems.add(item, key, f"{_day(missing)} is not one of its meetings (add it under meetings)")

    lengths = {name: (value, _FILE_KEY.get(name, name)) for name, value in {"slug": slug, **values}.items()}
    _check_lengths(Partnership, lengths, problems, item)
    parent = raw.get("parent")
    parent = read_text(parent, problems, item, "parent") if parent is not None else ""
    return CleanPartnership(slug=slug, parent=parent, values=values, meetings=meetings)


_FILE_KEY = {text_field: key for key, (text_field, _, _) in DATED_TEXT_FIELDS.items()}


def _check_lengths(model: Any, values: dict[str, tuple[Any, str]], problems: Problems, item: str) -> None:
    """Text longer than its column would fail the whole import at the database: say so here instead."""
    for name, (value, file_key) in values.items():
        limit = getattr(model._meta.get_field(name), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            problems.add(item, file_key, f"is {len(value)} characters long; at most {limit} fit")


def _day(date: datetime.date) -> str:
    return f"{date.day} {date:%B %Y}"


def _validate_meetings(raw: dict, item: str, problems: Problems) -> list[CleanMeeting]:
    meetings, dates = [], set()
    for index, raw_meeting in enumerate(read_list(raw.get("meetings"), problems, item, "meetings")):
        where = f"{item} meetings[{index}]"
        raw_meeting = read_mapping(raw_meeting, problems, where, {"date", "as_written", "kind"})
        date = read_date(raw_meeting.get("date"), problems, where, "date", required=True)
        as_written = read_text(raw_meeting.get("as_written"), problems, where, "as_written")
        kind = read_text(raw_meeting.get("kind"), problems, where, "kind")
        _check_lengths(Meeting, {"date_text": (as_written, "as_written"), "kind": (kind, "kind")}, problems, where)
        if date is None:
            continue
        if date in dates:
            problems.add(where, "date", f"{date} is listed twice")
        dates.add(date)
        try:
            written = dates_in(as_written)
        except MalformedDate as error:
            problems.add(where, "as_written", str(error))
            written = []
        if written and written != [date]:
            problems.add(where, "as_written", f"{as_written!r} does not say {_day(date)}")
        meetings.append(CleanMeeting(date, as_written, kind))
    return meetings


def _check_hierarchy(partnerships: list[CleanPartnership], slugs: set[str], problems: Problems) -> None:
    parent_of = {p.slug: p.parent for p in partnerships if p.slug}
    for clean in partnerships:
        if not clean.parent or not clean.slug:
            continue
        item = f"partnership '{clean.slug}'"
        if clean.parent not in slugs:
            problems.add(item, "parent", f"unknown partnership {clean.parent!r}")
            continue
        chain, current = [clean.slug], clean.parent
        while current and current not in chain and current in parent_of:
            chain.append(current)
            current = parent_of[current]
        if current == clean.slug:
            problems.add(item, "parent", "reports to itself: " + " → ".join([*chain, current]))


def _parents_first(partnerships: list[CleanPartnership]) -> list[CleanPartnership]:
    """File order, except that a board always comes after the board it reports to."""
    done, ordered = set(), []
    by_slug = {p.slug: p for p in partnerships}

    def add(clean: CleanPartnership) -> None:
        if clean.slug in done:
            return
        done.add(clean.slug)
        if clean.parent in by_slug:
            add(by_slug[clean.parent])
        ordered.append(clean)

    for position, clean in enumerate(partnerships):
        clean.values["position"] = position
    for clean in partnerships:
        add(clean)
    return ordered


def _validate_priorities(data: dict, problems: Problems, slugs: set[str]) -> list[CleanPriority]:
    priorities: list[CleanPriority] = []
    numbers: set[int] = set()
    for index, raw in enumerate(read_list(data.get("strategy_priorities"), problems, "file", "strategy_priorities")):
        item = f"strategy_priorities[{index}]"
        raw = read_mapping(raw, problems, item, {"number", "text", "owner", "note"})
        number = read_whole_number(raw.get("number"), problems, item, "number")
        if number is not None:
            item = f"JHWS priority {number}"
            check_unique(number, numbers, problems, item, "number", what="number")
        owner = read_text(raw.get("owner"), problems, item, "owner", required=True)
        if owner and owner not in slugs:
            problems.add(item, "owner", f"unknown partnership {owner!r}")
        priorities.append(
            CleanPriority(
                number=number,
                text=read_text(raw.get("text"), problems, item, "text", required=True),
                owner=owner,
                note=read_text(raw.get("note"), problems, item, "note"),
            )
        )
    return priorities


# -- saving ----------------------------------------------------------------------------------------------


@dataclass
class PartnershipsReport(ImportReport):
    partnerships: int = 0
    profiles: int = 0
    meetings: int = 0
    priorities: int = 0

    def __str__(self) -> str:
        return (
            f"{self.partnerships} boards ({self.profiles} with profiles), {self.meetings} meetings, "
            f"{self.priorities} JHWS priorities: {self.counts()}"
        )


@transaction.atomic
def save_partnerships(clean: CleanFile, user: Any = None) -> PartnershipsReport:
    """Write a validated file, only what changed, in bulk. All or nothing.

    Boards not in the file are left alone (plans will link to them; delete one in the admin). For
    the boards in the file, the file's meetings are the board's meetings; the file's priorities
    are the strategy's priorities.
    """
    report = PartnershipsReport(
        partnerships=len(clean.partnerships),
        profiles=sum(1 for p in clean.partnerships if p.values["profile_completed_text"]),
        meetings=sum(len(p.meetings) for p in clean.partnerships),
        priorities=len(clean.priorities),
    )
    writer = Writer(user=user)
    existing = Partnership.objects.in_bulk([cp.slug for cp in clean.partnerships], field_name="slug")
    boards: dict[str, Partnership] = {}
    # A level at a time, top boards first, so each board's parent is saved before it.
    for level in _levels(clean.partnerships):
        wanted = {
            cp.slug: {**cp.values, "slug": cp.slug, "parent_id": boards[cp.parent].pk if cp.parent else None}
            for cp in level
        }
        synced = writer.sync(Partnership, wanted, existing)
        report.add(synced)
        boards.update(synced.rows)

    held = by_key(Meeting.objects.filter(partnership__in=list(boards.values())), "partnership_id", "date")
    meetings = {
        (boards[cp.slug].pk, cm.date): {
            "partnership_id": boards[cp.slug].pk,
            "date": cm.date,
            "date_text": cm.date_text,
            "kind": cm.kind,
        }
        for cp in clean.partnerships
        for cm in cp.meetings
    }
    report.add(writer.sync(Meeting, meetings, held, remove=True))

    priorities = {
        cp.number: {"number": cp.number, "text": cp.text, "owner_id": boards[cp.owner].pk, "note": cp.note}
        for cp in clean.priorities
    }
    report.add(writer.sync(StrategyPriority, priorities, by_key(StrategyPriority.objects.all(), "number"), remove=True))
    return report


def _levels(partnerships: list[CleanPartnership]) -> list[list[CleanPartnership]]:
    """The boards by depth in the hierarchy (the file has no cycles: validation refused them)."""
    parent_of = {cp.slug: cp.parent for cp in partnerships}
    levels: dict[int, list[CleanPartnership]] = {}
    for cp in partnerships:
        depth, current = 0, cp.parent or None
        while current:
            depth, current = depth + 1, parent_of.get(current)
        levels.setdefault(depth, []).append(cp)
    return [levels[depth] for depth in sorted(levels)]


def import_partnerships_files(paths: Iterable[Path | str], user: Any = None) -> list[PartnershipsReport]:
    """Check every file first, then write them all in one transaction: any problem in any file
    changes nothing."""
    return import_all(
        paths,
        lambda path: validate_partnerships(read_partnerships_file(path), str(path)),
        lambda clean: save_partnerships(clean, user),
    )


def import_partnerships_file(path: Path | str) -> PartnershipsReport:
    """Validate the whole file, then write it in one transaction."""
    return import_partnerships_files([path])[0]
