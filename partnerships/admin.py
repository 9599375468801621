from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from partnerships.forms import PartnershipAdminForm
from partnerships.models import Meeting, Organisation, Partnership, StrategyPriority


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 1
    fields = ["date", "date_text", "kind"]


class SubBoardInline(admin.TabularInline):
    model = Partnership
    fk_name = "parent"
    extra = 0
    fields = ["position", "name", "short_name", "slug", "statutory"]
    verbose_name = "sub-board"
    verbose_name_plural = "sub-boards"
    show_change_link = True


class StrategyPriorityInline(admin.TabularInline):
    model = StrategyPriority
    extra = 0
    fields = ["number", "text", "note"]
    verbose_name_plural = "JHWS priorities owned"


@admin.register(Partnership)
class PartnershipAdmin(SimpleHistoryAdmin):
    form = PartnershipAdminForm
    list_display = ["name", "short_name", "parent", "statutory", "profile_completed_text", "next_meeting_text"]
    list_filter = ["statutory", ("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "short_name", "slug", "other_names", "chairs", "vice_chair", "lead_member", "lead_officer"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent", "admins"]
    readonly_fields = ["profile_completed", "last_meeting", "next_meeting"]
    ordering = ["position", "name"]
    inlines = [SubBoardInline, MeetingInline, StrategyPriorityInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "short_name", "other_names", "statutory", "parent", "position", "summary"]}),
        ("Board admins", {"fields": ["admins"]}),
        (
            "Profile",
            {
                "fields": [
                    ("profile_completed_text", "profile_completed"),
                    "chairs",
                    "vice_chair",
                    "chair_note",
                    "lead_member",
                    "lead_officer",
                    ("last_meeting_text", "last_meeting"),
                    ("next_meeting_text", "next_meeting"),
                    "website",
                    "website_note",
                    "source",
                ]
            },
        ),
        (
            "Profile sections",
            {"fields": ["membership", "governance", "current_focus", "key_achievements", "aims", "key_challenges"]},
        ),
    ]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["partnership", "date", "date_text", "kind"]
    list_filter = [("partnership", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["partnership"]
    search_fields = ["partnership__name", "partnership__short_name", "date_text", "kind"]
    autocomplete_fields = ["partnership"]
    date_hierarchy = "date"
    ordering = ["-date"]


@admin.register(StrategyPriority)
class StrategyPriorityAdmin(SimpleHistoryAdmin):
    list_display = ["number", "text", "owner"]
    list_select_related = ["owner"]
    search_fields = ["text", "note", "owner__name", "owner__short_name"]
    autocomplete_fields = ["owner"]
    ordering = ["number"]
