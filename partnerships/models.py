from __future__ import annotations

import datetime
import operator
from functools import reduce
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.urls import reverse
from simple_history.models import HistoricalRecords

from partnerships import sections

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class Organisation(models.Model):
    """A partner organisation: the county council, an NHS trust, the CCG, a voluntary body."""

    code = models.CharField(max_length=32, unique=True, help_text="Short name used in the papers, e.g. OCC.")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PartnershipQuerySet(models.QuerySet["Partnership"]):
    def roots(self) -> Self:
        """Boards that report to no other board here (the HWB, the safeguarding boards, …)."""
        return self.filter(parent__isnull=True)

    def profiled(self) -> Self:
        """Boards with a profile of their own in the annual partnerships update (13 in 2018)."""
        return self.exclude(profile_completed_text="")

    def statutory(self) -> Self:
        return self.filter(statutory=True)

    def public(self) -> Self:
        """Boards with a public profile: those assuring a published plan, directly or through a
        sub-board (as a board's profile counts its plans). Two queries."""
        parents = dict(Partnership.objects.values_list("pk", "parent_id"))
        public: set[int] = set()
        # `plans`: the plans a board assures (actionplan's Plan.board), read through the relation.
        assuring = Partnership.objects.filter(plans__is_published=True).values_list("pk", flat=True).distinct()
        for board_id in assuring:
            board: int | None = board_id
            while board is not None and board not in public:
                public.add(board)
                board = parents.get(board)
        return self.filter(pk__in=public)

    def for_tree(self) -> Self:
        """Only what a tree of boards shows, leaving the long profile sections behind."""
        return self.only(
            "slug",
            "name",
            "short_name",
            "statutory",
            "parent",
            "position",
            "chairs",
            "vice_chair",
            "profile_completed_text",
            "next_meeting_text",
            "next_meeting",
        )

    def with_next_meeting(self, on: datetime.date) -> Self:
        """Annotate `next_meeting_on`: the first recorded meeting on or after `on`, or None."""
        first = Meeting.objects.upcoming(on).filter(partnership=OuterRef("pk")).order_by("date")
        return self.annotate(next_meeting_on=Subquery(first.values("date")[:1]))

    def administered_by(self, user: User | AnonymousUser) -> Self:
        """The boards `user` is an admin of (Partnership.admins) and every board under them, at any
        depth: a board's admin runs its update rounds and records its decisions, and reads the plans
        it assures through its sub-boards. All boards for a superuser, none for anyone signed out.

        One recursive query inside this queryset's own, so visible_to() filters stay one query."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        boards = Partnership._meta.db_table
        admins = Partnership.admins.through._meta.db_table
        family = RawSQL(
            f"WITH RECURSIVE family(id) AS (SELECT partnership_id FROM {admins} WHERE user_id = %s "
            f"UNION SELECT board.id FROM {boards} board JOIN family ON board.parent_id = family.id) "
            "SELECT id FROM family",
            [user.pk],
        )
        return self.filter(pk__in=family)

    def tree(self) -> list[Partnership]:
        """The boards as a forest, in one query: the roots, each with `.children` (nested) and
        `.depth`. Evaluates this queryset."""
        boards = list(self)
        by_parent: dict[int | None, list[Partnership]] = {}
        for board in boards:
            by_parent.setdefault(board.parent_id, []).append(board)
        known = {board.pk for board in boards}
        roots = [b for b in boards if b.parent_id is None or b.parent_id not in known]

        def attach(board: Partnership, depth: int) -> None:
            board.depth = depth
            board.children = by_parent.get(board.pk, [])
            for child in board.children:
                attach(child, depth + 1)

        for root in roots:
            attach(root, 0)
        return roots

    def family_ids(self, board: Partnership) -> list[int]:
        """The pks of `board` and every board under it, however deep, in one query: what a board
        assures directly and through its sub-boards."""
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in self.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        ids: list[int] = []
        todo = [board.pk]
        while todo:
            pk = todo.pop()
            ids.append(pk)
            todo.extend(children.get(pk, []))
        return ids


class Partnership(models.Model):
    """A board or partnership the council takes part in, with its profile from the annual update.

    Free-text fields keep the paper's words ("n/a", "TBA February 2019"); where the words hold a
    date, the importer derives it beside them. The long sections are lists of paragraphs,
    sub-headings and lists (see partnerships.sections).
    """

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=50, blank=True, help_text="As the papers abbreviate it, e.g. HWB.")
    other_names = models.JSONField(
        default=list, blank=True, help_text="Other names the papers use for this board, one per line."
    )
    statutory = models.BooleanField(default=False)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sub_boards",
        help_text="The board this one reports to.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Order among its sibling boards.")
    summary = models.TextField(blank=True, help_text="What the papers say of a board that has no profile of its own.")

    profile_completed_text = models.CharField(
        "profile completed (as written)",
        max_length=100,
        blank=True,
        help_text="The profile's “date of completion”; blank for a board with no profile.",
    )
    profile_completed = models.DateField(null=True, blank=True)
    chairs = models.JSONField(default=list, blank=True, help_text="Chair or co-chairs as written, one per line.")
    vice_chair = models.CharField(max_length=200, blank=True)
    chair_note = models.CharField(max_length=300, blank=True, help_text="E.g. who chaired before.")
    lead_member = models.CharField("OCC lead member", max_length=200, blank=True)
    lead_officer = models.CharField("OCC lead officer", max_length=200, blank=True, help_text="A role or a person.")
    last_meeting_text = models.CharField("last meeting (as written)", max_length=300, blank=True)
    last_meeting = models.DateField(null=True, blank=True, help_text="The latest date in the text, if it has one.")
    next_meeting_text = models.CharField("next meeting (as written)", max_length=300, blank=True)
    next_meeting = models.DateField(null=True, blank=True, help_text="The earliest date in the text, if it has one.")
    website = models.CharField(max_length=300, blank=True, help_text="As written, e.g. www.osab.co.uk.")
    website_note = models.CharField(max_length=300, blank=True)
    governance = models.JSONField("governance arrangements", default=list, blank=True)
    current_focus = models.JSONField(default=list, blank=True)
    key_achievements = models.JSONField(default=list, blank=True)
    aims = models.JSONField("aims for the year ahead", default=list, blank=True)
    key_challenges = models.JSONField(default=list, blank=True)
    membership = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=200, blank=True)
    # The board's admins (its clerk, the performance team): they open its update rounds and record
    # its decisions, for this board and the boards under it (administered_by).
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="administered_boards",
        verbose_name="board admins",
        help_text="Open this board's update rounds and record its decisions (and its sub-boards').",
    )

    objects = PartnershipQuerySet.as_manager()
    history = HistoricalRecords()

    SECTIONS = ["membership", "governance", "current_focus", "key_achievements", "aims", "key_challenges"]

    # Set by PartnershipQuerySet.tree() and with_next_meeting().
    depth: int
    children: list[Partnership]
    next_meeting_on: datetime.date | None

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("partnerships:partnership", args=[self.slug])

    @property
    def label(self) -> str:
        """The short name where the papers use one: for tight places like the tree."""
        return self.short_name or self.name

    @property
    def has_profile(self) -> bool:
        return bool(self.profile_completed_text)

    @property
    def website_url(self) -> str:
        """A link for the website as written ("www.osab.co.uk" → "https://www.osab.co.uk")."""
        if self.website.startswith(("http://", "https://")):
            return self.website
        return f"https://{self.website}" if self.website else ""

    def assured_plans(self, user: User | AnonymousUser, on: datetime.date) -> list[Any]:
        """The plans this board and the boards under it (at any depth) assure, those `user` may
        see, each with `.summary`: its actions counted by RAG on `on`. Ordered by title.

        Plans are reached through the reverse relation (partnerships does not import actionplan),
        in a fixed number of queries whatever the number of plans or boards.
        """
        family = Partnership.objects.family_ids(self)
        plans = self.plans.model.objects.filter(board__in=family)
        return plans.visible_to(user).select_related("board").order_by("title").with_rag_summaries(on)

    def decisions_by_meeting(self, user: User | AnonymousUser) -> list[tuple[Meeting, list[Any]]]:
        """Each of this board's meetings at which it decided anything about the actions of plans
        `user` may see, latest first, with those decisions (actionplan's BoardDecision, reached
        through the reverse relation: partnerships does not import actionplan). Two queries."""
        decisions: Any = Meeting._meta.get_field("decisions").related_model
        visible = self.plans.model.objects.visible_to(user)
        found = (
            decisions._default_manager.filter(meeting__partnership=self, action__plan__in=visible.values("pk"))
            .select_related("meeting", "action__plan", "escalated_to")
            .order_by("-meeting__date", "action__plan__title", "action__position", "pk")
        )
        by_meeting: dict[Any, list[Any]] = {}
        for decision in found:
            by_meeting.setdefault(decision.meeting, []).append(decision)
        return list(by_meeting.items())

    @staticmethod
    def rolled_up(plans: list[Any]) -> Any:
        """The RAG summary of these plans together: the sum of their summaries (None for no plans).
        For a board's assured_plans() that is its own plans' and its sub-boards' plans'."""
        return reduce(operator.add, (plan.summary for plan in plans)) if plans else None

    def profile_sections(self) -> list[tuple[str, Any]]:
        """[(title, blocks)] for the profile sections that have anything in them."""
        return [
            (str(self._field(name).verbose_name).capitalize(), sections.for_display(getattr(self, name)))
            for name in self.SECTIONS
            if getattr(self, name)
        ]

    def _field(self, name: str) -> models.Field:
        field = self._meta.get_field(name)
        assert isinstance(field, models.Field)
        return field


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def upcoming(self, on: datetime.date) -> Self:
        """Meetings on or after `on`: a board report is written for the meeting of that day."""
        return self.filter(date__gte=on)

    def past(self, on: datetime.date) -> Self:
        return self.filter(date__lt=on)


class Meeting(models.Model):
    """A dated meeting of a board, past or future."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField()
    date_text = models.CharField("date (as written)", max_length=100, blank=True)
    kind = models.CharField(
        max_length=100, blank=True, help_text="As the papers say, e.g. “meeting in public”, “workshop”."
    )

    objects = MeetingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["partnership", "date"]
        constraints = [models.UniqueConstraint(fields=["partnership", "date"], name="unique_meeting_date")]

    def __str__(self) -> str:
        return f"{self.partnership.label}, {self.date.day} {self.date:%B %Y}"

    def is_upcoming(self, on: datetime.date) -> bool:
        return self.date >= on

    def is_past(self, on: datetime.date) -> bool:
        return self.date < on


class StrategyPriority(models.Model):
    """One of the Joint Health and Wellbeing Strategy's priorities (11 in 2018), owned by a sub-board."""

    number = models.PositiveSmallIntegerField(unique=True)
    text = models.TextField()
    owner = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="strategy_priorities")
    note = models.TextField(blank=True, help_text="Anything the papers leave unclear about the priority or its owner.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        verbose_name = "JHWS priority"
        verbose_name_plural = "JHWS priorities"

    def __str__(self) -> str:
        return f"Priority {self.number}: {self.text}"
