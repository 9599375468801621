"""The dates a user may ask about (as at, since, on, reporting periods), for every app's forms.

Reports count days from the date asked for (a plan's due-soon window, staleness period, the
previous meeting), so a date near the ends of the calendar (9999-12-31, 0001-01-01) would overflow
Python's dates: such a date is a form error, not a server error.
"""

import datetime

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2999, 12, 31)


def is_reporting_year(year):
    return EARLIEST.year <= year <= LATEST.year
