from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, validate_email
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from actionplan.querysets import (
    LATEST_FIRST,
    PROGRESS_FIELDS,
    ActionQuerySet,
    ApiTokenQuerySet,
    KeptSummaryQuerySet,
    MeetingPaperQuerySet,
    OverdueFlagQuerySet,
    OwnerQuerySet,
    PlanQuerySet,
    ProgressUpdateQuerySet,
    UpdateRoundQuerySet,
    inherits_owners,
    owners_of,
)
from actionplan.search import generated_search_document
from actionplan.status import RAG, DeliveryStatus, RagSummary, ReturnSummary, time_past
from actionplan.status import RAG_ORDER as RAG_ORDER  # status.py's words stay importable from here
from config.dates import working_days_before
from partnerships.models import Meeting, Organisation, Partnership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from actionplan.completion_dates import CompletionDate
    from actionplan.completion_dates import Milestone as DatedStep


class Plan(models.Model):
    """An agreed plan whose delivery a board assures, e.g. the CQC Local System Review action plan."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    full_title = models.CharField(max_length=300, blank=True)
    # The assuring board as the paper names it, and the board itself where partnerships hold it.
    board_name = models.CharField("board (as written)", max_length=200, blank=True)
    board = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plans",
        help_text="The board that assures this plan.",
    )
    review_date = models.DateField(null=True, blank=True)
    review_period = models.CharField(max_length=100, blank=True)
    plan_date = models.DateField(null=True, blank=True)
    reporting_date = models.DateField(
        null=True, blank=True, help_text="The date the plan's imported progress texts were reported."
    )
    background = models.TextField(blank=True)
    source = models.CharField(max_length=200, blank=True)
    # What this plan calls its levels: CQC says "strategic priority", HIC says "section".
    priority_label = models.CharField(max_length=50, default="Strategic priority")
    action_label = models.CharField(max_length=50, default="Key action")
    sub_action_label = models.CharField(max_length=50, default="Sub-action")
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="plans")
    due_soon_days = models.PositiveSmallIntegerField(default=30)
    stale_after_days = models.PositiveSmallIntegerField(default=60)
    # Public pages and the API without a token show a plan only once its admin publishes it, and
    # name people there only where the admin allows (otherwise their role and organisation).
    is_published = models.BooleanField(
        "published", default=False, help_text="Anyone may read this plan's public pages, without signing in."
    )
    public_names = models.BooleanField(
        "people's names on the public pages",
        default=False,
        help_text="Show the names of accountable and responsible people publicly, not only their roles.",
    )
    # Update rounds: whether an officer's update needs the accountable owner's sign-off (the plan
    # file's `sign_off_required`), and whether an officer who is accountable themselves may sign
    # off their own (set in the admin; off unless a plan chooses it).
    sign_off_required = models.BooleanField(
        default=False, help_text="Officers' progress updates are signed off by the accountable owner."
    )
    self_sign_off_allowed = models.BooleanField(
        "accountable officers may sign off their own updates",
        default=False,
        help_text="Otherwise an update is always signed off by someone other than its author.",
    )

    objects = PlanQuerySet.as_manager()
    history = HistoricalRecords()

    # Set by PlanQuerySet.with_rag_summaries(), and by reports.RoundReport.
    summary: RagSummary
    frozen_paper: int | None
    returns: ReturnSummary

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Its windows (due_soon_days, stale_after_days) decide its actions' pictures.
        with transaction.atomic():
            super().save(*args, **kwargs)
            KeptSummary.objects.recount(self.priorities.values("pk"))

    def get_absolute_url(self) -> str:
        return reverse("actionplan:plan", args=[self.slug])

    def get_public_url(self) -> str:
        return reverse("public:plan", args=[self.slug])

    def can_be_published_by(self, user: User | AnonymousUser) -> bool:
        return Plan.objects.publishable_by(user).filter(pk=self.pk).exists()

    def outline(self, on: datetime.date, fetch: ActionQuerySet | None = None) -> list[StrategicPriority]:
        """Priorities, each with .key_actions, each with .subs: the whole plan as it stood on `on`
        (each action's RAG picture and latest update then), in a fixed number of queries.
        `fetch`: this plan's actions as the page fetches them instead (the public pages' own)."""
        actions = list(self.actions.with_rag(on).for_display(on) if fetch is None else fetch)
        children: defaultdict[int | None, list[Action]] = defaultdict(list)
        for action in actions:
            children[action.parent_id].append(action)
        for action in actions:
            action.subs = children[action.pk]
        by_priority: defaultdict[int, list[Action]] = defaultdict(list)
        for action in children[None]:
            by_priority[action.priority_id].append(action)
        priorities = list(self.priorities.all())
        for priority in priorities:
            priority.key_actions = by_priority[priority.pk]
        return priorities


class PlanMembership(models.Model):
    """A user's role in one plan. Officers may also act on actions they own without one."""

    class Role(models.TextChoices):
        VIEWER = "viewer", "Viewer (HWB member)"
        OFFICER = "officer", "Officer"
        ADMIN = "admin", "Plan admin"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_memberships")
    role = models.CharField(max_length=20, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="one_role_per_plan")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} of {self.plan}"


