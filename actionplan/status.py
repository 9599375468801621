"""The words of an action's status, with no models: RAG, delivery status and the RAG summary.

Kept apart from models.py and querysets.py so that both (and templates, forms, importers) can
import them without a circle.
"""

import calendar
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from django.db import models


class RAG(models.TextChoices):
    """What an officer reports: Red / Amber / Green, plus Complete and Not started."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    COMPLETE = "complete", "Complete"
    NOT_STARTED = "not_started", "Not started"

    @classmethod
    def for_status(cls, words: object) -> "RAG | None":
        """The RAG a paper's status words mean ("Good progress" is Green), or None if unknown."""
        said = " ".join(str(words).split()).lower()
        return STATUS_WORDS.get(said) or next((c for c in cls if said in (c.value, c.label.lower())), None)


# Status words the papers use, and what they mean in the product's RAG. "Some progress" is Amber:
# the HIC paper adds "but all organisations need to demonstrate progress". The rest report work
# under way with no risk named, so Green; Red is never inferred from words.
STATUS_WORDS: dict[str, RAG] = {
    "complete": RAG.COMPLETE,
    "completed": RAG.COMPLETE,
    "in progress": RAG.GREEN,
    "good progress": RAG.GREEN,
    "ccg progress": RAG.GREEN,
    "on track": RAG.GREEN,
    "some progress": RAG.AMBER,
    "not started": RAG.NOT_STARTED,
}


# The order RAG counts are shown and stacked in: worst first.
RAG_ORDER = [RAG.RED, RAG.AMBER, RAG.GREEN, RAG.COMPLETE, RAG.NOT_STARTED]


class DeliveryStatus(models.TextChoices):
    COMPLETE = "complete", "Complete"
    OVERDUE = "overdue", "Overdue"
    DUE_SOON = "due_soon", "Due soon"
    ON_TRACK = "on_track", "On track"
    NO_DATE = "no_date", "No date set"


