from collections import defaultdict

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.urls import reverse
from simple_history.models import HistoricalRecords

from partnerships.models import Organisation


class Plan(models.Model):
    """An agreed plan whose delivery a board assures, e.g. the CQC Local System Review action plan."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    full_title = models.CharField(max_length=300, blank=True)
    # The assuring board as written; becomes a link to partnerships when boards exist.
    board_name = models.CharField("board", max_length=200, blank=True)
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

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("actionplan:plan", args=[self.slug])

    def outline(self):
        """Priorities, each with .key_actions, each with .subs: the whole plan in a fixed number of queries."""
        actions = list(self.actions.for_display())
        children = defaultdict(list)
        for action in actions:
            children[action.parent_id].append(action)
        for action in actions:
            action.subs = children[action.pk]
        by_priority = defaultdict(list)
        for action in children[None]:
            by_priority[action.priority_id].append(action)
        priorities = list(self.priorities.all())
        for priority in priorities:
            priority.key_actions = by_priority[priority.pk]
        return priorities


class StrategicPriority(models.Model):
    """The top level of a plan (CQC: strategic priorities A–O; HIC: sections)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="priorities")
    code = models.CharField(max_length=20)
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "position"]
        verbose_name_plural = "strategic priorities"
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_priority_code")]

    def __str__(self):
        return f"{self.code}) {self.text[:80]}"


class OwnerQuerySet(models.QuerySet):
    def people(self):
        return self.filter(kind=Owner.Kind.PERSON)

    def groups(self):
        return self.filter(kind=Owner.Kind.GROUP)

    def organisations(self):
        return self.filter(kind=Owner.Kind.ORGANISATION)


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

    objects = OwnerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "code"]

    def __str__(self):
        return self.code if self.kind == self.Kind.GROUP else f"{self.code} ({self.name})"


class ActionQuerySet(models.QuerySet):
    def key_actions(self):
        return self.filter(parent__isnull=True)

    def sub_actions(self):
        return self.filter(parent__isnull=False)

    def no_date_set(self):
        return self.filter(due_date__isnull=True)

    def accountable_is(self, owner):
        return self.filter(accountable=owner)

    def responsible_is(self, owner):
        """Actions `owner` is responsible for, counting sub-actions that inherit their key action's."""
        own = Action.responsible.through.objects.filter(action=OuterRef("pk"))
        return (
            self.alias(has_own_responsible=Exists(own))
            .filter(Q(responsible=owner) | Q(parent__responsible=owner, has_own_responsible=False))
            .distinct()
        )

    def for_display(self):
        """Everything a page shows for each action, in a fixed number of queries."""
        return self.select_related("priority", "parent").prefetch_related(
            Prefetch("accountable", Owner.objects.select_related("organisation")),
            Prefetch("responsible", Owner.objects.select_related("organisation")),
            "milestones",
            Prefetch("progress_updates", ProgressUpdate.objects.latest_per_action(), to_attr="latest_updates"),
        )


class Action(models.Model):
    """A key action (A1…O3) or, when it has a parent, one of its sub-actions (i, ii, …)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="actions")
    priority = models.ForeignKey(StrategicPriority, on_delete=models.CASCADE, related_name="actions")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="sub_actions"
    )
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

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[accountable, responsible])

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_action_code")]
        indexes = [models.Index(fields=["plan", "due_date"])]

    def __str__(self):
        return f"{self.code} {self.title[:80]}"

    def get_absolute_url(self):
        return f"{self.plan.get_absolute_url()}#{self.anchor}"

    @property
    def anchor(self):
        return "action-" + self.code.replace(" ", "-")

    @property
    def is_sub_action(self):
        return self.parent_id is not None

    @property
    def inherits_completion_date(self):
        return self.is_sub_action and not self.completion_date_text

    def responsible_owners(self):
        """Own responsible owners, or the key action's where a sub-action names none."""
        own = list(self.responsible.all())
        if own or self.parent is None:
            return own
        return list(self.parent.responsible.all())

    def latest_update(self):
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

    def __str__(self):
        return f"{self.due_date:%d %B %Y} ({self.label})" if self.label else f"{self.due_date:%d %B %Y}"


class ProgressUpdateQuerySet(models.QuerySet):
    def latest_per_action(self):
        """Only the newest update of each action (one correlated subquery, any data size)."""
        newest = ProgressUpdate.objects.filter(action=OuterRef("action")).order_by(
            "-reported_on", "-created_at", "-pk"
        )
        return self.filter(pk=Subquery(newest.values("pk")[:1]))

    def imported(self):
        return self.filter(imported=True)


class ProgressUpdate(models.Model):
    """A dated progress narrative for an action. Append-only: history is never rewritten."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="progress_updates")
    reported_on = models.DateField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    narrative = models.TextField()
    # True for the "current progress" text that came from the plan file: the importer owns it.
    imported = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgressUpdateQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-reported_on", "-created_at", "-pk"]
        indexes = [models.Index(fields=["action", "-reported_on"])]

    def __str__(self):
        return f"{self.action.code} {self.reported_on:%d/%m/%Y}"

    @property
    def author_display(self):
        if self.author is None:
            return "Author unknown"
        return self.author.get_full_name() or self.author.get_username()
