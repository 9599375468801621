"""QuerySets for indicators, including the SQL twin of the RAG rule in Indicator.rag_for()."""

from __future__ import annotations

from string import Formatter
from typing import TYPE_CHECKING, Any, Self

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
from django.db.models.functions import Cast, Coalesce, NullIf

from indicators import periods

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

    from indicators.models import AscofMeasure, Indicator, IndicatorValue, OutcomeRating, Period  # noqa: F401 (bases)


class DayNumber(Func):
    """Whole days since 1970-01-01 of a date column: date arithmetic both SQLite and PostgreSQL do."""

    arity = 1
    output_field = IntegerField()
    template = "(%(expressions)s - DATE '1970-01-01')"

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> tuple[str, Any]:
        # julianday('1970-01-01') is 2440587.5; dates are whole days, so this is exact.
        return self.as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)", **extra
        )


class TargetRule(Func):
    """Indicator.rag_for() in SQL, given an actual value, the target band's low and high ends
    (either NULL for an open end) and the tolerance as a share of the target: NULL with no actual
    or no band; Green inside the band; Amber outside it by no more than the tolerance; Red beyond.

    Each of the four is compiled once and written into the CASE where the rule reads it. Written
    as When() conditions, every reference was a copy of the band's expressions (the trajectory of
    a target reached by a date is a CASE itself) that Django built, resolved and compiled again:
    20,000 calls for one page of 50 indicators."""

    output_field = CharField()
    RULE = (
        "CASE WHEN {a} IS NULL OR ({l} IS NULL AND {h} IS NULL) THEN NULL"
        " WHEN ({l} IS NULL OR {a} >= {l}) AND ({h} IS NULL OR {a} <= {h}) THEN {green}"
        " WHEN {l} IS NOT NULL AND {a} < {l} THEN"
        " CASE WHEN {l} - {a} <= ABS({l}) * {s} THEN {amber} ELSE {red} END"
        " WHEN {a} - {h} <= ABS({h}) * {s} THEN {amber} ELSE {red} END"
    )

    def as_sql(  # type: ignore[override]  # Func's template options do not apply to this CASE
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        from indicators.models import IndicatorRag

        compiled = {
            name: compiler.compile(expression)
            for name, expression in zip("alhs", self.get_source_expressions(), strict=True)
        }
        for rag in (IndicatorRag.GREEN, IndicatorRag.AMBER, IndicatorRag.RED):
            compiled[rag.value] = ("%s", [rag.value])
        sql: list[str] = []
        params: list[Any] = []
        for text, name, _, _ in Formatter().parse(self.RULE):
            sql.append(text)
            if name:
                sql.append(f"({compiled[name][0]})")
                params.extend(compiled[name][1])
        return "".join(sql), params


class PeriodQuerySet(models.QuerySet["Period"]):
    def for_label(self, label: str) -> Period:
        """The period a label names, created on first use; raises periods.BadPeriod for a bad label."""
        spec = periods.parse_period(label)
        period, _ = self.get_or_create(
            label=spec.label, defaults={"kind": spec.kind, "start": spec.start, "end": spec.end}
        )
        return period

    def quarters(self) -> Self:
        return self.filter(kind=periods.QUARTER)

    def with_success_values(self) -> Self:
        return self.filter(values__indicator__kind="success").distinct()

    def with_outcome_ratings(self) -> Self:
        return self.filter(outcome_ratings__isnull=False).distinct()


class IndicatorValueQuerySet(models.QuerySet["IndicatorValue"]):
    def with_period_and_author(self) -> Self:
        return self.select_related("period", "entered_by")

    def with_shown_rag(self) -> Self:
        """Annotate `rule_rag` (what Indicator.rag_for() gives, computed in SQL) and `shown_rag`
        (the reported RAG, else rule_rag). Keep in step with Indicator.target_band() and rag_for()."""
        from indicators.models import Indicator

        kinds, polarity = Indicator.TargetKind, Indicator.Polarity
        real: FloatField[float, float] = FloatField()
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
        rule = TargetRule(Cast("actual", real), low, high, Cast("indicator__tolerance_percent", real) / Value(100.0))
        return self.annotate(rule_rag=rule).annotate(
            shown_rag=Coalesce(NullIf("reported_rag", Value("")), F("rule_rag"), output_field=CharField())
        )

    def rag_is(self, rag: str) -> Self:
        return self.with_shown_rag().filter(shown_rag=rag)

    def red(self) -> Self:
        from indicators.models import IndicatorRag

        return self.rag_is(IndicatorRag.RED)

    def amber(self) -> Self:
        from indicators.models import IndicatorRag

        return self.rag_is(IndicatorRag.AMBER)

    def green(self) -> Self:
        from indicators.models import IndicatorRag

        return self.rag_is(IndicatorRag.GREEN)

    def disagreeing(self) -> Self:
        """Values whose reported RAG differs from the rule's: what a reviewer should look at."""
        return (
            self.with_shown_rag()
            .exclude(reported_rag="")
            .filter(rule_rag__isnull=False)
            .exclude(rule_rag=F("reported_rag"))
        )


class IndicatorQuerySet(models.QuerySet["Indicator"]):
    def success_indicators(self) -> Self:
        return self.filter(kind="success")

    def key_statistics(self) -> Self:
        return self.filter(kind="key_statistic")

    def enterable_by(self, user: User | AnonymousUser) -> Self:
        """Indicators whose values `user` may enter: those of the directorates where they are a
        performance officer (DirectorateMembership); every one for a superuser. An indicator with
        no directorate (the ASC key statistics) is left to superusers and file imports."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(directorate__memberships__user=user, directorate__memberships__role="officer")

    def with_period(self, period: Period | None, prefix: str) -> Self:
        """Annotate <prefix>_rag (as shown) and <prefix>_outlook for one period; None where no value."""
        from indicators.models import IndicatorValue

        if period is None:
            return self.annotate(
                **{f"{prefix}_rag": Value(None, CharField()), f"{prefix}_outlook": Value(None, CharField())}
            )
        values = IndicatorValue.objects.filter(indicator=OuterRef("pk"), period=period)
        return self.annotate(
            **{
                # shown_rag: an annotation (with_shown_rag), which the type stubs cannot see.
                f"{prefix}_rag": Subquery(
                    values.with_shown_rag().values("shown_rag")[:1],  # type: ignore[misc]
                    output_field=CharField(),
                ),
                f"{prefix}_outlook": Subquery(values.values("outlook")[:1], output_field=CharField()),
            }
        )

    def for_dashboard(self, period: Period | None, previous: Period | None) -> Self:
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

    def rag_changed(self) -> Self:
        """Needs for_dashboard(): a RAG in both periods, and they differ ("Due in Q3" is no RAG)."""
        return self.filter(current_rag__isnull=False, previous_rag__isnull=False).exclude(current_rag=F("previous_rag"))


class OutcomeRatingQuerySet(models.QuerySet["OutcomeRating"]):
    def for_period(self, period: Period) -> Self:
        return self.filter(period=period)

    def red(self) -> Self:
        return self.filter(rag="red")

    def summary(self) -> dict[str, int]:
        """{"total", "red", "green_or_amber"}: counted, never stored, so the report's "Of the 23
        outcomes ... 22 were rated Green or Amber" comes out of the ratings themselves."""
        return self.aggregate(
            total=Count("pk"),
            red=Count("pk", filter=Q(rag="red")),
            green_or_amber=Count("pk", filter=~Q(rag="red")),
        )


class AscofMeasureQuerySet(models.QuerySet["AscofMeasure"]):
    """The SQL twin of AscofMeasure.trend / .against_england. Only the sign of a change decides
    better or worse, and a percentage change has the sign of the difference (figures are positive)."""

    def with_comparison(self) -> Self:
        sign = Case(When(polarity="higher", then=Value(1)), default=Value(-1), output_field=IntegerField())
        return self.alias(
            improvement=(F("current_value") - F("previous_value")) * sign,
            advantage=(F("current_value") - F("england_value")) * sign,
        )

    def improved(self) -> Self:
        return self.with_comparison().filter(improvement__gt=0)

    def deteriorated(self) -> Self:
        return self.with_comparison().filter(improvement__lt=0)

    def better_than_england(self) -> Self:
        return self.with_comparison().filter(advantage__gt=0)

    def same_as_england(self) -> Self:
        return self.with_comparison().filter(advantage=0)

    def worse_than_england(self) -> Self:
        return self.with_comparison().filter(advantage__lt=0)

    def summary(self) -> dict[str, int]:
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