@dataclass
class RagSummary:
    """Counts of actions by RAG, plus the exceptions a board asks about. Summaries add up."""

    red: int = 0
    amber: int = 0
    green: int = 0
    complete: int = 0
    not_started: int = 0
    total: int = 0
    overdue: int = 0
    due_soon: int = 0
    no_date: int = 0
    stale: int = 0
    slipped: int = 0
    disagreements: int = 0

    # The with_rag() annotations a summary is counted from.
    GROUPS: ClassVar = ("rag", "delivery_status", "is_stale", "has_slipped", "rag_disagrees")
    # What each figure counts: the actions whose with_rag() annotation has this value (total: all).
    FIGURES: ClassVar[dict[str, tuple[str, Any] | None]] = {
        **{rag.value: ("rag", rag.value) for rag in RAG},
        "total": None,
        **{
            status.value: ("delivery_status", status.value)
            for status in (DeliveryStatus.OVERDUE, DeliveryStatus.DUE_SOON, DeliveryStatus.NO_DATE)
        },
        "stale": ("is_stale", True),
        "slipped": ("has_slipped", True),
        "disagreements": ("rag_disagrees", True),
    }

    @classmethod
    def counts_in(cls, figure: str, picture: Sequence[Any]) -> bool:
        """Whether an action with this picture (the values of GROUPS) counts in `figure`."""
        counted = cls.FIGURES[figure]
        return counted is None or picture[cls.GROUPS.index(counted[0])] == counted[1]

    def add(self, picture: Sequence[Any], n: int) -> None:
        """Count `n` actions with this RAG picture: the values of GROUPS."""
        for name, index, value in _COUNTED:
            if index is None or picture[index] == value:
                setattr(self, name, getattr(self, name) + n)

    @classmethod
    def of(cls, pictures: Iterable[Sequence[Any]]) -> "RagSummary":
        """The summary of these actions' pictures (each the values of GROUPS)."""
        summary = cls()
        for picture in pictures:
            summary.add(picture, 1)
        return summary

    def __add__(self, other: "RagSummary") -> "RagSummary":
        return RagSummary(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def segments(self) -> list[tuple[RAG, int, float]]:
        """(RAG, count, percent of total) in the order the dashboard stacks them, without empty ones."""
        return [
            (RAG(rag), getattr(self, rag), 100 * getattr(self, rag) / self.total)
            for rag in RAG_ORDER
            if getattr(self, rag)
        ]

    def rag_counts(self) -> list[tuple[RAG, int]]:
        """(RAG, count) for every RAG, for tables with a column per colour."""
        return [(RAG(rag), getattr(self, rag)) for rag in RAG_ORDER]


def time_past(since: datetime.date, on: datetime.date) -> str:
    """How long after `since` `on` is, as people say it: "12 days", "1 month", "3 years 2 months".

    Whole calendar months once there is at least one (a month-end counts as a full month: 31 May
    to 30 June is "1 month"); days before that. Pages show it with the exact days beside it, so
    this is the one place long overdue (or long slipped) periods are put into words."""
    days = (on - since).days
    months = (on.year - since.year) * 12 + on.month - since.month
    if on.day < since.day and on.day != calendar.monthrange(on.year, on.month)[1]:
        months -= 1
    if months < 1:
        return f"{days} day{'' if days == 1 else 's'}"
    years, months = divmod(months, 12)
    parts = [f"{years} year{'' if years == 1 else 's'}"] if years else []
    parts += [f"{months} month{'' if months == 1 else 's'}"] if months else []
    return " ".join(parts)


class ReturnStatus(models.TextChoices):
    """Where an action stands in an update round (querysets.ReturnRules decides it)."""

    AWAITING_UPDATE = "awaiting_update", "Awaiting update"
    RETURNED = "returned", "Returned for changes"
    AWAITING_SIGN_OFF = "awaiting_sign_off", "Updated (awaiting sign-off)"
    SIGNED_OFF = "signed_off", "Signed off"
    # In a plan that does not ask for sign-off, the update is the return.
    UPDATED = "updated", "Updated (no sign-off needed)"
    NOT_REQUIRED = "not_required", "Not required (closed or complete)"

    @classmethod
    def outstanding(cls) -> list["ReturnStatus"]:
        """What still needs the responsible officer: no update yet, or one sent back."""
        return [cls.AWAITING_UPDATE, cls.RETURNED]

    @classmethod
    def done(cls) -> list["ReturnStatus"]:
        """What needs nothing more for the round."""
        return [cls.SIGNED_OFF, cls.UPDATED, cls.NOT_REQUIRED]


# The order a round's figures are shown in: what needs doing first.
RETURN_ORDER = list(ReturnStatus)


@dataclass
class ReturnSummary:
    """Counts of a round's actions by return status. Summaries add up."""

    awaiting_update: int = 0
    returned: int = 0
    awaiting_sign_off: int = 0
    signed_off: int = 0
    updated: int = 0
    not_required: int = 0
    total: int = 0

    # The with_return_status() annotation a summary is counted from.
    GROUPS: ClassVar = ("return_status",)

    def add(self, picture: Sequence[Any], n: int) -> None:
        (status,) = picture
        setattr(self, status, getattr(self, status) + n)
        self.total += n

    def __add__(self, other: "ReturnSummary") -> "ReturnSummary":
        return ReturnSummary(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def outstanding(self) -> int:
        return sum(getattr(self, status) for status in ReturnStatus.outstanding())

    @property
    def complete(self) -> int:
        return sum(getattr(self, status) for status in ReturnStatus.done())

    def percent(self, count: int) -> int:
        """`count` as a whole percentage of the total (rounded down, so 100% means all)."""
        return 100 * count // self.total if self.total else 0

    @property
    def percent_complete(self) -> int:
        return self.percent(self.complete)

    def counts(self) -> list[tuple[ReturnStatus, int, int]]:
        """(status, count, percent) for every status, in RETURN_ORDER."""
        return [(status, getattr(self, status), self.percent(getattr(self, status))) for status in RETURN_ORDER]


# RagSummary.FIGURES as (figure, index in a picture or None for all, value), for add()'s loop.
_COUNTED = [
    (name, None, None) if counted is None else (name, RagSummary.GROUPS.index(counted[0]), counted[1])
    for name, counted in RagSummary.FIGURES.items()
]
