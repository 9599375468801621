"""Performance indicators: the council's success indicators with targets, RAG history and outlook,
its financial dashboards, and Adult Social Care key statistics with benchmarks.

The RAG rule is decided once, in `Indicator.target_band()` / `Indicator.rag_for()`; the SQL twin in
`indicators.querysets` mirrors it so that pages can filter by RAG in a fixed number of queries.
A reported RAG (a director's judgement) always wins over the computed one; the difference is shown.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from indicators import periods
from indicators.formatting import format_quantity
from indicators.querysets import (
    AscofMeasureQuerySet,
    IndicatorQuerySet,
    IndicatorValueQuerySet,
    OutcomeRatingQuerySet,
    PeriodQuerySet,
)
from partnerships.models import Partnership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class IndicatorRag(models.TextChoices):
    """An indicator value's RAG (its target rule's, or as reported); an action's is actionplan's RAG."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Outlook(models.TextChoices):
    """Direction of travel, in the words of the report's outlook key."""

    IMPROVING = "improving", "Improving"
    STABLE = "stable", "Stable"
    DETERIORATING = "deteriorating", "Deteriorating"


OUTLOOK_SYMBOLS = {Outlook.IMPROVING: "↑", Outlook.DETERIORATING: "↓", Outlook.STABLE: "↔"}
# The report's own key, printed under every dashboard.
OUTLOOK_KEY = {
    Outlook.IMPROVING: "the outlook is positive/improving",
    Outlook.DETERIORATING: "the outlook is negative/deteriorating",
    Outlook.STABLE: "the outlook is stable",
}


class Directorate(models.Model):
    """A council directorate with its own performance dashboard, e.g. Public Health."""

    slug = models.SlugField(max_length=100, unique=True)
    # The short name the report uses in brackets after an outcome: SCS, CEF, PH, Communities, CSS.
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("indicators:directorate", args=[self.slug])


class DirectorateMembership(models.Model):
    """A user's role in one directorate's performance reporting: a performance officer enters the
    values of that directorate's indicators, and no other's. Given in the admin."""

    class Role(models.TextChoices):
        OFFICER = "officer", "Performance officer (enters values)"

    directorate = models.ForeignKey(Directorate, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directorate_memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OFFICER)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["directorate", "user"], name="one_role_per_directorate")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} of {self.directorate}"


