"""Reading one value of a file: each reader returns a clean value, or records the problem (naming
the item and field) and returns an empty one, so validation goes on and reports everything."""

import calendar
import datetime
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from config.importing.problems import Problems

# Month names as the papers write them: "May", "November", "Nov", "Sept".
MONTHS: dict[str, int] = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
MONTHS["sept"] = 9

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SLUG = re.compile(r"^[-a-z0-9]+$")
# Numbers a paper prints with thousands separators or a percent sign still read: "12,000", "67%".
_LARGEST = Decimal("1e12")


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def read_text(value: Any, problems: Problems, item: str, name: str, required: bool = False) -> str:
    """Plain text. A one-line text has its runs of spaces folded to one; a text of several lines
    (paragraphs, lists) keeps its lines. Numbers are taken as written."""
    if value is None or value == "":
        if required:
            problems.add(item, name, "is missing")
        return ""
    if isinstance(value, (bool, list, dict)):
        problems.add(item, name, f"must be text, not {type(value).__name__}")
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    if "\n" in text:
        return text
    return " ".join(text.split())


def read_list(value: Any, problems: Problems, item: str, name: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(item, name, "must be a list")
        return []
    return value


def read_mapping(value: Any, problems: Problems, item: str, allowed: Iterable[str] | None = None) -> dict:
    """A mapping of field: value; with `allowed`, any other field is refused with the nearest
    allowed one suggested (it is most likely a typo)."""
    if not isinstance(value, dict):
        problems.add(item, None, "must be a mapping of field: value")
        return {}
    if allowed is not None:
        allowed = set(allowed)
        for key in value:
            if key not in allowed:
                problems.unknown(item, key, allowed)
    return value


def read_date(value: Any, problems: Problems, item: str, name: str, required: bool = False) -> datetime.date | None:
    """A day written as YYYY-MM-DD (or already a date, as a spreadsheet gives it)."""
    if value is None or value == "":
        if required:
            problems.add(item, name, "is missing")
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    try:
        if not _ISO_DAY.match(text):
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        problems.add(item, name, f"{value!r} is not a date written as YYYY-MM-DD")
        return None


def read_decimal(value: Any, problems: Problems, item: str, name: str, required: bool = False) -> Decimal | None:
    """A number: 12000, "12,000", "67%" and "-1.4" all read; None when blank."""
    if value is None or value == "":
        if required:
            problems.add(item, name, "is missing")
        return None
    if isinstance(value, bool):
        problems.add(item, name, f"{value!r} is not a number")
        return None
    text = str(value).strip().replace(",", "")
    if text.endswith("%"):
        text = text[:-1].strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        problems.add(item, name, f"{value!r} is not a number")
        return None
    if not number.is_finite() or abs(number) >= _LARGEST:
        problems.add(item, name, f"{value!r} is not a number that can be stored")
        return None
    return number


def read_whole_number(value: Any, problems: Problems, item: str, name: str) -> int | None:
    """A whole number from 1 (a recommendation, a theme, a priority's number); required."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.add(item, name, "is missing" if value is None else f"{value!r} is not a whole number from 1")
        return None
    return int(value)


def read_slug(value: Any, problems: Problems, item: str, name: str) -> str:
    """A required slug (used in URLs): lower-case letters, digits and hyphens."""
    slug = read_text(value, problems, item, name, required=True)
    if slug and not _SLUG.match(slug):
        problems.add(item, name, f"{slug!r} may hold only lower-case letters, digits and hyphens")
    return slug


def check_unique(value: Any, seen: set, problems: Problems, item: str, name: str, what: str = "code") -> None:
    """Record `value` as seen; a second one is a problem ("duplicate code 'A1'")."""
    if value in (None, ""):
        return
    if value in seen:
        problems.add(item, name, f"duplicate {what} {value!r}")
    seen.add(value)


T = TypeVar("T")


def read_choice(
    value: Any,
    choices: Mapping[str, T],
    problems: Problems,
    item: str,
    name: str,
    what: str,
    use: str,
    required: bool = False,
) -> T | None:
    """One of a fixed set of words, in any case: `choices` maps each word, in lower case, to what
    it means ("g" and "green" to Green). Blank gives None; anything else is named with the words
    to `use` instead."""
    text = read_text(value, problems, item, name, required=required)
    if not text:
        return None
    if text.lower() in choices:
        return choices[text.lower()]
    problems.add(item, name, f"unknown {what} {text!r} (use {use})")
    return None


def read_texts(
    raw: Mapping[str, Any], problems: Problems, item: str, names: Mapping[str, str], required: Iterable[str] = ()
) -> dict[str, str]:
    """Several text fields of one item: {attribute: text} for each file key → attribute in `names`."""
    required = set(required)
    return {
        attribute: read_text(raw.get(key), problems, item, key, required=key in required)
        for key, attribute in names.items()
    }