class StrategicPriority(models.Model):
    """The top level of a plan (CQC: strategic priorities A–O; HIC: sections)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="priorities")
    code = models.CharField(max_length=20)
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    # Set by Plan.outline() and the dashboard (reports.PlanDashboard).
    key_actions: list[Action]
    summary: RagSummary

    class Meta:
        ordering = ["plan", "position"]
        verbose_name_plural = "strategic priorities"
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_priority_code")]

    def __str__(self) -> str:
        return f"{self.code}) {self.text[:80]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new priority's summary is kept from the start, so its plan's stays read, not counted.
        with transaction.atomic():
            super().save(*args, **kwargs)
            KeptSummary.objects.recount([self.pk])


def split_email_list(text: str | None) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def validate_email_list(text: str) -> None:
    for address in split_email_list(text):
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(f"“{address}” is not an e-mail address.", code="invalid") from None


class Owner(models.Model):
    """Whoever can be accountable or responsible for an action: a person, a group or an organisation."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        GROUP = "group", "Group"
        ORGANISATION = "organisation", "Organisation"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Initials for people ("DHa" and "DHe" differ only in case and are different people), the
    # name for groups, the code for organisations. Compared exactly, never case-folded.
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="owners"
    )
    email = models.EmailField(blank=True)
    # Groups ("Chief Executives", "System Flow Executive") have no address of their own: their
    # reminders go to everyone on this list.
    contact_emails = models.TextField(
        "contact e-mail addresses",
        blank=True,
        validators=[validate_email_list],
        help_text="For a group or organisation: the addresses its reminders go to, one a line.",
    )
    # Reminders only: escalations of long-overdue actions go to accountable owners regardless.
    reminders_opt_out = models.BooleanField(
        "no reminder e-mails",
        default=False,
        help_text="Stop the daily reminder e-mails. Escalations of overdue actions are still sent.",
    )
    # The sign-in of the person, for officers: they may update the actions this owner holds.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owner"
    )
    # What the action list's free-text search reads of an owner (actionplan/search.py).
    search_document = generated_search_document("code", "name")
    # Who may sign off progress updates where this owner is accountable, besides the owner's own
    # sign-in: named by the owner (My actions) or, for a group, by an admin.
    sign_off_delegates = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="signs_off_for",
        help_text="Users who may sign off progress updates for this owner where they are accountable.",
    )

    objects = OwnerQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_document"])

    class Meta:
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.code if self.kind == self.Kind.GROUP else f"{self.code} ({self.name})"

    def email_addresses(self) -> list[str]:
        """Where this owner's e-mail goes: their address, their sign-in's, and any contact list."""
        addresses = [self.email, *split_email_list(self.contact_emails)]
        if self.user is not None and self.user.email:
            addresses.append(self.user.email)
        return list(dict.fromkeys(a.strip() for a in addresses if a and a.strip()))