class CorporatePriority(models.Model):
    """One of the corporate plan's priorities: Thriving Economy, Protecting Vulnerable People, ..."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "corporate priorities"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("indicators:priority", args=[self.slug])


class Outcome(models.Model):
    """An outcome a directorate works towards under a priority; success indicators measure it."""

    # Not in the report, which never numbers outcomes: a short key so files can refer to one (SCS1).
    code = models.CharField(max_length=20, unique=True)
    directorate = models.ForeignKey(Directorate, on_delete=models.PROTECT, related_name="outcomes")
    priority = models.ForeignKey(CorporatePriority, on_delete=models.PROTECT, related_name="outcomes")
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)
    # The partnership board that assures the outcome, where one does (the looked-after children
    # outcome: the Children's Trust); blank when only the council's own committees scrutinise it.
    board = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
        help_text="The partnership board that assures this outcome.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["directorate__position", "position"]

    def __str__(self) -> str:
        return f"{self.text} ({self.directorate.code})"


class CqcTheme(models.Model):
    """A CQC assessment theme under which the Adult Social Care self-assessment gives key statistics."""

    number = models.PositiveSmallIntegerField(unique=True)
    title = models.CharField(max_length=200)
    # "Key Statistics" for themes 1–3; theme 4's table is headed "Key Priorities".
    table_heading = models.CharField(max_length=100, default="Key Statistics")

    class Meta:
        ordering = ["number"]
        verbose_name = "CQC theme"

    def __str__(self) -> str:
        return f"CQC Theme {self.number}: {self.title}"


class Period(models.Model):
    """A reporting period; see indicators.periods for the labels and their dates."""

    class Kind(models.TextChoices):
        QUARTER = periods.QUARTER, "Quarter"
        MONTH = periods.MONTH, "Month"
        YEAR = periods.YEAR, "Financial year"
        TWELVE_MONTHS = periods.TWELVE_MONTHS, "12 months"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    label = models.CharField(max_length=50, unique=True)
    start = models.DateField()
    end = models.DateField()

    objects = PeriodQuerySet.as_manager()

    class Meta:
        ordering = ["end", "start"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "start", "end"], name="unique_period_dates"),
            models.CheckConstraint(condition=models.Q(start__lte=models.F("end")), name="period_starts_before_end"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def short_label(self) -> str:
        """ "Q2" for a quarter (the report's column headings); the full label otherwise."""
        return self.label.split(" ")[0] if self.kind == self.Kind.QUARTER else self.label

    def next_label(self) -> str:
        return periods.next_label(self.kind, self.end)


class Indicator(models.Model):
    """A success indicator from a performance dashboard, or a key statistic from a self-assessment."""

    class Kind(models.TextChoices):
        SUCCESS = "success", "Success indicator"
        KEY_STATISTIC = "key_statistic", "Key statistic"

    class TargetKind(models.TextChoices):
        AT_LEAST = "at_least", "At least (≥)"
        AT_MOST = "at_most", "At most (≤)"
        BETWEEN = "between", "Between"
        REACH_BY_DATE = "reach_by_date", "Reach by a date"

    class Polarity(models.TextChoices):
        HIGHER = "higher", "Higher is better"
        LOWER = "lower", "Lower is better"

    class Column(models.TextChoices):
        """The three columns of the self-assessment's key statistics tables."""

        ACTIVITY = "activity", "Activity"
        WORKING_WELL = "working_well", "Working Well"
        PRIORITY_AREA = "priority_area", "Priority Area"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SUCCESS)
    # How people and files refer to it: "12" for success indicator 12, "ASC-T3-W1" for a key statistic.
    code = models.CharField(max_length=30, unique=True)
    number = models.PositiveSmallIntegerField(null=True, blank=True)
    directorate = models.ForeignKey(
        Directorate, on_delete=models.PROTECT, null=True, blank=True, related_name="indicators"
    )
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, null=True, blank=True, related_name="indicators")
    theme = models.ForeignKey(CqcTheme, on_delete=models.PROTECT, null=True, blank=True, related_name="indicators")
    column = models.CharField(max_length=20, choices=Column.choices, blank=True)
    position = models.PositiveIntegerField(default=0)
    text = models.TextField()
    unit = models.CharField(max_length=50, blank=True, help_text='e.g. "%", "people", "hours per month".')
    cumulative = models.BooleanField(null=True, blank=True, help_text="Cumulative target (Y/N) as the report gives it.")

    # The target in the report's words ("93-95%", "Top quartile", "60/20") ...
    target_text = models.CharField("target (as written)", max_length=200, blank=True)
    # ... and, where it can be one, as a rule. Blank target_kind: no rule, RAG is judgement only.
    target_kind = models.CharField(max_length=20, choices=TargetKind.choices, blank=True)
    target_value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    target_upper = models.DecimalField(
        max_digits=16, decimal_places=4, null=True, blank=True, help_text="Upper end of a 'between' target."
    )
    target_date = models.DateField(null=True, blank=True, help_text="For 'reach by a date': when the target applies.")
    baseline_value = models.DecimalField(
        max_digits=16,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="For 'reach by a date': the starting level; before the date the target is the straight line from it.",
    )
    baseline_date = models.DateField(null=True, blank=True)
    polarity = models.CharField(max_length=10, choices=Polarity.choices, blank=True)
    tolerance_percent = models.DecimalField(
        "Amber tolerance (%)",
        max_digits=6,
        decimal_places=2,
        default=Decimal("5"),
        help_text="Off target by no more than this percentage of the target is Amber; further is Red.",
    )
    # The boards that review this indicator beside the plans they assure (the BCF JMG reviews
    # delayed transfers of care); see fixtures/indicators/reviewing-boards-2018-11.yaml.
    partnerships = models.ManyToManyField(
        Partnership,
        blank=True,
        related_name="indicators",
        verbose_name="reviewing boards",
        help_text="The partnership boards that review this indicator.",
    )

    objects = IndicatorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "number", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=models.Q(kind="success"), name="unique_success_indicator_number"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.SUCCESS:
            return f"Indicator {self.code}: {self.text[:80]}"
        return f"{self.code}: {self.text[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("indicators:indicator", args=[self.code])

    @property
    def title(self) -> str:
        return f"Indicator {self.code}" if self.kind == self.Kind.SUCCESS else f"Key statistic {self.code}"

    def can_take_values_from(self, user: User | AnonymousUser) -> bool:
        """May `user` enter this indicator's values? Decided in IndicatorQuerySet.enterable_by."""
        return Indicator.objects.enterable_by(user).filter(pk=self.pk).exists()

    def clean(self) -> None:
        problems = rule_problems(
            self.target_kind,
            self.target_value,
            self.target_upper,
            self.target_date,
            self.baseline_value,
            self.baseline_date,
            self.polarity,
        )
        if problems:
            raise ValidationError({name: message for name, message in problems})

    # -- the RAG rule ---------------------------------------------------------------------------

    def trajectory_at(self, on: datetime.date) -> Decimal | None:
        """For a 'reach by a date' target: the level due by `on`, or None if no level applies yet."""
        if self.target_date is None or self.target_value is None:
            return None  # not a whole rule (rule_problems)
        if on >= self.target_date:
            return self.target_value
        if self.baseline_value is None or self.baseline_date is None:
            return None
        if on <= self.baseline_date:
            return self.baseline_value
        done = Decimal((on - self.baseline_date).days)
        total = Decimal((self.target_date - self.baseline_date).days)
        return self.baseline_value + (self.target_value - self.baseline_value) * done / total

    def target_band(self, on: datetime.date) -> tuple[Decimal | None, Decimal | None] | None:
        """(low, high): the values that are on target for a period ending `on`; None for an open end.
        None when there is no rule, or none applies yet."""
        kind = self.target_kind
        if kind == self.TargetKind.AT_LEAST:
            return (self.target_value, None)
        if kind == self.TargetKind.AT_MOST:
            return (None, self.target_value)
        if kind == self.TargetKind.BETWEEN:
            return (self.target_value, self.target_upper)
        if kind == self.TargetKind.REACH_BY_DATE:
            level = self.trajectory_at(on)
            if level is None:
                return None
            return (level, None) if self.polarity == self.Polarity.HIGHER else (None, level)
        return None

    def rag_for(self, actual: Decimal | None, on: datetime.date) -> IndicatorRag | None:
        """The RAG the rule gives an actual value for a period ending `on`: Green inside the target
        band, Amber outside it by no more than tolerance_percent of the target, Red beyond."""
        band = self.target_band(on)
        if actual is None or band is None:
            return None
        low, high = band
        if (low is None or actual >= low) and (high is None or actual <= high):
            return IndicatorRag.GREEN
        if low is not None and actual < low:
            reference, gap = low, low - actual
        else:
            assert high is not None  # outside the band and not below it: above its top
            reference, gap = high, actual - high
        allowed = abs(reference) * self.tolerance_percent / 100
        return IndicatorRag.AMBER if gap <= allowed else IndicatorRag.RED

    def rule_display(self) -> str:
        """The rule in words: "≥ 67%", "between 93% and 95%", "≤ 14 by 31 March 2018 (from 28 on 31 March 2017)"."""
        kind, unit = self.target_kind, self.unit
        if kind == self.TargetKind.AT_LEAST:
            return f"≥ {format_quantity(self.target_value, unit)}"
        if kind == self.TargetKind.AT_MOST:
            return f"≤ {format_quantity(self.target_value, unit)}"
        if kind == self.TargetKind.BETWEEN:
            return f"between {format_quantity(self.target_value, unit)} and {format_quantity(self.target_upper, unit)}"
        if kind == self.TargetKind.REACH_BY_DATE:
            sign = "≥" if self.polarity == self.Polarity.HIGHER else "≤"
            text = f"{sign} {format_quantity(self.target_value, unit)} by {self.target_date:%-d %B %Y}"
            if self.baseline_value is not None and self.baseline_date is not None:
                text += f" (from {format_quantity(self.baseline_value, unit)} on {self.baseline_date:%-d %B %Y})"
            return text
        return ""


