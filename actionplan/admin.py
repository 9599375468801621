from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from actionplan.models import (
    Action,
    ApiToken,
    BoardDecision,
    BoardDigest,
    Milestone,
    OverdueFlag,
    Owner,
    Plan,
    PlanMembership,
    ProgressUpdate,
    RoundNotification,
    SentNotification,
    StrategicPriority,
    UpdateRound,
)


# Append-only: an inline never deletes what holds actions or progress. Deleting a priority or a
# sub-action goes through its own delete page, which lists everything it would take with it and
# refuses while officers have reported progress (ProgressUpdate.action's on_delete).
class StrategicPriorityInline(admin.TabularInline):
    model = StrategicPriority
    extra = 0
    fields = ["position", "code", "text"]
    can_delete = False
    show_change_link = True


class PlanMembershipInline(admin.TabularInline):
    model = PlanMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "slug", "board_name", "plan_date", "reporting_date", "is_published"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug", "full_title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["organisations"]
    inlines = [StrategicPriorityInline, PlanMembershipInline]


@admin.register(PlanMembership)
class PlanMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "plan", "role"]
    list_filter = ["role", "plan"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(StrategicPriority)
class StrategicPriorityAdmin(SimpleHistoryAdmin):
    list_display = ["code", "short_text", "plan"]
    list_filter = ["plan"]
    search_fields = ["code", "text"]
    ordering = ["plan", "position"]

    @admin.display(description="Text")
    def short_text(self, obj):
        return obj.text[:100]


class SubActionInline(admin.TabularInline):
    model = Action
    fk_name = "parent"
    extra = 0
    fields = ["number", "code", "title", "completion_date_text", "due_date", "responsible"]
    readonly_fields = ["code"]
    verbose_name = "sub-action"
    verbose_name_plural = "sub-actions"
    show_change_link = True
    can_delete = False


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


class AppendOnly:
    """Progress updates are history: shown in the admin, never changed or deleted there."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProgressUpdateInline(AppendOnly, admin.StackedInline):
    model = ProgressUpdate
    extra = 0
    fields = [
        "reported_on",
        "author",
        "rag",
        "narrative",
        "revised_due_date",
        "revision_reason",
        "imported",
        "signed_off_by",
        "signed_off_at",
        "returned_by",
        "return_comment",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "plan", "due_date", "completion_date_text"]
    list_filter = ["plan", "priority__code"]
    list_select_related = ["plan"]
    search_fields = ["code", "title", "description", "accountable__code", "responsible__code"]
    autocomplete_fields = ["accountable", "responsible", "delegates", "indicators"]
    raw_id_fields = ["parent"]
    exclude = ["version"]
    ordering = ["plan", "position"]
    inlines = [SubActionInline, MilestoneInline, ProgressUpdateInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("accountable", "responsible")


@admin.register(Owner)
class OwnerAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "role", "organisation"]
    list_filter = ["kind", "organisation"]
    search_fields = ["code", "name", "role"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["user", "sign_off_delegates"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(AppendOnly, SimpleHistoryAdmin):
    list_display = ["action", "reported_on", "author", "rag", "imported"]
    list_filter = ["imported", "action__plan"]
    search_fields = ["action__code", "narrative"]
    list_select_related = ["action", "author"]
    raw_id_fields = ["action"]


@admin.register(OverdueFlag)
class OverdueFlagAdmin(admin.ModelAdmin):
    """Written by the flag_overdue job; shown, not edited."""

    list_display = ["action", "due_date", "flagged_at", "cleared_at"]
    list_filter = ["action__plan", ("cleared_at", admin.EmptyFieldListFilter)]
    list_select_related = ["action"]
    search_fields = ["action__code", "action__title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SentNotification)
class SentNotificationAdmin(admin.ModelAdmin):
    """The reminders sent: what went to whom and when."""

    list_display = ["action", "owner", "kind", "period", "sent_at", "sent_to"]
    list_filter = ["kind", "action__plan"]
    list_select_related = ["action", "owner"]
    search_fields = ["action__code", "owner__code", "sent_to"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoundNotification)
class RoundNotificationAdmin(SentNotificationAdmin):
    """The update rounds' e-mails sent: what went to whom and when."""

    list_display = ["action", "owner", "kind", "round", "sent_at", "sent_to"]
    list_filter = ["kind", "round"]
    list_select_related = ["action", "owner", "round__meeting__partnership"]


@admin.register(UpdateRound)
class UpdateRoundAdmin(admin.ModelAdmin):
    """Rounds are opened from the Rounds page; here their dates and message can be put right."""

    list_display = ["meeting", "opens_on", "deadline", "opened_at"]
    list_select_related = ["meeting__partnership"]
    filter_horizontal = ["plans"]
    readonly_fields = ["meeting", "opened_by", "opened_at"]


@admin.register(BoardDecision)
class BoardDecisionAdmin(SimpleHistoryAdmin):
    """Recorded from the action page, where closing or accepting a date takes effect; read here."""

    list_display = ["action", "kind", "meeting", "minute_reference", "recorded_by", "recorded_at"]
    list_filter = ["kind", ("meeting__partnership", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["action", "meeting__partnership", "recorded_by"]
    search_fields = ["action__code", "minute_reference", "note"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BoardDigest)
class BoardDigestAdmin(admin.ModelAdmin):
    list_display = ["plan", "sent_on", "since", "until", "sent_to"]
    list_filter = ["plan"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# -- History, deleted rows included ----------------------------------------------------------------


class HistoryAdmin(admin.ModelAdmin):
    """Every recorded version of a row (django-simple-history), deleted rows included: "Deleted"
    in the type filter lists what was removed, by whom and when, and each row links to the
    object's full history. Read only."""

    list_display = ["__str__", "history_type", "history_date", "history_user", "full_history"]
    list_filter = ["history_type"]
    list_select_related = ["history_user"]
    date_hierarchy = "history_date"

    @admin.display(description="History")
    def full_history(self, record):
        opts = record.instance_type._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[getattr(record, opts.pk.attname)])
        return format_html('<a href="{}">All versions</a>', url)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


for model in [Plan, PlanMembership, StrategicPriority, Owner, Action, ProgressUpdate]:
    admin.site.register(model.history.model, HistoryAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Users make their own tokens (actionplan/tokens.py); an admin may only see them and revoke one
    (say, one that leaked). The token itself is never stored, so it cannot be shown here."""

    list_display = ["name", "user", "start", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "start"]
    fields = ["user", "name", "start", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "start", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False