class Action(models.Model):
    """A key action (A1…O3) or, when it has a parent, one of its sub-actions (i, ii, …)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    priority = models.ForeignKey(StrategicPriority, on_delete=models.CASCADE, related_name="actions")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="sub_actions")
    # The full reference users quote: "A1", or "G2 vi" for a sub-action.
    code = models.CharField(max_length=30)
    # The number as the plan file writes it within its parent: "A1", or "vi".
    number = models.CharField(max_length=20)
    title = models.TextField()
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    accountable = models.ManyToManyField(Owner, blank=True, related_name="accountable_for")
    responsible = models.ManyToManyField(Owner, blank=True, related_name="responsible_for")
    # The deadline as the paper gives it ("19/07/18 (HWB)", "TBC subject to completion of review")
    # and the date derived from it (see actionplan.completion_dates). Blank text on a sub-action
    # means it inherits its key action's date.
    completion_date_text = models.CharField("completion date (as written)", max_length=200, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # Users a plan admin has asked to report on this action, besides its owners.
    delegates = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="delegated_actions")
    # "Which actions are meant to move this indicator": declared per action in the plan file.
    indicators = models.ManyToManyField(
        "indicators.Indicator",
        blank=True,
        related_name="actions",
        help_text="The performance indicators this action is meant to move.",
    )
    # Bumped by every progress update and edit: a save from a page showing an older version is
    # a conflict, never a silent overwrite.
    version = models.PositiveIntegerField(default=1)
    # What the latest progress updates say, kept in step by ProgressUpdate saves and deletes so
    # the dashboard reads today's picture without going through every update (with_progress).
    # NULL: no update at all; "": the latest update gave no RAG (the derived one applies).
    progress_rag = models.CharField(max_length=20, blank=True, null=True, editable=False)  # noqa: DJ001
    progress_reported_on = models.DateField(null=True, blank=True, editable=False)
    progress_revised_due_date = models.DateField(null=True, blank=True, editable=False)
    progress_completed_on = models.DateField(null=True, blank=True, editable=False)
    # What the action list's free-text search reads of the action itself (actionplan/search.py).
    search_document = generated_search_document("code", "title", "description")

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[accountable, responsible, delegates],
        excluded_fields=[
            "progress_rag",
            "progress_reported_on",
            "progress_revised_due_date",
            "progress_completed_on",
            "search_document",
        ],
    )

    # The annotations of ActionQuerySet.with_progress() and with_rag() (see there), on the
    # actions they fetch; and what Plan.outline(), for_display() and with_overdue_since() add.
    latest_rag: str | None
    last_reported_on: datetime.date | None
    revised_due_date: datetime.date | None
    completed_on: datetime.date | None
    current_due_date: datetime.date | None
    on: datetime.date
    delivery_status: str
    derived_rag: str
    rag: str
    rag_disagrees: bool
    is_stale: bool
    has_slipped: bool
    overdue_since: datetime.date | None
    latest_updates: list[ProgressUpdate]
    subs: list[Action]
    # with_return_status(update_round)'s.
    return_status: str
    return_comment: str | None
    # The priority it was counted in when fetched (from_db), for save().
    _counted_in: int | None

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_action_code")]
        indexes = [
            models.Index(fields=["plan", "due_date"]),
            # StatusRules asks whether anything is reported after a date: one look, at any size.
            models.Index(fields=["progress_reported_on"], name="action_progress_reported_on"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title[:80]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An edit may change its dates, or move it to another priority: both summaries change.
        with transaction.atomic():
            super().save(*args, **kwargs)
            counted_in = getattr(self, "_counted_in", None)
            KeptSummary.objects.recount([pk for pk in {self.priority_id, counted_in} if pk is not None])
        self._counted_in = self.priority_id

    def get_absolute_url(self) -> str:
        return f"{self.plan.get_absolute_url()}#{self.anchor}"

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any) -> Action:
        action = super().from_db(db, field_names, values)
        # The priority whose kept summary counts it, should a save move it to another.
        action._counted_in = action.__dict__.get("priority_id")
        return action

    @property
    def anchor(self) -> str:
        return "action-" + self.code.replace(" ", "-")

    @property
    def is_sub_action(self) -> bool:
        return self.parent_id is not None

    @property
    def inherits_completion_date(self) -> bool:
        return self.is_sub_action and not self.completion_date_text

    @property
    def inherits_dates_from_sub_actions(self) -> bool:
        """A key action with no date of its own is due when its last sub-action is (apply_completion_date)."""
        return not self.is_sub_action and not self.completion_date_text and self.due_date is not None

    def sub_action_dates(self) -> tuple[datetime.date, datetime.date] | None:
        """The earliest and latest due dates of its sub-actions (None if none has one); reads the
        sub-actions Plan.outline() fetched, when it did."""
        fetched = getattr(self, "subs", None)
        dues = (
            [s.due_date for s in fetched]
            if fetched is not None
            else self.sub_actions.values_list("due_date", flat=True)
        )
        dates = sorted(d for d in dues if d is not None)
        return (dates[0], dates[-1]) if dates else None

    def accountable_owners(self) -> list[Owner]:
        """Its accountable owners: its own, or a sub-action naming none its key action's."""
        return owners_of(self, "accountable")

    def responsible_owners(self) -> list[Owner]:
        """Its responsible owners: its own, or a sub-action naming none its key action's."""
        return owners_of(self, "responsible")

    @property
    def inherits_accountable(self) -> bool:
        return inherits_owners(self, "accountable")

    @property
    def inherits_responsible(self) -> bool:
        return inherits_owners(self, "responsible")

    def can_be_updated_by(self, user: User | AnonymousUser) -> bool:
        return Action.objects.updatable_by(user).filter(pk=self.pk).exists()

    def can_be_edited_by(self, user: User | AnonymousUser) -> bool:
        return Action.objects.editable_by(user).filter(pk=self.pk).exists()

    def status_on(self, on: datetime.date) -> Action:
        """This action with every status annotation of ActionQuerySet.with_rag as it stood on `on`
        (its delivery_status, rag, is_stale…)."""
        return Action.objects.with_rag(on).get(pk=self.pk)

    @property
    def days_overdue(self) -> int:
        """Days past the current due date on the date of the picture (needs with_delivery_status)."""
        if self.delivery_status == DeliveryStatus.OVERDUE and self.current_due_date is not None:
            return (self.on - self.current_due_date).days
        return 0

    @property
    def overdue_by(self) -> str:
        """How long overdue, in words ("3 years 2 months"; status.time_past), or "" if not overdue."""
        if self.days_overdue and self.current_due_date is not None:
            return time_past(self.current_due_date, self.on)
        return ""

    @property
    def is_brought_forward(self) -> bool:
        """The revised date is earlier than the original: brought forward, not slipped (needs with_progress)."""
        return bool(self.revised_due_date and self.due_date and self.revised_due_date < self.due_date)

    @property
    def days_slipped(self) -> int:
        """Days the revised date is later than the original (needs with_progress annotations)."""
        if self.revised_due_date and self.due_date and self.revised_due_date > self.due_date:
            return (self.revised_due_date - self.due_date).days
        return 0

    def claim_version(self, seen_version: int) -> bool:
        """Move the action on from the version the user saw; False if someone else got there first."""
        claimed = Action.objects.filter(pk=self.pk, version=seen_version).update(version=F("version") + 1)
        if claimed:
            self.version = seen_version + 1
        return bool(claimed)

    def add_progress_update(
        self, *, author: User | None, on: datetime.date, seen_version: int, **fields: Any
    ) -> ProgressUpdate:
        """Append an officer's update, or raise StaleAction if the action changed since they looked.

        Saving it refreshes the action's copy of its latest progress, which the dashboard reads
        (ProgressUpdate.save)."""
        with transaction.atomic():
            if not self.claim_version(seen_version):
                raise StaleAction(self, seen_version)
            if fields.get("rag") == RAG.COMPLETE:
                fields.setdefault("completed_on", on)
            return self.progress_updates.create(author=author, reported_on=on, action_version=self.version, **fields)

    def apply_completion_date(self, completion: CompletionDate) -> None:
        """Set the as-written date and what derives from it: due date and milestones.

        Blank on a sub-action inherits the key action's date; blank on a key action with dated
        sub-actions is due when the last of them is.
        """
        self.completion_date_text = completion.text
        self.due_date = completion.due_date
        if not completion.text and self.parent is not None:
            self.due_date = self.parent.due_date
        elif not completion.text:
            self.due_date = max((s.due_date for s in self.sub_actions.all() if s.due_date), default=None)
        self.replace_milestones(completion.milestones if completion.has_milestones else [])

    def replace_milestones(self, milestones: list[DatedStep]) -> bool:
        """Make the milestones (label, due_date) exactly these; False if they already were."""
        existing = [(m.label, m.due_date) for m in self.milestones.all()]
        wanted = [(m.label, m.due_date) for m in milestones]
        if existing == wanted:
            return False
        self.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(action=self, label=label, due_date=due, position=i) for i, (label, due) in enumerate(wanted)
        )
        return True

    # What the audit trail compares between versions of an action, in the users' words.
    AUDITED_FIELDS = {
        "title": "Title",
        "description": "Description",
        "completion_date_text": "Completion date",
        "due_date": "Due date",
    }
    AUDITED_OWNERS = {
        "accountable": ("owner", "Accountable"),
        "responsible": ("owner", "Responsible"),
        "delegates": ("user", "Delegated to"),
    }

    def audit_trail(self) -> list[AuditEntry]:
        """Every change to this action and its progress updates, newest first: who, when, old → new.

        Built from django-simple-history's records in a fixed number of queries.
        """
        # An action a re-import removed and a later one added back is a new row: the life of the
        # removed row with the same plan and code is still its history.
        earlier = Action.history.filter(plan_id=self.plan_id, code=self.code, history_type="-").values("id")
        lives = Action.history.filter(Q(id=self.pk) | Q(id__in=earlier))
        records = list(lives.select_related("history_user").order_by("history_date", "history_id"))
        owners: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
        for name, (target, _) in self.AUDITED_OWNERS.items():
            through = apps.get_model("actionplan", f"HistoricalAction_{name}")
            for row in through.objects.filter(history__in=[r.history_id for r in records]).select_related(target):
                owners[name, row.history_id].append(str(getattr(row, target)))
        # One save writes a record for the row and one per changed owner list: a burst of records
        # by the same user at the same version is one change.
        bursts: list[list[Any]] = []
        for record in records:
            last = bursts[-1][-1] if bursts else None
            if (
                last is not None
                and last.id == record.id
                and "-" not in (last.history_type, record.history_type)
                and last.history_user_id == record.history_user_id
                and last.version == record.version
                and record.history_date - bursts[-1][0].history_date < datetime.timedelta(seconds=5)
            ):
                bursts[-1].append(record)
            else:
                bursts.append([record])
        entries: list[AuditEntry] = []
        previous = None
        for burst in bursts:
            first, record = burst[0], burst[-1]
            if record.history_type == "-":
                entries.append(AuditEntry(first.history_date, first.history_user, "Action removed", [], record.version))
                previous = None
                continue
            if previous is None:
                what = "Action added back" if entries else "Action created"
                entries.append(AuditEntry(first.history_date, first.history_user, what, [], record.version))
            else:
                changes = [
                    (label, getattr(previous, name), getattr(record, name))
                    for name, label in self.AUDITED_FIELDS.items()
                    if getattr(previous, name) != getattr(record, name)
                ]
                for name, (_, label) in self.AUDITED_OWNERS.items():
                    old, new = sorted(owners[name, previous.history_id]), sorted(owners[name, record.history_id])
                    if old != new:
                        changes.append((label, ", ".join(old) or "none", ", ".join(new) or "none"))
                if changes:
                    entries.append(
                        AuditEntry(first.history_date, first.history_user, "Action edited", changes, record.version)
                    )
            previous = record

        update_records = ProgressUpdate.history.filter(action_id__in={r.id for r in records} | {self.pk})
        update_records = update_records.select_related("history_user")
        versions: dict[int, Any] = {}
        for record in update_records.order_by("history_date", "history_id"):
            before = versions.get(record.id)
            if record.history_type == "+":
                what = "Progress update imported" if record.imported else "Progress update added"
                if record.decision_id:
                    what = "Progress update written for a board decision"
                # The record holds the fields summary() reads (record.instance would fetch the
                # fields history leaves out, one query per record).
                changes = [(label, "", value) for label, value in ProgressUpdate.summary(record) if value]
                entries.append(
                    AuditEntry(record.history_date, record.history_user, what, changes, record.action_version)
                )
            elif record.history_type == "~":
                entries += self._update_changes(before, record)
            versions[record.id] = record
        for decision in self.decisions.select_related("recorded_by", "meeting__partnership", "escalated_to"):
            entries.append(
                AuditEntry(
                    decision.recorded_at,
                    decision.recorded_by,
                    "Board decision recorded",
                    [(decision.get_kind_display(), "", decision.summary())],
                )
            )
        entries.sort(key=lambda entry: entry.when, reverse=True)
        return entries

    @staticmethod
    def _update_changes(before: Any, record: Any) -> list[AuditEntry]:
        """What one saved version of a progress update changed, for the audit trail: its wording
        (a correction), a sign-off, a return for changes."""
        entries = []
        when, who, version = record.history_date, record.history_user, record.action_version
        if before is None or before.narrative != record.narrative:
            old = before.narrative if before is not None else None
            entries.append(
                AuditEntry(when, who, "Progress update corrected", [("Progress", old, record.narrative)], version)
            )
        if record.signed_off_at and (before is None or before.signed_off_at != record.signed_off_at):
            entries.append(
                AuditEntry(when, who, f"Progress update of {record.reported_on:%-d %B %Y} signed off", [], version)
            )
        if record.returned_at and (before is None or before.returned_at != record.returned_at):
            changes = [("Comment", "", record.return_comment)]
            what = f"Progress update of {record.reported_on:%-d %B %Y} returned for changes"
            entries.append(AuditEntry(when, who, what, changes, version))
        return entries

    def changes_since(self, version: int) -> list[AuditEntry]:
        """What others changed after the version this user saw: shown to them on a conflict."""
        return [entry for entry in self.audit_trail() if entry.version > version]

    def latest_update(self) -> ProgressUpdate | None:
        """The newest progress update; uses the for_display() prefetch when present."""
        if hasattr(self, "latest_updates"):
            return self.latest_updates[0] if self.latest_updates else None
        return self.progress_updates.first()