def rule_problems(
    kind: str,
    value: Decimal | None,
    upper: Decimal | None,
    target_date: datetime.date | None,
    baseline_value: Decimal | None,
    baseline_date: datetime.date | None,
    polarity: str,
) -> list[tuple[str, str]]:
    """[(field, message)] for a target rule that cannot be applied; shared by the model and importers."""
    problems: list[tuple[str, str]] = []
    if not kind:
        return problems
    if value is None:
        problems.append(("target_value", "a rule needs a target value"))
    if kind == Indicator.TargetKind.BETWEEN:
        if upper is None:
            problems.append(("target_upper", "a 'between' rule needs an upper value"))
        elif value is not None and upper < value:
            problems.append(("target_upper", f"the upper value {upper} is below the lower value {value}"))
    if kind == Indicator.TargetKind.AT_LEAST and polarity == Indicator.Polarity.LOWER:
        problems.append(("polarity", "an 'at least' target means higher is better"))
    if kind == Indicator.TargetKind.AT_MOST and polarity == Indicator.Polarity.HIGHER:
        problems.append(("polarity", "an 'at most' target means lower is better"))
    if kind == Indicator.TargetKind.REACH_BY_DATE:
        if target_date is None:
            problems.append(("target_date", "a 'reach by a date' rule needs the date"))
        if not polarity:
            problems.append(("polarity", "a 'reach by a date' rule needs to know whether higher or lower is better"))
        if (baseline_value is None) != (baseline_date is None):
            problems.append(("baseline_date", "give both the starting value and its date, or neither"))
        if baseline_date and target_date and baseline_date >= target_date:
            problems.append(("baseline_date", "the starting date must be before the target date"))
    return problems


