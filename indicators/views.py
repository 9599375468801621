from collections import Counter, defaultdict
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods

from indicators.charts import ascof_measure_svg, time_series_svg
from indicators.filters import IndicatorFilter
from indicators.formatting import format_band
from indicators.forms import IndicatorValueForm
from indicators.models import (
    AscofMeasure,
    Benchmark,
    CorporatePriority,
    CqcTheme,
    DataQualityNote,
    Directorate,
    ExceptionRecord,
    FinancialDashboard,
    HeadlineTile,
    Indicator,
    IndicatorValue,
    Outcome,
    OutcomeRating,
    Outlook,
    Period,
)


def _reporting_periods(request):
    """(period, previous, all quarters with success values): the dashboard's two RAG columns.
    ?period=Q1 2017-18 picks an earlier quarter; the default is the latest."""
    available = list(Period.objects.quarters().with_success_values().order_by("end"))
    if not available:
        return None, None, []
    chosen = request.GET.get("period")
    index = next((i for i, p in enumerate(available) if p.label == chosen), len(available) - 1)
    return available[index], available[index - 1] if index else None, available


@require_GET
def index(request):
    period, previous, _ = _reporting_periods(request)
    directorates = list(
        # Meta.ordering is not applied to aggregating queries: order them explicitly.
        Directorate.objects.annotate(indicator_count=Count("indicators"))
        .filter(indicator_count__gt=0)
        .order_by("position", "name")
    )
    priorities = list(CorporatePriority.objects.annotate(outcome_count=Count("outcomes")).order_by("position", "name"))
    by_directorate, by_priority, outlooks, totals = defaultdict(Counter), defaultdict(Counter), Counter(), Counter()
    changed = disagreements = None
    if period is not None:
        rows = (
            IndicatorValue.objects.filter(period=period, indicator__kind=Indicator.Kind.SUCCESS)
            .with_shown_rag()
            .values("indicator__directorate_id", "indicator__outcome__priority_id", "shown_rag", "outlook")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            rag = row["shown_rag"] or "none"
            by_directorate[row["indicator__directorate_id"]][rag] += row["n"]
            by_priority[row["indicator__outcome__priority_id"]][rag] += row["n"]
            outlooks[row["outlook"] or "none"] += row["n"]
            totals[rag] += row["n"]
        changed = Indicator.objects.for_dashboard(period, previous).rag_changed().count() if previous else None
        disagreements = list(
            IndicatorValue.objects.filter(period=period).disagreeing().select_related("indicator", "period")
        )
    for directorate in directorates:
        directorate.rag_counts = by_directorate[directorate.pk]
    for priority in priorities:
        priority.rag_counts = by_priority[priority.pk]
    return render(
        request,
        "indicators/index.html",
        {
            "period": period,
            "previous": previous,
            "directorates": directorates,
            "priorities": priorities,
            "indicator_count": Indicator.objects.success_indicators().count(),
            "outcome_count": Outcome.objects.count(),
            "totals": totals,
            "outlooks": [(Outlook(key), outlooks[key]) for key in Outlook.values],
            "not_deteriorating": outlooks[Outlook.IMPROVING] + outlooks[Outlook.STABLE],
            "changed": changed,
            "disagreements": disagreements,
            "key_statistic_count": Indicator.objects.key_statistics().count(),
            "financial_count": FinancialDashboard.objects.count(),
        },
    )


def _dashboard(request, *, title, directorate=None, priority=None):
    period, previous, available = _reporting_periods(request)
    queryset = Indicator.objects.for_dashboard(period, previous)
    if directorate is not None:
        queryset = queryset.filter(directorate=directorate)
    if priority is not None:
        queryset = queryset.filter(outcome__priority=priority)
    group_by_priority = priority is not None or request.GET.get("group") == "priority"
    if group_by_priority:
        queryset = queryset.order_by("outcome__priority__position", "directorate__position", "number")
    else:
        queryset = queryset.order_by("directorate__position", "number")

    fixed = [name for name, given in (("directorate", directorate), ("priority", priority)) if given is not None]
    filterset = IndicatorFilter(request.GET or None, queryset=queryset, exclude=fixed)
    indicators = list(filterset.qs)
    for indicator in indicators:
        by_period = {v.period_id: v for v in indicator.dashboard_values}
        for value in indicator.dashboard_values:
            value.indicator = indicator  # the rule reads the indicator's target: no query per row
        indicator.current_value = by_period.get(period.pk) if period else None
        indicator.previous_value = by_period.get(previous.pk) if previous else None

    if group_by_priority:
        groups = [(key, list(rows)) for key, rows in groupby(indicators, key=lambda i: i.outcome.priority)]
    else:
        groups = [(key, list(rows)) for key, rows in groupby(indicators, key=lambda i: i.directorate)]
    financial = []
    if directorate is not None:
        financial = list(directorate.financial_dashboards.prefetch_related("rows"))
    return render(
        request,
        "indicators/dashboard.html",
        {
            "title": title,
            "directorate": directorate,
            "priority": priority,
            "period": period,
            "previous": previous,
            "available_periods": available,
            "filter": filterset,
            "groups": groups,
            "group_by_priority": group_by_priority,
            "shown": len(indicators),
            "in_scope": queryset.count(),
            "financial_dashboards": financial,
        },
    )


@require_GET
def dashboard(request):
    return _dashboard(request, title="Success indicators")


@require_GET
def directorate_dashboard(request, slug):
    directorate = get_object_or_404(Directorate, slug=slug)
    return _dashboard(request, title=f"{directorate.name}: performance dashboard", directorate=directorate)


@require_GET
def priority_dashboard(request, slug):
    priority = get_object_or_404(CorporatePriority, slug=slug)
    return _dashboard(request, title=f"Priority: {priority.name}", priority=priority)


def _get_indicator(code):
    return get_object_or_404(Indicator.objects.select_related("directorate", "outcome__priority", "theme"), code=code)


@require_GET
def indicator_detail(request, code):
    indicator = _get_indicator(code)
    values = list(indicator.values.with_period_and_author().order_by("period__end"))
    for value in values:
        value.indicator = indicator  # the rule reads the indicator's target: no query per value
        value.target_display = format_band(indicator.target_band(value.period.end), indicator.unit)
    benchmarks = list(indicator.benchmarks.select_related("period"))
    today = timezone.localdate()
    # "Which actions are meant to move this indicator", with their delivery status, through the
    # reverse relation so that indicators need not know the action plans.
    actions = (
        indicator.actions.visible_to(request.user)
        .with_delivery_status(today)
        .select_related("plan")
        .order_by("plan__title", "position")
    )
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "indicator": indicator,
            "values": values,
            "latest": values[-1] if values else None,
            "benchmarks": benchmarks,
            "chart": time_series_svg(indicator, values, benchmarks),
            "chart_has_actuals": any(v.actual is not None for v in values),
            "can_enter_values": indicator.can_take_values_from(request.user),
            "actions": list(actions),
            "boards": list(indicator.partnerships.all()),
        },
    )