class Milestone(models.Model):
    """One of several dated steps in a completion date, e.g. "22/03/18 (draft for HWB)"."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="milestones")
    label = models.CharField(max_length=100, blank=True)
    due_date = models.DateField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["action", "position"]

    def __str__(self) -> str:
        return f"{self.due_date:%d %B %Y} ({self.label})" if self.label else f"{self.due_date:%d %B %Y}"


@dataclass
class AuditEntry:
    when: datetime.datetime
    who: User | None
    what: str
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)
    version: int = 0

    @property
    def who_display(self) -> str:
        if self.who is None:
            return "System (import)"
        return self.who.get_full_name() or self.who.get_username()


class StaleAction(Exception):
    """Someone else updated or edited the action since this user loaded it."""

    def __init__(self, action: Action, seen_version: int) -> None:
        self.action = action
        self.seen_version = seen_version
        super().__init__(f"{action.code} changed since version {seen_version}")


def keep_reported_progress(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
    """ProgressUpdate.action's on_delete. Deleting an action (or its key action, priority or plan)
    would take its progress updates with it: refused while officers have reported any, wherever
    the delete comes from (admin page, bulk action, inline, shell). The plan file's own imported
    text goes with the action, as the importer removes actions no longer in the file."""
    reported = [update for update in sub_objs if not update.imported]
    if reported:
        raise models.ProtectedError(
            "Progress updates are history: an action with officers' progress updates cannot be deleted.", set(reported)
        )
    models.CASCADE(collector, field, sub_objs, using)


class ProgressUpdate(models.Model):
    """A dated progress narrative for an action. Append-only: history is never rewritten."""

    action = models.ForeignKey(Action, on_delete=keep_reported_progress, related_name="progress_updates")
    reported_on = models.DateField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    narrative = models.TextField()
    rag = models.CharField("RAG status", max_length=20, choices=RAG.choices, blank=True)
    percent_complete = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(100, message="Percentage complete must be between 0 and 100.")],
    )
    # Slippage is recorded, never overwritten: the action keeps its original due date and the
    # latest revision here is its current one.
    revised_due_date = models.DateField("revised completion date", null=True, blank=True)
    revision_reason = models.TextField("reason for the revised date", blank=True)
    completed_on = models.DateField(null=True, blank=True)
    # True for the "current progress" text that came from the plan file: the importer owns it.
    imported = models.BooleanField(default=False)
    # The status as the paper worded it ("Good progress", "CCG progress"); `rag` holds what it means.
    status_text = models.CharField("status (as reported)", max_length=100, blank=True)
    # The action's version this update created (see Action.version).
    action_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    corrected_at = models.DateTimeField(null=True, blank=True)
    # What the action list's free-text search reads of an update (actionplan/search.py).
    search_document = generated_search_document("narrative")
    # Sign-off by the accountable owner or their delegate (plans that ask for it). A correction
    # clears it: what was signed off is no longer what the update says.
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    # Sent back to the officer, with the signer's reason; a sign-off or a correction ends it. Every
    # return stays in the audit trail (the update's history).
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_comment = models.TextField("comment on returning", blank=True)
    # Written on a board decision's behalf (closing the action, accepting a revised date), so that
    # every status rule follows the decision; never an officer's return or something to sign off.
    decision = models.OneToOneField(
        "BoardDecision", on_delete=models.PROTECT, null=True, blank=True, related_name="progress_update"
    )

    objects = ProgressUpdateQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["search_document"])

    class Meta:
        ordering = list(LATEST_FIRST)
        # Each action's latest update (as at a date): read in this order, from the index alone.
        indexes = [
            models.Index(
                fields=["action", "-reported_on", "-created_at", "-id", "rag", "revised_due_date", "completed_on"],
                name="progress_latest_first",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action.code} {self.reported_on:%d/%m/%Y}"

    # Every way an update is written (an officer's form, a correction, an import, the admin) goes
    # through save() and delete(), which keep the action's copy of its latest progress in step,
    # and its priority's kept summary, in the same transaction: the dashboard reads them
    # (ActionQuerySet.with_progress, KeptSummaryQuerySet). bulk_create() does not: call
    # refresh_progress() after it.
    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)
            saved = kwargs.get("update_fields")
            if saved is None or PROGRESS_FIELDS.intersection(saved):
                Action.objects.filter(pk=self.action_id).refresh_progress()

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            deleted = super().delete(*args, **kwargs)
            Action.objects.filter(pk=self.action_id).refresh_progress()
        return deleted

    def correct(self, narrative: str, now: datetime.datetime) -> None:
        """The author's fix of a mistake in the wording; the original stays in the audit trail.
        Only the wording changes, so the action's copy of its latest progress stands. A sign-off
        (or a return) was of the old words: the corrected update needs a fresh one."""
        self.narrative = narrative
        self.corrected_at = now
        self.signed_off_by, self.signed_off_at = None, None
        self.returned_by, self.returned_at, self.return_comment = None, None, ""
        self.save(update_fields=["narrative", "corrected_at", *self.REVIEW_FIELDS])

    # -- Sign-off (update rounds) ------------------------------------------------------------------

    REVIEW_FIELDS = ["signed_off_by", "signed_off_at", "returned_by", "returned_at", "return_comment"]

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None

    @property
    def is_returned(self) -> bool:
        return self.returned_at is not None and self.signed_off_at is None

    @property
    def is_officers(self) -> bool:
        """An officer's update: neither the plan file's text nor written for a board decision."""
        return not self.imported and self.decision_id is None

    @property
    def awaits_sign_off(self) -> bool:
        return self.is_officers and self.action.plan.sign_off_required and not self.is_signed_off

    def sign_off_refusal(self, user: User | AnonymousUser) -> str | None:
        """Why `user` may not sign off (or return) this update; None if they may.

        The signers are the users of the action's accountable owners (owners_of: a sub-action
        naming none has its key action's) and the delegates those owners named. An officer never
        signs off their own update, unless they are accountable themselves and the plan allows it.
        Only the action's latest officer's update is signed off: the one the board will read."""
        action = self.action
        if not action.plan.sign_off_required:
            return "This plan does not ask for updates to be signed off."
        if not self.is_officers:
            return "Only officers' progress updates are signed off."
        latest = action.progress_updates.officers().first()
        if latest is None or latest.pk != self.pk:
            return "A newer progress update has replaced this one: sign off that instead."
        signable = Action.objects.filter(pk=action.pk)
        if not signable.signable_by(user).exists():
            return "Only the action's accountable owner, or a delegate they named, can sign off its updates."
        if self.author_id == user.pk and not (
            action.plan.self_sign_off_allowed and signable.accountable_to(user).exists()
        ):
            return "You cannot sign off your own update: the accountable owner or their delegate must."
        return None

    def review(
        self, user: User, now: datetime.datetime, seen_corrected_at: datetime.datetime | None, comment: str = ""
    ) -> bool:
        """Sign the update off (no `comment`) or return it for changes (with one), as `user`.

        False if the author corrected it since the signer read it (`seen_corrected_at`): they are
        shown the new words. The row is locked meanwhile, so a correction lands before or after,
        never in between; each review is a history record (the audit trail's who and when)."""
        with transaction.atomic():
            locked = ProgressUpdate.objects.select_for_update().get(pk=self.pk)
            if locked.corrected_at != seen_corrected_at:
                return False
            if comment:
                locked.signed_off_by, locked.signed_off_at = None, None
                locked.returned_by, locked.returned_at, locked.return_comment = user, now, comment
            else:
                locked.signed_off_by, locked.signed_off_at = user, now
                locked.returned_by, locked.returned_at, locked.return_comment = None, None, ""
            locked._history_user = user  # type: ignore[attr-defined]
            locked.save(update_fields=self.REVIEW_FIELDS)
        for name in self.REVIEW_FIELDS:
            setattr(self, name, getattr(locked, name))
        return True

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) pairs describing the update, for the audit trail."""
        return [
            ("RAG", self.get_rag_display() if self.rag else ""),
            ("Progress", self.narrative),
            ("Percentage complete", f"{self.percent_complete}%" if self.percent_complete is not None else ""),
            ("Revised completion date", self.revised_due_date.strftime("%-d %B %Y") if self.revised_due_date else ""),
            ("Reason", self.revision_reason),
        ]

    @property
    def brings_forward(self) -> bool:
        """It revises the completion date to earlier than the action's original: "brought forward"."""
        due = self.action.due_date
        return bool(self.revised_due_date and due and self.revised_due_date < due)

    def can_be_corrected_by(self, user: User | AnonymousUser, now: datetime.datetime) -> bool:
        """Authors may fix a typo in their own latest update for a short while; then it is history."""
        window = datetime.timedelta(minutes=settings.PROGRESS_CORRECTION_MINUTES)
        return (
            not self.imported
            and self.author_id == user.pk
            and now - self.created_at <= window
            and self.action.latest_update() == self
        )

    @property
    def author_display(self) -> str:
        if self.author is None:
            return "Author unknown"
        return self.author.get_full_name() or self.author.get_username()


