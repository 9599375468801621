"""Completion dates as the papers write them, and the due dates they mean.

The rule, decided once: a day ("31/05/18", "19/07/18 (HWB)") is that day; a month ("May 2018",
"Nov 2017", "AEDB April 18") is the last day of that month; several dates are milestones labelled by
the words in brackets after each, and the action is due at the latest; words with no date ("TBC
subject to completion of review") give no due date.
"""

import datetime
import re
from dataclasses import dataclass, field

from config.importing.readers import MONTHS, month_end

_DATE = re.compile(
    r"""
    (?:
        \b(?P<iso_y>\d{4})-(?P<iso_m>\d{1,2})-(?P<iso_d>\d{1,2})\b
      | \b(?P<day>\d{1,2})[/.](?P<month>\d{1,2})[/.](?P<year>\d{4}|\d{2})\b
      | \b(?P<month_name>[A-Za-z]{3,9})\.?\s+(?P<month_year>\d{4}|\d{2})\b
    )
    (?:\s*\((?P<label>[^)]*)\))?
    """,
    re.VERBOSE,
)


class MalformedDate(ValueError):
    pass


@dataclass(frozen=True)
class Milestone:
    label: str
    due_date: datetime.date


@dataclass(frozen=True)
class CompletionDate:
    text: str
    milestones: list = field(default_factory=list)

    @property
    def due_date(self):
        return max((m.due_date for m in self.milestones), default=None)

    @property
    def has_milestones(self):
        return len(self.milestones) > 1


def _year(digits):
    year = int(digits)
    return year + 2000 if len(digits) == 2 else year


def parse_completion_date(text):
    """Parse a completion date as written. Raises MalformedDate for a date that cannot exist."""
    text = " ".join((text or "").split())
    milestones = []
    for match in _DATE.finditer(text):
        groups = match.groupdict()
        label = (groups["label"] or "").strip()
        try:
            if groups["iso_y"]:
                due = datetime.date(int(groups["iso_y"]), int(groups["iso_m"]), int(groups["iso_d"]))
            elif groups["day"]:
                due = datetime.date(_year(groups["year"]), int(groups["month"]), int(groups["day"]))
            else:
                month = MONTHS.get(groups["month_name"].lower())
                if month is None:
                    continue  # "Phase 18", "Week 12": a word and a number, not a month.
                due = month_end(_year(groups["month_year"]), month)
        except ValueError:
            raise MalformedDate(f"{match.group(0).strip()!r} is not a real date") from None
        milestones.append(Milestone(label=label, due_date=due))
    return CompletionDate(text=text, milestones=milestones)