def _get_indicator_for_entry(request, code):
    indicator = _get_indicator(code)
    if not indicator.can_take_values_from(request.user):
        raise PermissionDenied("Only the performance officers of this indicator's directorate can enter its values.")
    return indicator


@require_http_methods(["GET", "POST"])
def value_create(request, code):
    indicator = _get_indicator_for_entry(request, code)
    if request.method == "POST":
        form = IndicatorValueForm(request.POST, indicator=indicator, on=timezone.localdate())
        if form.is_valid():
            try:
                with transaction.atomic():
                    value = form.save(entered_by=request.user, entered_at=timezone.now())
            except IntegrityError:
                # Someone else saved this period between our check and our insert.
                form.add_error(
                    "period", f"{indicator.title} already has a value for {form.cleaned_data['period'].label}."
                )
            else:
                messages.success(request, f"Saved {indicator.title} for {value.period.label}.")
                return redirect(indicator)
    else:
        latest = indicator.values.select_related("period").order_by("-period__end").first()
        form = IndicatorValueForm(
            indicator=indicator,
            on=timezone.localdate(),
            initial={"period": latest.period.next_label() if latest else ""},
        )
    return render(request, "indicators/value_form.html", {"indicator": indicator, "form": form})


@require_GET
def key_statistics(request):
    statistics = Indicator.objects.key_statistics().prefetch_related(
        Prefetch("values", IndicatorValue.objects.select_related("period").order_by("period__end")),
        Prefetch("benchmarks", Benchmark.objects.select_related("period")),
    )
    themes = list(CqcTheme.objects.prefetch_related(Prefetch("indicators", statistics.order_by("column", "position"))))
    for theme in themes:
        by_column = defaultdict(list)
        for statistic in theme.indicators.all():
            values = list(statistic.values.all())
            for value in values:
                value.indicator = statistic
            statistic.latest = values[-1] if values else None
            by_column[statistic.column].append(statistic)
        theme.columns = [(label, by_column[key]) for key, label in Indicator.Column.choices]
    return render(request, "indicators/key_statistics.html", {"themes": themes})


@require_GET
def finance(request):
    dashboards = FinancialDashboard.objects.select_related("directorate").prefetch_related("rows")
    return render(request, "indicators/finance.html", {"dashboards": dashboards})