@receiver(pre_delete, sender=ProgressUpdate)
def _refuse_deleting_reported_progress(sender: type[ProgressUpdate], instance: ProgressUpdate, **kwargs: Any) -> None:
    """An officer's update is never deleted, even directly (ProgressUpdate.objects….delete())."""
    if not instance.imported:
        raise models.ProtectedError(
            f"Progress updates are history: {instance} by {instance.author_display} cannot be deleted.", {instance}
        )


@receiver(post_delete, sender=Action)
def _recount_after_removing(sender: type[Action], instance: Action, origin: Any = None, **kwargs: Any) -> None:
    """An action removed (on its own, or by an import) leaves its priority's summary to count
    again. Removing a priority or a plan takes their kept summaries with them."""
    removing_actions = isinstance(origin, Action) or getattr(origin, "model", None) is Action
    if removing_actions:
        KeptSummary.objects.recount([instance.priority_id])


class KeptSummary(models.Model):
    """A strategic priority's RAG picture (a RagSummary, as `counts`) on date `on`, kept so that a
    dashboard reads a row per priority rather than counting every action. KeptSummaryQuerySet
    says when it is counted again."""

    priority = models.OneToOneField(
        StrategicPriority, on_delete=models.CASCADE, primary_key=True, related_name="kept_summary"
    )
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+")
    on = models.DateField(db_index=True)
    counts = models.JSONField(default=dict)

    objects = KeptSummaryQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.priority} on {self.on:%d/%m/%Y}"


