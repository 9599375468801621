"""Performance indicators: the council's success indicators with targets, RAG history and outlook,
its financial dashboards, and Adult Social Care key statistics with benchmarks.

The RAG rule is decided once, in `Indicator.target_band()` / `Indicator.rag_for()`; the SQL twin in
`indicators.querysets` mirrors it so that pages can filter by RAG in a fixed number of queries.
A reported RAG (a director's judgement) always wins over the computed one; the difference is shown.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from indicators import periods
from indicators.formatting import format_quantity
from indicators.querysets import IndicatorQuerySet, IndicatorValueQuerySet, PeriodQuerySet


class Rag(models.TextChoices):
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

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("indicators:directorate", args=[self.slug])


class CorporatePriority(models.Model):
    """One of the corporate plan's priorities: Thriving Economy, Protecting Vulnerable People, ..."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "corporate priorities"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("indicators:priority", args=[self.slug])


class Outcome(models.Model):
    """An outcome a directorate works towards under a priority; success indicators measure it."""

    # Not in the report, which never numbers outcomes: a short key so files can refer to one (SCS1).
    code = models.CharField(max_length=20, unique=True)
    directorate = models.ForeignKey(Directorate, on_delete=models.PROTECT, related_name="outcomes")
    priority = models.ForeignKey(CorporatePriority, on_delete=models.PROTECT, related_name="outcomes")
    text = models.TextField()
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["directorate__position", "position"]

    def __str__(self):
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

    def __str__(self):
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

    def __str__(self):
        return self.label

    @property
    def short_label(self):
        """"Q2" for a quarter (the report's column headings); the full label otherwise."""
        return self.label.split(" ")[0] if self.kind == self.Kind.QUARTER else self.label

    def next_label(self):
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
        max_digits=16, decimal_places=4, null=True, blank=True,
        help_text="For 'reach by a date': the starting level; before the date the target is the straight line from it.",
    )
    baseline_date = models.DateField(null=True, blank=True)
    polarity = models.CharField(max_length=10, choices=Polarity.choices, blank=True)
    tolerance_percent = models.DecimalField(
        "Amber tolerance (%)", max_digits=6, decimal_places=2, default=Decimal("5"),
        help_text="Off target by no more than this percentage of the target is Amber; further is Red.",
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

    def __str__(self):
        if self.kind == self.Kind.SUCCESS:
            return f"Indicator {self.code}: {self.text[:80]}"
        return f"{self.code}: {self.text[:80]}"

    def get_absolute_url(self):
        return reverse("indicators:indicator", args=[self.code])

    @property
    def title(self):
        return f"Indicator {self.code}" if self.kind == self.Kind.SUCCESS else f"Key statistic {self.code}"

    def clean(self):
        problems = rule_problems(
            self.target_kind, self.target_value, self.target_upper, self.target_date,
            self.baseline_value, self.baseline_date, self.polarity,
        )
        if problems:
            raise ValidationError({name: message for name, message in problems})

    # -- the RAG rule ---------------------------------------------------------------------------

    def trajectory_at(self, on):
        """For a 'reach by a date' target: the level due by `on`, or None if no level applies yet."""
        if on >= self.target_date:
            return self.target_value
        if self.baseline_value is None or self.baseline_date is None:
            return None
        if on <= self.baseline_date:
            return self.baseline_value
        done = Decimal((on - self.baseline_date).days)
        total = Decimal((self.target_date - self.baseline_date).days)
        return self.baseline_value + (self.target_value - self.baseline_value) * done / total

    def target_band(self, on):
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

    def rag_for(self, actual, on):
        """The RAG the rule gives an actual value for a period ending `on`: Green inside the target
        band, Amber outside it by no more than tolerance_percent of the target, Red beyond."""
        band = self.target_band(on)
        if actual is None or band is None:
            return None
        low, high = band
        if (low is None or actual >= low) and (high is None or actual <= high):
            return Rag.GREEN
        reference, gap = (low, low - actual) if low is not None and actual < low else (high, actual - high)
        allowed = abs(reference) * self.tolerance_percent / 100
        return Rag.AMBER if gap <= allowed else Rag.RED

    def rule_display(self):
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


def rule_problems(kind, value, upper, target_date, baseline_value, baseline_date, polarity):
    """[(field, message)] for a target rule that cannot be applied; shared by the model and importers."""
    problems = []
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
    reported_rag = models.CharField("RAG as reported", max_length=10, choices=Rag.choices, blank=True)
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

    class Meta:
        ordering = ["indicator", "period__end"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="unique_value_per_period")]

    def __str__(self):
        return f"{self.indicator.code} {self.period.label}"

    def computed_rag(self):
        return self.indicator.rag_for(self.actual, on=self.period.end)

    @property
    def rag(self):
        """The RAG to show: as reported when there is one, else as the rule computes it."""
        return self.reported_rag or self.computed_rag()

    @property
    def rag_is_computed(self):
        return not self.reported_rag and self.computed_rag() is not None

    def rag_disagrees(self):
        """True when a reported RAG differs from what the rule gives: shown, never silently fixed."""
        computed = self.computed_rag()
        return bool(self.reported_rag) and computed is not None and computed != self.reported_rag

    @property
    def outlook_symbol(self):
        return OUTLOOK_SYMBOLS.get(self.outlook, "")

    @property
    def entered_by_display(self):
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

    def __str__(self):
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

    def __str__(self):
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
        constraints = [
            models.UniqueConstraint(fields=["dashboard", "position"], name="unique_financial_row_position")
        ]

    def __str__(self):
        return f"{self.dashboard.title}: {self.text[:80]}"

