"""The partnerships file: boards, their hierarchy and meetings, and the JHWS priorities they own.

Same habits as the plan importers: `validate_partnerships` checks the whole file and reports every
problem at once, naming the file, the item and the field; `save_partnerships` writes a valid file
in one transaction, updating in place, so a re-import duplicates nothing. See
docs/partnerships-file-format.md.
"""

import calendar
import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction

from config.importing import upsert
from partnerships import sections
from partnerships.models import Meeting, Partnership, StrategyPriority

SUPPORTED_FORMAT = 1
SUFFIXES = {".yaml", ".yml"}
_SLUG = re.compile(r"^[-a-z0-9]+$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

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


class PartnershipFileError(Exception):
    """A partnerships file that cannot be imported; `errors` lists every problem found."""

    def __init__(self, source, errors):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: {len(errors)} error(s)\n" + "\n".join(f"  {e}" for e in errors))


class _Problems:
    def __init__(self, source):
        self.source = source
        self.errors = []

    def add(self, item, field_name, message):
        where = f"{item}, field '{field_name}'" if field_name else item
        self.errors.append(f"{self.source}: {where}: {message}")


# -- dates as the papers write them ---------------------------------------------------------------

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
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


def dates_in(text):
    """Every day-date in a text as written, in order. Raises MalformedDate for one that cannot exist."""
    found = []
    for match in _DAY.finditer(text or ""):
        g = match.groupdict()
        if g["d1"]:
            day, month, year = int(g["d1"]), _MONTHS[g["m1"].lower()], int(g["y1"])
        elif g["d2"]:
            day, month, year = int(g["d2"]), _MONTHS[g["m2"].lower()], int(g["y2"])
        else:
            day, month, year = int(g["d3"]), int(g["m3"]), int(g["y3"])
        try:
            found.append(datetime.date(year, month, day))
        except ValueError:
            raise MalformedDate(f"{match.group(0)!r} is not a real date") from None
    return found


# -- reading the file -------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML without implicit dates: a bad date reaches validation, which names its item and field."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_partnerships_file(path):
    """Parse the file; a syntax error names the file and line."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise PartnershipFileError(str(path), [f"{path}: not a partnerships file (expected .yaml or .yml)"])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PartnershipFileError(str(path), [f"{path}: cannot be read: {error}"]) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark else ""
        raise PartnershipFileError(str(path), [f"{path}: {line}{getattr(error, 'problem', error)}"]) from None


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
    values: dict
    meetings: list = field(default_factory=list)


@dataclass
class CleanPriority:
    number: int
    text: str
    owner: str
    note: str


@dataclass
class CleanFile:
    source: str
    partnerships: list
    priorities: list


def _text(value, problems, item, name, required=False):
    if value is None or value == "":
        if required:
            problems.add(item, name, "is missing")
        return ""
    if isinstance(value, (bool, list, dict)):
        problems.add(item, name, f"must be text, not {type(value).__name__}")
        return ""
    return " ".join(str(value).split())


def _list(value, problems, item, name):
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(item, name, "must be a list")
        return []
    return value


def _mapping(value, problems, item, known_keys=None):
    if not isinstance(value, dict):
        problems.add(item, None, "must be a mapping of field: value")
        return {}
    if known_keys is not None:
        for key in value:
            if key not in known_keys:
                problems.add(item, key, "is not a field of the partnerships file (misspelt?)")
    return value


def validate_partnerships(data, source):
    """Check a partnerships-file structure. Returns a CleanFile or raises PartnershipFileError."""
    problems = _Problems(source)
    data = _mapping(data, problems, "file", FILE_KEYS)
    fmt = data.get("format", SUPPORTED_FORMAT)
    if fmt != SUPPORTED_FORMAT:
        problems.add("file", "format", f"format {fmt!r} is not supported (expected {SUPPORTED_FORMAT})")
    file_source = _text(data.get("source"), problems, "file", "source")
    _check_lengths(Partnership, {"source": (file_source, "source")}, problems, "file")

    partnerships = []
    seen = set()
    raw_list = _list(data.get("partnerships"), problems, "file", "partnerships")
    if not raw_list and "partnerships" not in data:
        problems.add("file", "partnerships", "is missing")
    for index, raw in enumerate(raw_list):
        clean = _validate_partnership(raw, index, problems, seen)
        clean.values["source"] = file_source
        partnerships.append(clean)
    slugs = {p.slug for p in partnerships if p.slug}
    _check_hierarchy(partnerships, slugs, problems)

    priorities = _validate_priorities(data, problems, slugs)

    if problems.errors:
        raise PartnershipFileError(source, problems.errors)
    return CleanFile(source, _parents_first(partnerships), priorities)


def _validate_partnership(raw, index, problems, seen):
    item = f"partnerships[{index}]"
    raw = _mapping(raw, problems, item)
    slug = _text(raw.get("slug"), problems, item, "slug", required=True)
    if slug:
        item = f"partnership '{slug}'"
        if not _SLUG.match(slug):
            problems.add(item, "slug", f"{slug!r} may hold only lower-case letters, digits and hyphens")
        if slug in seen:
            problems.add(item, "slug", f"duplicate slug {slug!r}")
        seen.add(slug)
    for key in raw:
        if key not in PARTNERSHIP_KEYS:
            problems.add(item, key, "is not a field of a partnership (misspelt?)")

    values = {"name": _text(raw.get("name"), problems, item, "name", required=True)}
    statutory = raw.get("statutory", False)
    if not isinstance(statutory, bool):
        problems.add(item, "statutory", f"must be true or false, not {statutory!r}")
    values["statutory"] = statutory is True
    for name in TEXT_FIELDS:
        values[name] = _text(raw.get(name), problems, item, name)
    website = values["website"]
    if website and (" " in website or not website.lower().startswith(("http://", "https://", "www."))):
        problems.add(item, "website", f"{website!r} is not a web address (leave it blank for none)")
    for name in TEXT_LIST_FIELDS:
        values[name] = [
            _text(value, problems, item, name, required=True) for value in _list(raw.get(name), problems, item, name)
        ]
    for name in SECTION_FIELDS:
        value, section_problems = sections.clean(raw.get(name))
        for path, message in section_problems:
            problems.add(item, f"{name}{path}", message)
        values[name] = value

    meetings = _validate_meetings(raw, item, problems)
    meeting_dates = {m.date for m in meetings}
    for key, (text_field, date_field, pick) in DATED_TEXT_FIELDS.items():
        text = _text(raw.get(key), problems, item, key)
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
    parent = _text(parent, problems, item, "parent") if parent is not None else ""
    return CleanPartnership(slug=slug, parent=parent, values=values, meetings=meetings)


_FILE_KEY = {text_field: key for key, (text_field, _, _) in DATED_TEXT_FIELDS.items()}


def _check_lengths(model, values, problems, item):
    """Text longer than its column would fail the whole import at the database: say so here instead."""
    for name, (value, file_key) in values.items():
        limit = getattr(model._meta.get_field(name), "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            problems.add(item, file_key, f"is {len(value)} characters long; at most {limit} fit")


def _day(date):
    return f"{date.day} {date:%B %Y}"


def _validate_meetings(raw, item, problems):
    meetings, dates = [], set()
    for index, raw_meeting in enumerate(_list(raw.get("meetings"), problems, item, "meetings")):
        where = f"{item} meetings[{index}]"
        raw_meeting = _mapping(raw_meeting, problems, where, {"date", "as_written", "kind"})
        date_value = _text(raw_meeting.get("date"), problems, where, "date", required=True)
        date = None
        if date_value:
            try:
                if not _ISO_DAY.match(date_value):
                    raise ValueError
                date = datetime.date.fromisoformat(date_value)
            except ValueError:
                problems.add(where, "date", f"{date_value!r} is not a date written as YYYY-MM-DD")
        as_written = _text(raw_meeting.get("as_written"), problems, where, "as_written")
        kind = _text(raw_meeting.get("kind"), problems, where, "kind")
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


def _check_hierarchy(partnerships, slugs, problems):
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


def _parents_first(partnerships):
    """File order, except that a board always comes after the board it reports to."""
    done, ordered = set(), []
    by_slug = {p.slug: p for p in partnerships}

    def add(clean):
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


def _validate_priorities(data, problems, slugs):
    priorities, numbers = [], set()
    for index, raw in enumerate(_list(data.get("strategy_priorities"), problems, "file", "strategy_priorities")):
        item = f"strategy_priorities[{index}]"
        raw = _mapping(raw, problems, item, {"number", "text", "owner", "note"})
        number = raw.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            problems.add(item, "number", "must be a whole number from 1" if number is not None else "is missing")
            number = None
        else:
            item = f"JHWS priority {number}"
            if number in numbers:
                problems.add(item, "number", f"duplicate number {number}")
            numbers.add(number)
        owner = _text(raw.get("owner"), problems, item, "owner", required=True)
        if owner and owner not in slugs:
            problems.add(item, "owner", f"unknown partnership {owner!r}")
        priorities.append(
            CleanPriority(
                number=number,
                text=_text(raw.get("text"), problems, item, "text", required=True),
                owner=owner,
                note=_text(raw.get("note"), problems, item, "note"),
            )
        )
    return priorities


# -- saving ----------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    partnerships: int = 0
    profiles: int = 0
    meetings: int = 0
    priorities: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0

    def __str__(self):
        return (
            f"{self.partnerships} boards ({self.profiles} with profiles), {self.meetings} meetings, "
            f"{self.priorities} JHWS priorities: "
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.removed} removed"
        )


@transaction.atomic
def save_partnerships(clean):
    """Write a validated file, updating in place. All or nothing.

    Boards not in the file are left alone (plans will link to them; delete one in the admin). For
    the boards in the file, the file's meetings are the board's meetings; the file's priorities
    are the strategy's priorities.
    """
    report = ImportReport(
        partnerships=len(clean.partnerships),
        profiles=sum(1 for p in clean.partnerships if p.values["profile_completed_text"]),
        meetings=sum(len(p.meetings) for p in clean.partnerships),
        priorities=len(clean.priorities),
    )
    boards = {}
    for cp in clean.partnerships:
        values = {**cp.values, "parent": boards.get(cp.parent)}
        board = boards[cp.slug] = upsert(Partnership, report, {"slug": cp.slug}, values)
        for cm in cp.meetings:
            upsert(
                Meeting, report, {"partnership": board, "date": cm.date}, {"date_text": cm.date_text, "kind": cm.kind}
            )
        gone = board.meetings.exclude(date__in=[cm.date for cm in cp.meetings])
        report.removed += gone.count()
        for meeting in gone:
            meeting.delete()  # one by one, so each removal is in the history

    for cp in clean.priorities:
        upsert(
            StrategyPriority,
            report,
            {"number": cp.number},
            {"text": cp.text, "owner": boards[cp.owner], "note": cp.note},
        )
    gone = StrategyPriority.objects.exclude(number__in=[cp.number for cp in clean.priorities])
    report.removed += gone.count()
    for priority in gone:
        priority.delete()
    return report


def import_partnerships_file(path):
    """Validate the whole file, then write it in one transaction. Returns an ImportReport."""
    return save_partnerships(validate_partnerships(read_partnerships_file(path), str(path)))