# -- Outcome assurance: outcomes with a director's RAG, and ASCOF benchmarks ---------------------


def _rating_periods(request):
    """(period, previous, all periods with outcome ratings): ?period= picks one, default the latest."""
    available = list(Period.objects.with_outcome_ratings().order_by("end"))
    if not available:
        return None, None, []
    chosen = request.GET.get("period")
    index = next((i for i, p in enumerate(available) if p.label == chosen), len(available) - 1)
    return available[index], available[index - 1] if index else None, available


@require_GET
def outcomes(request, slug=None):
    """Outcomes of one corporate priority (or all), each with its director's RAG beside its
    indicators' RAGs, disagreements marked, and the exception record inline for a Red."""
    priority = get_object_or_404(CorporatePriority, slug=slug) if slug else None
    period, previous, available = _rating_periods(request)
    summary = OutcomeRating.objects.for_period(period).summary() if period else None
    previous_summary = OutcomeRating.objects.for_period(previous).summary() if previous else None
    shown = [p for p in (period, previous) if p is not None]
    rows = (
        Outcome.objects.select_related("directorate", "priority", "board")
        .order_by("priority__position", "directorate__position", "position")
        .prefetch_related(
            Prefetch("ratings", OutcomeRating.objects.filter(period__in=shown), to_attr="shown_ratings"),
            Prefetch(
                "indicators",
                Indicator.objects.success_indicators().with_period(period, "current").order_by("number"),
                to_attr="shown_indicators",
            ),
            Prefetch(
                "exception_records",
                ExceptionRecord.objects.filter(period=period).select_related("period").prefetch_related("indicators"),
                to_attr="shown_exceptions",
            ),
        )
    )
    if priority is not None:
        rows = rows.filter(priority=priority)
    rows = list(rows)
    for outcome in rows:
        by_period = {r.period_id: r for r in outcome.shown_ratings}
        outcome.rating = by_period.get(period.pk) if period else None
        outcome.previous_rating = by_period.get(previous.pk) if previous else None
        outcome.exception = outcome.shown_exceptions[0] if outcome.shown_exceptions else None
        rags = [i.current_rag for i in outcome.shown_indicators if i.current_rag]
        outcome.disagrees = outcome.rating.disagrees_with(rags) if outcome.rating else False
    groups = [(key, list(items)) for key, items in groupby(rows, key=lambda o: o.priority)]
    return render(
        request,
        "indicators/outcomes.html",
        {
            "priority": priority,
            "priorities": CorporatePriority.objects.order_by("position", "name"),
            "period": period,
            "previous": previous,
            "available_periods": available,
            "summary": summary,
            "previous_summary": previous_summary,
            "groups": groups,
        },
    )


BENCHMARK_FILTERS = {
    "worse": ("Worse than England", lambda qs: qs.worse_than_england()),
    "deteriorated": ("Deteriorated in the year", lambda qs: qs.deteriorated()),
    "improved": ("Improved in the year", lambda qs: qs.improved()),
    "better": ("Better than England", lambda qs: qs.better_than_england()),
    "same": ("The same as England", lambda qs: qs.same_as_england()),
}


@require_GET
def benchmarks(request):
    """ASCOF measures against England (better or worse by polarity, trend, a small chart) and the
    headline tiles, with the printed change beside the computed one where they disagree."""
    show = request.GET.get("show", "")
    measures = AscofMeasure.objects.select_related("domain", "england_period", "previous_period", "current_period")
    if show in BENCHMARK_FILTERS:
        measures = BENCHMARK_FILTERS[show][1](measures)
    measures = list(measures.order_by("domain__number", "position"))
    for measure in measures:
        measure.chart = ascof_measure_svg(measure, f"chart-{slugify(measure.code)}")
    groups = [(key, list(items)) for key, items in groupby(measures, key=lambda m: m.domain)]
    is_admin = request.user.is_staff or request.user.is_superuser
    tiles = HeadlineTile.objects.all()
    if is_admin:
        tiles = tiles.prefetch_related(
            Prefetch("data_quality_notes", DataQualityNote.objects.select_related("indicator"))
        )
    tiles = list(tiles)
    return render(
        request,
        "indicators/benchmarks.html",
        {
            "summary": AscofMeasure.objects.summary(),
            "groups": groups,
            "shown": len(measures),
            "show": show,
            "filters": [(key, label) for key, (label, _) in BENCHMARK_FILTERS.items()],
            "tiles": tiles,
            "mismatches": [tile for tile in tiles if tile.change_disagrees],
            "is_admin": is_admin,
        },
    )