class IndicatorValue(models.Model):
    """What was reported for one indicator in one period: the actual, the RAG, the outlook."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="values")
    actual = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    actual_text = models.CharField("actual (as written)", max_length=200, blank=True)
    # The RAG as reported, and the words it was reported in ("G", "Due in Q3"): words that are not
    # a RAG are kept in rag_text with reported_rag blank.
    reported_rag = models.CharField("RAG as reported", max_length=10, choices=IndicatorRag.choices, blank=True)
    rag_text = models.CharField("RAG (as written)", max_length=50, blank=True)
    outlook = models.CharField(max_length=20, choices=Outlook.choices, blank=True)
    note = models.TextField("narrative", blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="The paper or file this value came from.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(null=True, blank=True)

    objects = IndicatorValueQuerySet.as_manager()
    history = HistoricalRecords()

    # Set by with_shown_rag(); and beside a Red value in a board's exception report (actionplan).
    rule_rag: str | None
    shown_rag: str | None
    outcome_rating: OutcomeRating | None
    exception: ExceptionRecord | None

    class Meta:
        ordering = ["indicator", "period__end"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="unique_value_per_period")]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period.label}"

    def computed_rag(self) -> IndicatorRag | None:
        return self.indicator.rag_for(self.actual, on=self.period.end)

    @property
    def rag(self) -> str | None:
        """The RAG to show: as reported when there is one, else as the rule computes it."""
        return self.reported_rag or self.computed_rag()

    @property
    def rag_is_computed(self) -> bool:
        return not self.reported_rag and self.computed_rag() is not None

    def rag_disagrees(self) -> bool:
        """True when a reported RAG differs from what the rule gives: shown, never silently fixed."""
        computed = self.computed_rag()
        return bool(self.reported_rag) and computed is not None and computed != self.reported_rag

    @property
    def entered_by_display(self) -> str:
        if self.entered_by is None:
            return self.source or "Imported"
        return self.entered_by.get_full_name() or self.entered_by.get_username()


class Benchmark(models.Model):
    """A comparator for an indicator: England, the South East, statistical neighbours."""

    class Area(models.TextChoices):
        ENGLAND = "england", "England"
        SOUTH_EAST = "south_east", "South East"
        STATISTICAL_NEIGHBOURS = "statistical_neighbours", "Statistical neighbours"

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="benchmarks")
    area = models.CharField(max_length=30, choices=Area.choices)
    # How the source names the comparator: "nationally", "CIPFA family", "the latest national figure".
    area_text = models.CharField("comparator (as written)", max_length=200, blank=True)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="benchmarks")
    value = models.DecimalField(max_digits=16, decimal_places=4)
    value_text = models.CharField("value (as written)", max_length=100, blank=True)
    source = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["indicator", "area", "period__end"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "area", "period"], name="unique_benchmark_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.get_area_display()} {self.period.label}"


class FinancialDashboard(models.Model):
    """One directorate's financial report, e.g. "People – Children's Services" at end October 2017."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    # The performance dashboard it sits beside; Resources and Corporate have none.
    directorate = models.ForeignKey(
        Directorate, on_delete=models.SET_NULL, null=True, blank=True, related_name="financial_dashboards"
    )
    position_heading = models.CharField(max_length=100, help_text='As written, e.g. "Position at end Oct 2017".')
    as_at = models.DateField(null=True, blank=True)
    reported_to = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title


