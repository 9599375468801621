"""Reporting periods as the papers name them: "Q2 2017-18", "2022-23", "July 2024", "12 months to June 2024".

Quarters and years are the council's financial year (1 April to 31 March): Q1 is April–June, so
"Q2 2017-18" is 1 July – 30 September 2017. Every label has one canonical spelling ("2022/23" is
read as "2022-23", "Jul 24" as "July 2024") so a period typed twice is one row.
"""

import calendar
import datetime
import re
from dataclasses import dataclass

from config.dates import EARLIEST, LATEST, is_reporting_year
from config.importing.readers import MONTHS, month_end

QUARTER = "quarter"
MONTH = "month"
YEAR = "year"
TWELVE_MONTHS = "twelve_months"


_QUARTER = re.compile(r"^q\s*([1-4])\s+(\d{4})\s*[-/]\s*(\d{2})$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})\s*[-/]\s*(\d{2})$")
_MONTH = re.compile(r"^([a-z]+)\.?\s+(\d{2}|\d{4})$", re.IGNORECASE)
_TWELVE = re.compile(r"^12 months to\s+([a-z]+)\.?\s+(\d{2}|\d{4})$", re.IGNORECASE)


class BadPeriod(ValueError):
    pass


@dataclass(frozen=True)
class PeriodSpec:
    kind: str
    label: str
    start: datetime.date
    end: datetime.date


def _financial_year(first, second, text):
    first = int(first)
    if (first + 1) % 100 != int(second):
        raise BadPeriod(f"{text!r} is not a financial year: {second} does not follow {first}")
    return first


def _month_year(month_word, year_text, text):
    month = MONTHS.get(month_word.lower())
    if month is None:
        raise BadPeriod(f"{text!r}: {month_word!r} is not a month")
    year = int(year_text)
    return month, (2000 + year if year < 100 else year)


def parse_period(text):
    """The canonical PeriodSpec for a label, or BadPeriod saying what is wrong with it."""
    try:
        spec = _parse_period(text)
    except BadPeriod:
        raise
    except ValueError:  # a year Python's dates cannot hold, e.g. "Q4 9999-00"
        spec = None
    if spec is None or not (is_reporting_year(spec.start.year) and is_reporting_year(spec.end.year)):
        raise BadPeriod(f"{text!r}: the year must be between {EARLIEST.year} and {LATEST.year}")
    return spec


def _parse_period(text):
    text = " ".join(str(text or "").split())
    if not text:
        raise BadPeriod("no period given")
    if match := _QUARTER.match(text):
        quarter = int(match[1])
        first = _financial_year(match[2], match[3], text)
        start_month = 4 + 3 * (quarter - 1)
        year = first if start_month <= 12 else first + 1
        start_month = (start_month - 1) % 12 + 1
        start = datetime.date(year, start_month, 1)
        return PeriodSpec(
            QUARTER, f"Q{quarter} {first}-{(first + 1) % 100:02d}", start, month_end(year, start_month + 2)
        )
    if match := _YEAR.match(text):
        first = _financial_year(match[1], match[2], text)
        return PeriodSpec(
            YEAR, f"{first}-{(first + 1) % 100:02d}", datetime.date(first, 4, 1), datetime.date(first + 1, 3, 31)
        )
    if match := _TWELVE.match(text):
        month, year = _month_year(match[1], match[2], text)
        end = month_end(year, month)
        start = month_end(year - 1, month) + datetime.timedelta(days=1)
        return PeriodSpec(TWELVE_MONTHS, f"12 months to {calendar.month_name[month]} {year}", start, end)
    if match := _MONTH.match(text):
        month, year = _month_year(match[1], match[2], text)
        return PeriodSpec(
            MONTH, f"{calendar.month_name[month]} {year}", datetime.date(year, month, 1), month_end(year, month)
        )
    raise BadPeriod(
        f"{text!r} is not a period: write a quarter (Q2 2017-18), a financial year (2017-18), "
        "a month (July 2024) or 12 months to a month (12 months to June 2024)"
    )


def next_label(kind: str, end: datetime.date) -> str:
    """The label of the period of the same kind that follows one ending on `end` (a suggestion)."""
    start = end + datetime.timedelta(days=1)
    if kind == QUARTER:
        first = start.year if start.month >= 4 else start.year - 1
        quarter = ((start.month - 4) % 12) // 3 + 1
        return f"Q{quarter} {first}-{(first + 1) % 100:02d}"
    if kind == YEAR:
        return f"{start.year}-{(start.year + 1) % 100:02d}"
    if kind == MONTH:
        return f"{calendar.month_name[start.month]} {start.year}"
    if kind == TWELVE_MONTHS:
        return f"12 months to {calendar.month_name[end.month]} {end.year + 1}"
    return ""
