from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import (
    Benchmark,
    CorporatePriority,
    CqcTheme,
    Directorate,
    FinancialDashboard,
    FinancialIndicator,
    Indicator,
    IndicatorValue,
    Outcome,
    Period,
)


@admin.register(Directorate)
class DirectorateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "code"]


@admin.register(CorporatePriority)
class CorporatePriorityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Outcome)
class OutcomeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "short_text", "directorate", "priority"]
    list_filter = ["directorate", "priority"]
    list_select_related = ["directorate", "priority"]
    search_fields = ["code", "text"]

    @admin.display(description="Outcome")
    def short_text(self, obj):
        return obj.text[:100]


@admin.register(CqcTheme)
class CqcThemeAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "table_heading"]


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "kind", "start", "end"]
    list_filter = ["kind"]
    search_fields = ["label"]


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 0
    fields = ["period", "actual", "actual_text", "reported_rag", "rag_text", "outlook", "note", "entered_by"]
    raw_id_fields = ["entered_by"]
    autocomplete_fields = ["period"]


class BenchmarkInline(admin.TabularInline):
    model = Benchmark
    extra = 0
    autocomplete_fields = ["period"]


@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["code", "short_text", "kind", "directorate", "target_text", "target_kind"]
    list_filter = ["kind", "directorate", "outcome__priority", "target_kind", "theme"]
    list_select_related = ["directorate"]
    search_fields = ["code", "text", "target_text"]
    ordering = ["kind", "number", "code"]
    inlines = [IndicatorValueInline, BenchmarkInline]
    fieldsets = [
        (None, {"fields": ["kind", "code", "number", "directorate", "outcome", "theme", "column", "position", "text", "unit"]}),
        ("Target", {"fields": ["target_text", "cumulative", "target_kind", "target_value", "target_upper",
                               "target_date", "baseline_value", "baseline_date", "polarity", "tolerance_percent"]}),
    ]

    @admin.display(description="Indicator")
    def short_text(self, obj):
        return obj.text[:100]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "period", "actual", "reported_rag", "rag_text", "outlook", "entered_by"]
    list_filter = ["period", "reported_rag", "outlook", "indicator__directorate"]
    list_select_related = ["indicator", "period", "entered_by"]
    search_fields = ["indicator__code", "indicator__text", "note"]
    raw_id_fields = ["indicator", "entered_by"]
    autocomplete_fields = ["period"]


@admin.register(Benchmark)
class BenchmarkAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "area", "period", "value", "source"]
    list_filter = ["area"]
    list_select_related = ["indicator", "period"]
    raw_id_fields = ["indicator"]
    autocomplete_fields = ["period"]


class FinancialIndicatorInline(admin.TabularInline):
    model = FinancialIndicator
    extra = 0
    fields = ["position", "group", "text", "target_text", "position_text", "on_target", "notes"]


@admin.register(FinancialDashboard)
class FinancialDashboardAdmin(SimpleHistoryAdmin):
    list_display = ["title", "directorate", "position_heading", "as_at"]
    list_select_related = ["directorate"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [FinancialIndicatorInline]


@admin.register(FinancialIndicator)
class FinancialIndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["dashboard", "position", "short_text", "target_text", "position_text", "on_target"]
    list_filter = ["dashboard", "on_target"]
    list_select_related = ["dashboard"]
    search_fields = ["text", "notes"]

    @admin.display(description="Success indicator")
    def short_text(self, obj):
        return obj.text[:100]
