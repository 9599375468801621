from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from indicators.models import (
    AscofDomain,
    AscofMeasure,
    Benchmark,
    CorporatePriority,
    CqcTheme,
    DataQualityNote,
    Directorate,
    DirectorateMembership,
    ExceptionRecord,
    FinancialDashboard,
    FinancialIndicator,
    HeadlineTile,
    Indicator,
    IndicatorValue,
    Outcome,
    OutcomeRating,
    Period,
)


class DirectorateMembershipInline(admin.TabularInline):
    model = DirectorateMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Directorate)
class DirectorateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "code"]
    inlines = [DirectorateMembershipInline]


@admin.register(DirectorateMembership)
class DirectorateMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "directorate", "role"]
    list_filter = ["role", "directorate"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


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
        (
            None,
            {
                "fields": [
                    "kind",
                    "code",
                    "number",
                    "directorate",
                    "outcome",
                    "theme",
                    "column",
                    "position",
                    "text",
                    "unit",
                ]
            },
        ),
        (
            "Target",
            {
                "fields": [
                    "target_text",
                    "cumulative",
                    "target_kind",
                    "target_value",
                    "target_upper",
                    "target_date",
                    "baseline_value",
                    "baseline_date",
                    "polarity",
                    "tolerance_percent",
                ]
            },
        ),
        ("Reviewed by", {"fields": ["partnerships"]}),
    ]
    filter_horizontal = ["partnerships"]

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


# -- Outcome assurance -----------------------------------------------------------------------------


@admin.register(OutcomeRating)
class OutcomeRatingAdmin(SimpleHistoryAdmin):
    # Saving a Red without an exception record is refused by the model's clean(), shown on the form.
    list_display = ["outcome", "period", "rag"]
    list_filter = ["period", "rag", "outcome__priority"]
    list_select_related = ["outcome__directorate", "period"]
    autocomplete_fields = ["period"]
    search_fields = ["outcome__code", "outcome__text"]


@admin.register(ExceptionRecord)
class ExceptionRecordAdmin(SimpleHistoryAdmin):
    list_display = ["outcome", "period", "decision", "decided_by", "decided_on"]
    list_filter = ["period", "decision"]
    list_select_related = ["outcome__directorate", "period"]
    autocomplete_fields = ["period"]
    filter_horizontal = ["indicators"]


class AscofMeasureInline(admin.TabularInline):
    model = AscofMeasure
    extra = 0
    fields = [
        "code",
        "text",
        "polarity",
        "compare_as",
        "england_value",
        "previous_value",
        "current_value",
        "current_text",
    ]


@admin.register(AscofDomain)
class AscofDomainAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]
    inlines = [AscofMeasureInline]


@admin.register(AscofMeasure)
class AscofMeasureAdmin(SimpleHistoryAdmin):
    list_display = [
        "code",
        "short_text",
        "polarity",
        "england_value",
        "previous_value",
        "current_value",
        "trend",
        "against_england",
    ]
    list_filter = ["domain", "polarity"]
    list_select_related = ["domain"]
    search_fields = ["code", "text"]

    @admin.display(description="Measure")
    def short_text(self, obj):
        return obj.text[:80]


class DataQualityNoteInline(admin.StackedInline):
    model = DataQualityNote
    fk_name = "tile"
    extra = 0
    raw_id_fields = ["indicator", "measure"]


@admin.register(HeadlineTile)
class HeadlineTileAdmin(SimpleHistoryAdmin):
    list_display = ["position", "title", "current_value", "comparator_value", "printed_change_text", "change_disagrees"]
    inlines = [DataQualityNoteInline]


@admin.register(DataQualityNote)
class DataQualityNoteAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "period", "note"]
    list_select_related = ["tile", "measure", "indicator"]
    raw_id_fields = ["tile", "measure", "indicator"]
