"""QuerySets for indicators, including the SQL twin of the RAG rule in Indicator.rag_for()."""

from django.db import models
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Abs, Cast, Coalesce, NullIf

from indicators import periods


class DayNumber(Func):
    """Whole days since 1970-01-01 of a date column: date arithmetic both SQLite and PostgreSQL do."""

    arity = 1
    output_field = IntegerField()
    template = "(%(expressions)s - DATE '1970-01-01')"

    def as_sqlite(self, compiler, connection, **extra):
        # julianday('1970-01-01') is 2440587.5; dates are whole days, so this is exact.
        return self.as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)", **extra
        )


class PeriodQuerySet(models.QuerySet):
    def for_label(self, label):
        """The period a label names, created on first use; raises periods.BadPeriod for a bad label."""
        spec = periods.parse_period(label)
        period, _ = self.get_or_create(
            label=spec.label, defaults={"kind": spec.kind, "start": spec.start, "end": spec.end}
        )
        return period

    def quarters(self):
        return self.filter(kind=periods.QUARTER)

    def with_success_values(self):
        return self.filter(values__indicator__kind="success").distinct()

    def with_outcome_ratings(self):
        return self.filter(outcome_ratings__isnull=False).distinct()

    def before(self, period):
        """Earlier periods of the same kind, nearest first."""
        return self.filter(kind=period.kind, end__lt=period.start).order_by("-end")


class IndicatorValueQuerySet(models.QuerySet):
    def for_display(self):
        return self.select_related("period", "entered_by")

    def with_rag(self):
        """Annotate `rule_rag` (what Indicator.rag_for() gives, computed in SQL) and `shown_rag`
        (the reported RAG, else rule_rag). Keep in step with Indicator.target_band() and rag_for()."""
        from indicators.models import Indicator, Rag

        kinds, polarity = Indicator.TargetKind, Indicator.Polarity
        real = FloatField()
        target = Cast("indicator__target_value", real)
        baseline = Cast("indicator__baseline_value", real)
        days = lambda name: Cast(DayNumber(name), real)  # noqa: E731
        trajectory = Case(
            When(indicator__target_date__lte=F("period__end"), then=target),
            When(
                Q(indicator__baseline_value__isnull=True) | Q(indicator__baseline_date__isnull=True),
                then=Value(None, real),
            ),
            When(indicator__baseline_date__gte=F("period__end"), then=baseline),
            default=baseline
            + (target - baseline)
            * (days("period__end") - days("indicator__baseline_date"))
            / (days("indicator__target_date") - days("indicator__baseline_date")),
            output_field=real,
        )
        low = Case(
            When(indicator__target_kind__in=[kinds.AT_LEAST, kinds.BETWEEN], then=target),
            When(indicator__target_kind=kinds.REACH_BY_DATE, indicator__polarity=polarity.HIGHER, then=trajectory),
            default=Value(None, real),
            output_field=real,
        )
        high = Case(
            When(indicator__target_kind=kinds.AT_MOST, then=target),
            When(indicator__target_kind=kinds.BETWEEN, then=Cast("indicator__target_upper", real)),
            When(indicator__target_kind=kinds.REACH_BY_DATE, indicator__polarity=polarity.LOWER, then=trajectory),
            default=Value(None, real),
            output_field=real,
        )
        below = Q(rag_low__isnull=False, rag_actual__lt=F("rag_low"))
        rule = Case(
            When(
                Q(rag_actual__isnull=True) | Q(rag_low__isnull=True, rag_high__isnull=True),
                then=Value(None, CharField()),
            ),
            When(
                (Q(rag_low__isnull=True) | Q(rag_actual__gte=F("rag_low")))
                & (Q(rag_high__isnull=True) | Q(rag_actual__lte=F("rag_high"))),
                then=Value(Rag.GREEN),
            ),
            When(below & Q(rag_gap_low__lte=F("rag_allow_low")), then=Value(Rag.AMBER)),
            When(below, then=Value(Rag.RED)),
            When(rag_gap_high__lte=F("rag_allow_high"), then=Value(Rag.AMBER)),
            default=Value(Rag.RED),
            output_field=CharField(),
        )
        return (
            self.alias(
                rag_actual=Cast("actual", real),
                rag_low=low,
                rag_high=high,
                rag_share=Cast("indicator__tolerance_percent", real) / Value(100.0),
            )
            .alias(
                rag_gap_low=F("rag_low") - F("rag_actual"),
                rag_gap_high=F("rag_actual") - F("rag_high"),
                rag_allow_low=Abs("rag_low") * F("rag_share"),
                rag_allow_high=Abs("rag_high") * F("rag_share"),
            )
            .annotate(rule_rag=rule)
            .annotate(shown_rag=Coalesce(NullIf("reported_rag", Value("")), F("rule_rag"), output_field=CharField()))
        )

    def rag_is(self, rag):
        return self.with_rag().filter(shown_rag=rag)

    def red(self):
        from indicators.models import Rag

        return self.rag_is(Rag.RED)

    def amber(self):
        from indicators.models import Rag

        return self.rag_is(Rag.AMBER)

    def green(self):
        from indicators.models import Rag

        return self.rag_is(Rag.GREEN)

    def disagreeing(self):
        """Values whose reported RAG differs from the rule's: what a reviewer should look at."""
        return (
            self.with_rag().exclude(reported_rag="").filter(rule_rag__isnull=False).exclude(rule_rag=F("reported_rag"))
        )