class FinancialIndicator(models.Model):
    """A row of a financial dashboard: success indicator, target, position, on target?, notes."""

    dashboard = models.ForeignKey(FinancialDashboard, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveIntegerField(default=0)
    group = models.CharField(max_length=100, blank=True, help_text='e.g. "Financial Performance".')
    text = models.TextField("success indicator")
    target_text = models.CharField("target", max_length=200, blank=True)
    position_text = models.CharField("position", max_length=200, blank=True)
    on_target = models.BooleanField("on target?", null=True, blank=True)
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["dashboard", "position"]
        constraints = [models.UniqueConstraint(fields=["dashboard", "position"], name="unique_financial_row_position")]

    def __str__(self) -> str:
        return f"{self.dashboard.title}: {self.text[:80]}"


# -- Outcome assurance: a director's RAG per outcome, exception records, ASCOF, headline tiles -------

# The papers' definition, shown beside every outcome RAG key (Section C of the Q2 2017-18 report).
RED_OUTCOME_DEFINITION = "might not be achieved by year end as things stand"


class OutcomeRag(models.TextChoices):
    """A director's rating of an outcome. "Green or Amber" is for a report that only says an outcome
    was not Red (the Q2 2017-18 report rates 22 of 23 outcomes "Green or Amber" without saying which)."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    GREEN_OR_AMBER = "green_or_amber", "Green or Amber"


class OutcomeRating(models.Model):
    """What a director rated an outcome at the end of a period: a judgement, not a roll-up of its
    indicators' RAGs (indicator 7 stayed Red in Q2 2017-18 while its outcome moved to Amber)."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="ratings")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="outcome_ratings")
    rag = models.CharField("RAG", max_length=20, choices=OutcomeRag.choices)
    note = models.TextField(blank=True, help_text="Where the rating comes from, or what the papers leave unclear.")
    source = models.CharField(max_length=200, blank=True)

    objects = OutcomeRatingQuerySet.as_manager()

    # Set beside a Red rating in a board's exception report (actionplan.reports.ExceptionReport).
    exception: ExceptionRecord | None
    history = HistoricalRecords()

    class Meta:
        ordering = ["outcome", "period__end"]
        constraints = [models.UniqueConstraint(fields=["outcome", "period"], name="unique_outcome_rating_per_period")]

    def __str__(self) -> str:
        return f"{self.outcome.code} {self.period.label}: {self.get_rag_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every way in (admin, importer, shell) goes through save: a Red outcome always carries the
        # reasons and the recommended action the board is asked to accept.
        self.clean()
        super().save(*args, **kwargs)

    @property
    def is_red(self) -> bool:
        return self.rag == OutcomeRag.RED

    def exception_record(self) -> ExceptionRecord | None:
        return ExceptionRecord.objects.filter(outcome_id=self.outcome_id, period_id=self.period_id).first()

    def clean(self) -> None:
        if self.is_red and self.outcome_id and self.period_id and self.exception_record() is None:
            raise ValidationError({"rag": red_needs_exception_message(self.outcome, self.period)})

    def disagrees_with(self, indicator_rags: list[str]) -> bool:
        """True when the rating and its indicators tell different stories: a Red indicator under an
        outcome not rated Red, or a Red outcome none of whose indicators is Red."""
        reds = IndicatorRag.RED in indicator_rags
        if self.is_red:
            return bool(indicator_rags) and not reds
        return reds


def red_needs_exception_message(outcome: Outcome, period: Period) -> str:
    return (
        f"{outcome.code} cannot be rated Red for {period.label} without an exception record: add the "
        "narrative and the recommended action for it first."
    )


class ExceptionRecord(models.Model):
    """Why an outcome is Red and what is recommended, as a report's Section C gives it, with the
    decision on the recommendation (who accepted it, and when)."""

    class Decision(models.TextChoices):
        AWAITING = "awaiting", "Awaiting decision"
        ACCEPTED = "accepted", "Accepted"
        NOT_ACCEPTED = "not_accepted", "Not accepted"
        NOT_RECORDED = "not_recorded", "Not recorded in the papers held"

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="exception_records")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="exception_records")
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="exception_records", help_text="The success indicators concerned."
    )
    narrative = models.TextField()
    recommended_action = models.TextField()
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.AWAITING)
    decided_by = models.CharField(max_length=200, blank=True, help_text='e.g. "County Leadership Team".')
    decided_on = models.DateField(null=True, blank=True)
    decision_text = models.TextField("decision (as written)", blank=True)
    source = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["period__end", "outcome"]
        constraints = [models.UniqueConstraint(fields=["outcome", "period"], name="unique_exception_per_period")]

    def __str__(self) -> str:
        return f"Exception: {self.outcome.code} {self.period.label}"

    def clean(self) -> None:
        if self.decision in (self.Decision.ACCEPTED, self.Decision.NOT_ACCEPTED) and not self.decided_by:
            raise ValidationError({"decided_by": "Say who made the decision."})