# -- Overdue flags, reminders and digests (the daily jobs: actionplan/reminders.py, tasks.py) ----


class OverdueFlag(models.Model):
    """An action became overdue: the due date it missed, when the job saw it, when it stopped being."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="overdue_flags")
    due_date = models.DateField("due date missed")
    flagged_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)

    objects = OverdueFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-flagged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["action"], condition=Q(cleared_at__isnull=True), name="one_open_overdue_flag"
            )
        ]

    def __str__(self) -> str:
        return f"{self.action.code} overdue since {self.overdue_since:%d/%m/%Y}"

    @property
    def overdue_since(self) -> datetime.date:
        """The first day the action was overdue: the day after the date it missed."""
        return self.due_date + datetime.timedelta(days=1)


class Notification(models.Model):
    """An e-mail about one action to one owner, recorded so it is sent only once.

    A job claims a notification by inserting its row (the subclass's unique constraint turns away
    a re-run, a retry or a second beat) and sends only what it claimed. A claim is a lease: one
    still without `sent_at` after LEASE belongs to a run that died (a crash, a hung mail server),
    and the next run claims it again and sends it (reminders.claim_rows, send_claimed).
    """

    LEASE = datetime.timedelta(minutes=15)

    # The run that claimed it, and when (renewed just before its e-mail is sent); sent_at is set
    # once the e-mail went.
    claim = models.UUIDField(db_index=True)
    claimed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.TextField(blank=True)

    class Meta:
        abstract = True


class SentNotification(Notification):
    """One reminder or escalation about one action to one owner (Notification).

    `period` says which one: the due date for the 30/7/1-day reminders, the first day of the
    overdue week, staleness period or escalation month.
    """

    class Kind(models.TextChoices):
        DUE_30 = "due_30", "Due within 30 days"
        DUE_7 = "due_7", "Due within 7 days"
        DUE_1 = "due_1", "Due tomorrow or today"
        OVERDUE = "overdue", "Overdue"
        STALE = "stale", "No recent progress update"
        ESCALATION = "escalation", "Overdue for more than 28 days (escalated)"

    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="notifications")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period = models.DateField()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["owner", "action", "kind", "period"], name="notify_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.action.code} to {self.owner.code}"


class BoardDigest(models.Model):
    """A digest of a plan's changes e-mailed to its plan admins; the next one starts where it ended."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="digests")
    sent_on = models.DateField()
    since = models.DateTimeField()
    until = models.DateTimeField()
    sent_to = models.TextField(blank=True)

    class Meta:
        ordering = ["-until"]
        get_latest_by = "until"
        constraints = [models.UniqueConstraint(fields=["plan", "sent_on"], name="one_digest_a_day")]

    def __str__(self) -> str:
        return f"{self.plan} digest {self.sent_on:%d/%m/%Y}"