class IndicatorQuerySet(models.QuerySet):
    def success_indicators(self):
        return self.filter(kind="success")

    def key_statistics(self):
        return self.filter(kind="key_statistic")

    def enterable_by(self, user):
        """Indicators whose values `user` may enter: those of the directorates where they are a
        performance officer (DirectorateMembership); every one for a superuser. An indicator with
        no directorate (the ASC key statistics) is left to superusers and file imports."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(directorate__memberships__user=user, directorate__memberships__role="officer")

    def with_period(self, period, prefix):
        """Annotate <prefix>_rag (as shown) and <prefix>_outlook for one period; None where no value."""
        from indicators.models import IndicatorValue

        if period is None:
            return self.annotate(
                **{f"{prefix}_rag": Value(None, CharField()), f"{prefix}_outlook": Value(None, CharField())}
            )
        values = IndicatorValue.objects.with_rag().filter(indicator=OuterRef("pk"), period=period)
        return self.annotate(
            **{
                f"{prefix}_rag": Subquery(values.values("shown_rag")[:1], output_field=CharField()),
                f"{prefix}_outlook": Subquery(values.values("outlook")[:1], output_field=CharField()),
            }
        )

    def for_dashboard(self, period, previous):
        """Success indicators with everything a dashboard row shows, in a fixed number of queries:
        annotated current_rag/previous_rag/current_outlook for filtering, and .dashboard_values."""
        from indicators.models import IndicatorValue

        shown = [p for p in (period, previous) if p is not None]
        return (
            self.success_indicators()
            .select_related("directorate", "outcome__priority", "outcome__directorate")
            .with_period(period, "current")
            .with_period(previous, "previous")
            .prefetch_related(
                Prefetch(
                    "values",
                    IndicatorValue.objects.filter(period__in=shown).select_related("period"),
                    to_attr="dashboard_values",
                )
            )
        )

    def rag_changed(self):
        """Needs for_dashboard(): a RAG in both periods, and they differ ("Due in Q3" is no RAG)."""
        return self.filter(current_rag__isnull=False, previous_rag__isnull=False).exclude(current_rag=F("previous_rag"))


class OutcomeRatingQuerySet(models.QuerySet):
    def for_period(self, period):
        return self.filter(period=period)

    def red(self):
        return self.filter(rag="red")

    def not_red(self):
        return self.exclude(rag="red")

    def summary(self):
        """{"total", "red", "green_or_amber"}: counted, never stored, so the report's "Of the 23
        outcomes ... 22 were rated Green or Amber" comes out of the ratings themselves."""
        return self.aggregate(
            total=Count("pk"),
            red=Count("pk", filter=Q(rag="red")),
            green_or_amber=Count("pk", filter=~Q(rag="red")),
        )


class AscofMeasureQuerySet(models.QuerySet):
    """The SQL twin of AscofMeasure.trend / .against_england. Only the sign of a change decides
    better or worse, and a percentage change has the sign of the difference (figures are positive)."""

    def with_comparison(self):
        sign = Case(When(polarity="higher", then=Value(1)), default=Value(-1), output_field=IntegerField())
        return self.alias(
            improvement=(F("current_value") - F("previous_value")) * sign,
            advantage=(F("current_value") - F("england_value")) * sign,
        )

    def with_current_figures(self):
        return self.filter(current_value__isnull=False)

    def improved(self):
        return self.with_comparison().filter(improvement__gt=0)

    def deteriorated(self):
        return self.with_comparison().filter(improvement__lt=0)

    def better_than_england(self):
        return self.with_comparison().filter(advantage__gt=0)

    def same_as_england(self):
        return self.with_comparison().filter(advantage=0)

    def worse_than_england(self):
        return self.with_comparison().filter(advantage__lt=0)

    def summary(self):
        """Counts for the self-assessment's own summary, computed: measures, those with this year's
        figure, improved in the year, and better / the same / worse than England."""
        return self.with_comparison().aggregate(
            total=Count("pk"),
            with_current=Count("pk", filter=Q(current_value__isnull=False)),
            improved=Count("pk", filter=Q(improvement__gt=0)),
            deteriorated=Count("pk", filter=Q(improvement__lt=0)),
            better=Count("pk", filter=Q(advantage__gt=0)),
            same=Count("pk", filter=Q(advantage=0)),
            worse=Count("pk", filter=Q(advantage__lt=0)),
        )