class AscofDomain(models.Model):
    """One of the Adult Social Care Outcomes Framework's six domains: 1. Quality of life, ..."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["number"]
        verbose_name = "ASCOF domain"

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class AscofMeasure(models.Model):
    """An ASCOF measure with England's figure and Oxfordshire's for two years. A figure the source
    says is "not yet available" is kept as missing (None), never as zero.

    Changes are computed, never stored: as a difference (percentage points, scores) or, where the
    source compares rates per 100,000 that way, as a percentage of the earlier figure."""

    class CompareAs(models.TextChoices):
        DIFFERENCE = "difference", "Difference"
        PERCENT = "percent", "Percentage change"

    domain = models.ForeignKey(AscofDomain, on_delete=models.PROTECT, related_name="measures")
    # Unique: the source prints 2B and 3C twice each; NHS Digital's 2B(1)/2B(2), 3C(1)/3C(2) tell them apart.
    code = models.CharField(max_length=20, unique=True)
    code_as_written = models.CharField(max_length=20, blank=True)
    text = models.TextField()
    unit = models.CharField(max_length=50, blank=True)
    polarity = models.CharField(max_length=10, choices=Indicator.Polarity.choices)
    compare_as = models.CharField(max_length=20, choices=CompareAs.choices, default=CompareAs.DIFFERENCE)
    position = models.PositiveIntegerField(default=0)
    england_period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    england_value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    previous_period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    previous_value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    current_period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    current_value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    current_text = models.CharField(
        "current (as written)", max_length=100, blank=True, help_text='e.g. "not yet available".'
    )
    source = models.CharField(max_length=200, blank=True)

    objects = AscofMeasureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["domain__number", "position"]
        verbose_name = "ASCOF measure"

    def __str__(self) -> str:
        return f"{self.code}: {self.text[:80]}"

    # The rule for better/worse is here and, for filtering and counting, in AscofMeasureQuerySet.

    @property
    def sign(self) -> int:
        return 1 if self.polarity == Indicator.Polarity.HIGHER else -1

    def _change(self, new: Decimal | None, old: Decimal | None) -> Decimal | None:
        if new is None or old is None:
            return None
        if self.compare_as == self.CompareAs.PERCENT:
            return (new - old) / old * 100 if old else None
        return new - old

    @property
    def change_in_year(self) -> Decimal | None:
        return self._change(self.current_value, self.previous_value)

    @property
    def difference_from_england(self) -> Decimal | None:
        return self._change(self.current_value, self.england_value)

    @staticmethod
    def _judge(amount: Decimal | None, sign: int, good: str, bad: str, same: str) -> str | None:
        if amount is None:
            return None
        amount = amount * sign
        return good if amount > 0 else bad if amount < 0 else same

    @property
    def trend(self) -> str | None:
        """ "improved", "deteriorated", "unchanged", or None without this year's figure."""
        return self._judge(self.change_in_year, self.sign, "improved", "deteriorated", "unchanged")

    @property
    def against_england(self) -> str | None:
        """ "better", "worse", "same" than England's last figure, by polarity; None when missing."""
        return self._judge(self.difference_from_england, self.sign, "better", "worse", "same")