# -- Board papers: what a board was given for a meeting, frozen once published (actionplan/papers.py) ----


class MeetingPaper(models.Model):
    """A paper for a board meeting: a plan's progress paper, the board's exception report, or the
    quarterly performance report. `data` is the picture the paper shows (counts, exceptions,
    narratives as they stood, sign-off where known), built once when the draft is generated;
    `pdf` and `docx` are the files made from it. A draft may be generated again; once published,
    nothing here changes, so a later correction never changes what the board was given and a
    download is the same bytes every time."""

    class Kind(models.TextChoices):
        PLAN_PROGRESS = "plan_progress", "Plan progress paper"
        EXCEPTIONS = "exceptions", "Board exception report"
        PERFORMANCE = "performance", "Quarterly performance report"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    meeting = models.ForeignKey("partnerships.Meeting", on_delete=models.PROTECT, related_name="papers")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Only for a plan progress paper: the plan it reports on.
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="papers")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    data = models.JSONField(default=dict, editable=False)
    pdf = models.BinaryField(editable=False, default=b"")
    docx = models.BinaryField(editable=False, default=b"")
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = MeetingPaperQuerySet.as_manager()

    class Meta:
        ordering = ["meeting__date", "kind", "plan__title"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "kind", "plan"], condition=Q(plan__isnull=False), name="one_plan_paper_a_meeting"
            ),
            models.UniqueConstraint(
                fields=["meeting", "kind"], condition=Q(plan__isnull=True), name="one_board_paper_a_meeting"
            ),
        ]

    def __str__(self) -> str:
        what = f"{self.plan}: {self.get_kind_display()}" if self.plan_id else self.get_kind_display()
        return f"{what} for {self.meeting} ({self.get_status_display()})"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def get_public_url(self) -> str:
        """Its PDF for anyone, once published and public (MeetingPaperQuerySet.public)."""
        return reverse("public:paper_pdf", args=[self.pk])


class ActionSnapshot(models.Model):
    """One action's RAG picture as a plan progress paper froze it (every with_rag() annotation on
    the meeting date): what the dashboard "as at" that meeting reads once the paper is published,
    instead of working it out again from the progress updates (ActionQuerySet.with_rag(frozen=))."""

    paper = models.ForeignKey(MeetingPaper, on_delete=models.CASCADE, related_name="snapshots")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="snapshots")
    latest_rag = models.CharField(max_length=20, blank=True, null=True)  # noqa: DJ001 (as with_progress: NULL is no update)
    last_reported_on = models.DateField(null=True)
    revised_due_date = models.DateField(null=True)
    completed_on = models.DateField(null=True)
    current_due_date = models.DateField(null=True)
    delivery_status = models.CharField(max_length=20)
    derived_rag = models.CharField(max_length=20)
    rag = models.CharField(max_length=20)
    rag_disagrees = models.BooleanField()
    is_stale = models.BooleanField()
    has_slipped = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "action"], name="one_snapshot_an_action_a_paper")]

    def __str__(self) -> str:
        return f"{self.action_id} in paper {self.paper_id}"


# -- Personal API tokens (the read-only API, actionplan/api.py) ------------------------------------


class ApiToken(models.Model):
    """A personal token for the read-only API: it reads exactly what its user may read.

    Shown once, when made; only its SHA-256 digest is kept (a token is 256 random bits, so a fast
    hash is enough: there is nothing to guess from), and the first characters, so its owner can
    tell tokens apart. Revoking keeps the row, as a record, and the token is refused from then on.
    """

    PREFIX = "hwb_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What it is for, for example “Power BI dashboard”.")
    start = models.CharField(max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    # Last use is written at most this often, not on every request.
    LAST_USED_EVERY = datetime.timedelta(minutes=5)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.start}…)"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token for `user`: the saved row and the token itself, which is never stored."""
        secret = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, start=secret[:12], digest=cls.digest_of(secret))
        return token, secret

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def note_use(self, now: datetime.datetime) -> None:
        """Record that the token was used, at most once every LAST_USED_EVERY (a conditional update)."""
        recent = Q(last_used_at__gte=now - self.LAST_USED_EVERY)
        if ApiToken.objects.filter(pk=self.pk).exclude(recent).update(last_used_at=now):
            self.last_used_at = now


