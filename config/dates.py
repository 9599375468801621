"""The dates a user may ask about (as at, since, on, reporting periods), for every app's forms.

Reports count days from the date asked for (a plan's due-soon window, staleness period, the
previous meeting), so a date near the ends of the calendar (9999-12-31, 0001-01-01) would overflow
Python's dates: such a date is a form error, not a server error.
"""

import datetime
import functools

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2999, 12, 31)


def is_reporting_year(year):
    return EARLIEST.year <= year <= LATEST.year


# -- Working days ----------------------------------------------------------------------------------
# Deadlines before a board meeting count working days: Monday to Friday, England's bank holidays
# excluded. The holidays come from the `holidays` library (maintained, with substitute days and
# one-off holidays such as a coronation), never typed in here.


@functools.cache
def _bank_holidays(year: int) -> frozenset[datetime.date]:
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def working_days_before(day: datetime.date, count: int) -> datetime.date:
    """The working day `count` working days before `day` (10 before a Thursday meeting with no
    bank holiday between is the Thursday two weeks earlier)."""
    while count > 0:
        day -= datetime.timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day
