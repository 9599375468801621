"""The dates a user may ask about (as at, since, on, reporting periods), for every app's forms.

Reports count days from the date asked for (a plan's due-soon window, staleness period, the
previous meeting), so a date near the ends of the calendar (9999-12-31, 0001-01-01) would overflow
Python's dates: such a date is a form error, not a server error.
"""

import datetime

from django.core.exceptions import ValidationError

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2999, 12, 31)
OUT_OF_RANGE = f"Enter a date between {EARLIEST:%-d %B %Y} and {LATEST:%-d %B %Y}."


def validate_reporting_date(value):
    if value is not None and not EARLIEST <= value <= LATEST:
        raise ValidationError(OUT_OF_RANGE, code="out_of_range")


def is_reporting_year(year):
    return EARLIEST.year <= year <= LATEST.year