# -- Update rounds, sign-off and the board's decisions (actionplan/rounds.py) ----------------------


class UpdateRound(models.Model):
    """Before a board meeting, every open action of the chosen plans is asked for a fresh update
    by the deadline, which the accountable owner signs off (plans that ask for it).

    The round's actions are those not complete on the opening date, chosen that day (rounds.
    open_round) and kept as RoundAction rows. An update reported from the opening date to the
    meeting counts for the round; where each action stands is ActionQuerySet.with_return_status.
    """

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="update_round")
    plans = models.ManyToManyField(Plan, related_name="update_rounds")
    opens_on = models.DateField("opening date")
    deadline = models.DateField()
    message = models.TextField(blank=True, help_text="Sent to the officers with the round's request.")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When its actions were chosen: the opening date's first run (or the form, opening today).
    opened_at = models.DateTimeField(null=True, blank=True)

    objects = UpdateRoundQuerySet.as_manager()

    # The working days before the deadline the reminder goes, and the deadline's default.
    REMINDER_WORKING_DAYS = 3
    DEADLINE_WORKING_DAYS = 10

    class Meta:
        ordering = ["-meeting__date"]

    def __str__(self) -> str:
        return f"Update round for {self.meeting}"

    def get_absolute_url(self) -> str:
        return reverse("actionplan:round", args=[self.pk])

    @classmethod
    def default_deadline(cls, meeting_date: datetime.date) -> datetime.date:
        """10 working days before the meeting, England's bank holidays excluded."""
        return working_days_before(meeting_date, cls.DEADLINE_WORKING_DAYS)

    @property
    def closes_on(self) -> datetime.date:
        """The last day an update counts for this round: the meeting's."""
        return self.meeting.date

    @property
    def reminder_on(self) -> datetime.date:
        """The day the reminder goes: 3 working days before the deadline."""
        return working_days_before(self.deadline, self.REMINDER_WORKING_DAYS)

    def is_current(self, on: datetime.date) -> bool:
        """Open on `on`: its actions chosen, from its opening date to its meeting (UpdateRoundQuerySet.current)."""
        return self.opened_at is not None and self.opens_on <= on <= self.closes_on


class RoundAction(models.Model):
    """An action in an update round: not complete on the round's opening date."""

    round = models.ForeignKey(UpdateRound, on_delete=models.CASCADE, related_name="memberships")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="round_memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "action"], name="in_a_round_once")]

    def __str__(self) -> str:
        return f"{self.action.code} in {self.round}"


class RoundNotification(Notification):
    """One of a round's e-mails about one action to one owner: each is sent once (Notification)."""

    class Kind(models.TextChoices):
        REQUEST = "request", "Update requested"
        REMINDER = "reminder", "Reminder: 3 working days to the deadline"
        DEADLINE = "deadline", "The deadline is today"
        MISSING = "missing", "Still missing after the deadline (to the accountable owner)"

    round = models.ForeignKey(UpdateRound, on_delete=models.CASCADE, related_name="notifications")
    owner = models.ForeignKey(Owner, on_delete=models.CASCADE, related_name="round_notifications")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="round_notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["round", "owner", "action", "kind"], name="round_notify_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.action.code} to {self.owner.code}"


class BoardDecision(models.Model):
    """What a board decided about an action at a meeting, with the minute reference as written.

    Closing the action and accepting a revised date take effect through a progress update written
    on the decision's behalf (rounds.record_decision), so delivery status, RAG, slippage and every
    count follow from the one set of rules."""

    class Kind(models.TextChoices):
        CLOSE = "close", "Close the action"
        REVISED_DATE = "revised_date", "Accept a revised completion date"
        DEEP_DIVE = "deep_dive", "Deep dive requested"
        ESCALATE = "escalate", "Escalate to another board"
        NOTE = "note", "Note"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="decisions")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField("decision", max_length=20, choices=Kind.choices)
    minute_reference = models.CharField("minute reference (as written)", max_length=100, blank=True)
    revised_due_date = models.DateField("revised completion date", null=True, blank=True)
    escalated_to = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, null=True, blank=True, related_name="escalations_received"
    )
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting__date", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.action.code} ({self.meeting})"

    @property
    def takes_effect(self) -> bool:
        """Whether it changes the action's status (through a progress update)."""
        return self.kind in (self.Kind.CLOSE, self.Kind.REVISED_DATE)

    def summary(self) -> str:
        """The decision in a sentence, as the progress update and the audit trail give it."""
        said = {
            self.Kind.CLOSE: "Closed",
            self.Kind.REVISED_DATE: (
                f"Revised completion date of {self.revised_due_date:%-d %B %Y} accepted"
                if self.revised_due_date
                else "Revised completion date accepted"
            ),
            self.Kind.DEEP_DIVE: "Deep dive requested",
            self.Kind.ESCALATE: f"Escalated to {self.escalated_to}" if self.escalated_to else "Escalated",
            self.Kind.NOTE: "Noted",
        }[self.Kind(self.kind)]
        minute = f", minute {self.minute_reference}" if self.minute_reference else ""
        meeting = self.meeting
        text = f"{said} by the {meeting.partnership.label} at its meeting of {meeting.date:%-d %B %Y}{minute}."
        return f"{text} {self.note}" if self.note else text