class HeadlineTile(models.Model):
    """One of the self-assessment's headline figures ("Adult Social Care performance and activity"):
    the current value and a comparator, and the change the paper printed. The change is computed;
    where the paper's printed change disagrees with its own values, both are shown and flagged."""

    class Direction(models.TextChoices):
        UP = "up", "↑"
        DOWN = "down", "↓"

    position = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    unit = models.CharField(max_length=50, blank=True)
    current_value = models.DecimalField(max_digits=16, decimal_places=4)
    current_period = models.CharField(max_length=100, help_text='As written, e.g. "31 July 24".')
    comparator_value = models.DecimalField(max_digits=16, decimal_places=4)
    comparator_period = models.CharField(max_length=100, help_text='As written, e.g. "July 23".')
    printed_change = models.DecimalField(
        max_digits=10, decimal_places=4, null=True, blank=True, help_text="The percentage change as printed."
    )
    printed_direction = models.CharField(max_length=10, choices=Direction.choices, blank=True)
    printed_change_text = models.CharField("change (as written)", max_length=50, blank=True)
    source = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.title

    @property
    def change(self) -> Decimal | None:
        """The percentage change from the comparator, computed from the two values."""
        if not self.comparator_value:
            return None
        return (self.current_value - self.comparator_value) / self.comparator_value * 100

    @property
    def difference(self) -> Decimal:
        return self.current_value - self.comparator_value

    @property
    def direction(self) -> str:
        return self.Direction.UP if self.difference > 0 else self.Direction.DOWN if self.difference < 0 else ""

    def printed_places(self) -> int:
        """The decimals the paper printed the change to: "89% ↑" → 0, "2.1% ↑" → 1."""
        number = re.search(r"\d+(?:\.(\d+))?", self.printed_change_text)
        return len(number.group(1) or "") if number else 1

    @property
    def change_disagrees(self) -> bool:
        """True when the printed change is not the values' change at the printed precision, or its
        arrow points the other way."""
        if self.printed_change is None or self.change is None:
            return False
        rounded = round(self.change, self.printed_places())
        wrong_arrow = bool(self.printed_direction) and self.printed_direction != self.direction
        return rounded != self.printed_change or wrong_arrow


class DataQualityNote(models.Model):
    """Two figures the papers give for the same measure and period that do not agree. Recorded and
    shown to admins; never silently reconciled."""

    tile = models.ForeignKey(
        HeadlineTile, on_delete=models.CASCADE, null=True, blank=True, related_name="data_quality_notes"
    )
    measure = models.ForeignKey(
        AscofMeasure, on_delete=models.CASCADE, null=True, blank=True, related_name="data_quality_notes"
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="data_quality_notes",
        help_text="The key statistic or indicator the same figure appears as, if any.",
    )
    period = models.CharField(max_length=100, help_text='As written, e.g. "July 2024".')
    figures = models.JSONField(
        default=list, help_text='Each figure with where it is given: ["592 (Overview chart)", ...].'
    )
    note = models.TextField()
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["tile__position", "measure__position", "position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tile__isnull=False)
                | models.Q(measure__isnull=False)
                | models.Q(indicator__isnull=False),
                name="data_quality_note_is_on_a_measure",
            )
        ]

    def __str__(self) -> str:
        return f"Data quality: {self.tile or self.measure or self.indicator} ({self.period})"
