"""The API's plans, priorities, actions, progress updates and owners; its personal tokens and their
rate limit (README, "The API"; wired in config/api_urls.py).

Who reads what is Plan.objects.readable_by: a token (or a signed-in session) reads exactly what its
user reads on their pages; without one, the published plans as their public pages show them
(actionplan/public.py): owners by role and organisation unless the plan shows names, only public
updates (ProgressUpdateQuerySet.public), never delegates, authors, audit trails or e-mail addresses.
Statuses and RAG come from ActionQuerySet.with_rag(as_at), as on every page; the actions are
filtered by the action list's own ActionFilter.
"""

import django_filters
from django.db.models import Exists, OuterRef, Prefetch
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from actionplan import action_export
from actionplan.filters import ActionFilter
from actionplan.models import Action, Owner, Plan, ProgressUpdate, StrategicPriority
from actionplan.public import owner_label
from actionplan.status import RAG, DeliveryStatus, RagSummary
from config.api import AS_AT, FORMAT, CSVRenderer, ReadOnlyViewSet, as_at, private_when_signed_in
from indicators.models import Indicator


class TokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes api_auth.TokenAuthentication."""

    target_class = "actionplan.api_auth.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <your token>`. Tools that cannot send headers may add `?token=<your token>`.",
        }


# -- What a caller may read ---------------------------------------------------------------------


def is_public(request):
    """Whether the caller reads the public view (no token, not signed in)."""
    return not request.user.is_authenticated


def readable_plans(request):
    return Plan.objects.readable_by(request.user)


def web_url(request, path):
    return request.build_absolute_uri(path)


# -- Serializers -----------------------------------------------------------------------------------


class RagSummarySerializer(serializers.Serializer):
    red = serializers.IntegerField()
    amber = serializers.IntegerField()
    green = serializers.IntegerField()
    complete = serializers.IntegerField()
    not_started = serializers.IntegerField()
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    due_soon = serializers.IntegerField()
    no_date = serializers.IntegerField()
    stale = serializers.IntegerField()
    slipped = serializers.IntegerField()
    disagreements = serializers.IntegerField(help_text="Actions whose officer's RAG is rosier than their dates.")


class OrganisationSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OwnerSerializer(serializers.ModelSerializer):
    """An owner. Without a token, a person in a plan that does not show names has no code or name:
    `label` names them by role and organisation."""

    code = serializers.CharField(allow_null=True, help_text="Initials, group name or organisation code.")
    name = serializers.CharField(allow_null=True)
    label = serializers.SerializerMethodField(help_text="How the pages name this owner.")
    organisation = OrganisationSerializer(allow_null=True)

    class Meta:
        model = Owner
        fields = ["id", "kind", "code", "name", "role", "organisation", "label"]

    def _names_shown(self, owner):
        shown = self.context.get("names_shown")
        return getattr(owner, "name_public", False) if shown is None else shown

    def get_label(self, owner) -> str:
        return owner_label(owner, not self.context.get("public") or self._names_shown(owner))

    def to_representation(self, owner):
        data = super().to_representation(owner)
        if self.context.get("public") and owner.kind == Owner.Kind.PERSON and not self._names_shown(owner):
            data["code"] = data["name"] = None
        return data


class LatestUpdateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reported_on = serializers.DateField()
    rag = serializers.CharField(help_text="The RAG the update gave (blank: none).")
    narrative = serializers.CharField()


class ActionSerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    priority = serializers.SlugRelatedField(slug_field="code", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="The key action's code.")
    due_date = serializers.DateField(allow_null=True, help_text="The original due date.")
    revised_due_date = serializers.DateField(allow_null=True, help_text="The latest revised completion date.")
    current_due_date = serializers.DateField(allow_null=True, help_text="Revised, else original.")
    as_at = serializers.DateField(source="on", help_text="The date the status and RAG are as at.")
    delivery_status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    rag = serializers.ChoiceField(choices=RAG.choices)
    derived_rag = serializers.ChoiceField(choices=RAG.choices, help_text="The RAG the dates give.")
    rag_disagrees = serializers.BooleanField(help_text="The officer's RAG is rosier than the dates say.")
    is_stale = serializers.BooleanField()
    has_slipped = serializers.BooleanField()
    days_overdue = serializers.IntegerField()
    days_slipped = serializers.IntegerField()
    last_reported_on = serializers.DateField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)
    accountable = serializers.SerializerMethodField(help_text="Its own, or a sub-action naming none its key action's.")
    responsible = serializers.SerializerMethodField(help_text="Its own, or a sub-action naming none its key action's.")
    indicators = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    latest_update = serializers.SerializerMethodField(help_text="The latest update as at the date (public: published).")
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "plan",
            "priority",
            "code",
            "parent",
            "title",
            "description",
            "completion_date_text",
            "due_date",
            "revised_due_date",
            "current_due_date",
            "as_at",
            "delivery_status",
            "rag",
            "derived_rag",
            "rag_disagrees",
            "is_stale",
            "has_slipped",
            "days_overdue",
            "days_slipped",
            "last_reported_on",
            "completed_on",
            "accountable",
            "responsible",
            "indicators",
            "latest_update",
            "web_url",
        ]

    def _owners(self, action, owners):
        context = {**self.context, "names_shown": action.plan.public_names}
        return OwnerSerializer(owners, many=True, context=context).data

    @extend_schema_field(OwnerSerializer(many=True))
    def get_accountable(self, action):
        return self._owners(action, action.accountable_owners())

    @extend_schema_field(OwnerSerializer(many=True))
    def get_responsible(self, action):
        return self._owners(action, action.responsible_owners())

    @extend_schema_field(LatestUpdateSerializer(allow_null=True))
    def get_latest_update(self, action):
        update = action.shown_updates[0] if action.shown_updates else None
        return LatestUpdateSerializer(update).data if update else None

    def get_web_url(self, action) -> str:
        request = self.context["request"]
        if is_public(request):
            return web_url(request, reverse("public:action", args=[action.plan.slug, action.pk]))
        return web_url(request, reverse("actionplan:action", args=[action.pk]))


class PlanSerializer(serializers.ModelSerializer):
    board = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    as_at = serializers.SerializerMethodField()
    summary = RagSummarySerializer(help_text="Its actions counted by RAG and exception, as at the date.")
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = [
            "slug",
            "title",
            "full_title",
            "board",
            "board_name",
            "review_date",
            "review_period",
            "plan_date",
            "reporting_date",
            "priority_label",
            "action_label",
            "sub_action_label",
            "due_soon_days",
            "stale_after_days",
            "is_published",
            "public_names",
            "as_at",
            "summary",
            "web_url",
        ]

    @extend_schema_field(serializers.DateField())
    def get_as_at(self, plan):
        return self.context["as_at"]

    def get_web_url(self, plan) -> str:
        request = self.context["request"]
        return web_url(request, plan.get_public_url() if is_public(request) else plan.get_absolute_url())


class PrioritySerializer(serializers.ModelSerializer):
    plan = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = StrategicPriority
        fields = ["id", "plan", "code", "text", "position"]


class ProgressUpdateSerializer(serializers.ModelSerializer):
    action = serializers.PrimaryKeyRelatedField(read_only=True)
    action_code = serializers.CharField(source="action.code")
    plan = serializers.CharField(source="action.plan.slug")
    author = serializers.SerializerMethodField(help_text="Who wrote it (not given without a token).")

    class Meta:
        model = ProgressUpdate
        fields = [
            "id",
            "action",
            "action_code",
            "plan",
            "reported_on",
            "rag",
            "status_text",
            "narrative",
            "percent_complete",
            "revised_due_date",
            "revision_reason",
            "completed_on",
            "imported",
            "signed_off_at",
            "author",
            "created_at",
            "corrected_at",
        ]

    def get_author(self, update) -> str | None:
        return None if is_public(self.context["request"]) else update.author_display


# -- Views -----------------------------------------------------------------------------------------


class ApiActionFilter(ActionFilter):
    """The action list's filters. The API is ordered by id, page after page, so `sort` is not one."""

    sort = None

    # The hints are for the schema: each parameter is the object's slug, code or id (the filter's
    # field gives the object itself).
    def filter_organisation(self, queryset, name, value: str):
        return super().filter_organisation(queryset, name, value)

    def filter_board(self, queryset, name, value: str):
        return super().filter_board(queryset, name, value)

    def filter_round(self, queryset, name, value: int):
        return super().filter_round(queryset, name, value)


class ProgressUpdateFilter(django_filters.FilterSet):
    plan = django_filters.CharFilter(field_name="action__plan__slug", help_text="The plan's slug.")
    action = django_filters.NumberFilter(field_name="action_id", help_text="The action's id.")
    reported_from = django_filters.DateFilter(field_name="reported_on", lookup_expr="gte")
    reported_to = django_filters.DateFilter(field_name="reported_on", lookup_expr="lte")


class PriorityFilter(django_filters.FilterSet):
    plan = django_filters.CharFilter(field_name="plan__slug", help_text="The plan's slug.")


class OwnerFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Owner.Kind.choices)


@extend_schema_view(list=extend_schema(parameters=[AS_AT, FORMAT]), retrieve=extend_schema(parameters=[AS_AT]))
class PlanViewSet(ReadOnlyViewSet):
    """Plans, each with its actions counted by RAG as at the date."""

    queryset = Plan.objects.none()  # the model, for the schema; get_queryset() decides the rows
    serializer_class = PlanSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return readable_plans(self.request).select_related("board")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "as_at": as_at(self.request, timezone.localdate())}

    def decorate(self, plans):
        on = as_at(self.request, timezone.localdate())
        found = Action.objects.filter(plan__in=[plan.pk for plan in plans]).rag_summary_by("plan", on)
        for plan in plans:
            plan.summary = found.get(plan.pk, RagSummary())


@extend_schema_view(list=extend_schema(parameters=[FORMAT]))
class PriorityViewSet(ReadOnlyViewSet):
    """Strategic priorities (or a plan's own name for its top level)."""

    queryset = StrategicPriority.objects.none()  # the model, for the schema; get_queryset() decides the rows
    serializer_class = PrioritySerializer
    filterset_class = PriorityFilter

    def get_queryset(self):
        return StrategicPriority.objects.filter(plan__in=readable_plans(self.request)).select_related("plan")


def _actions(request, on):
    """The actions the caller may read, with the RAG picture as at `on` and what the rows show."""
    if is_public(request):
        latest = ProgressUpdate.objects.latest_public_per_action(on)
    else:
        latest = ProgressUpdate.objects.latest_per_action(on)
    return (
        Action.objects.filter(plan__in=readable_plans(request).values("pk"))
        .with_rag(on)
        .with_owners()
        .select_related("plan", "priority")
        .prefetch_related(
            Prefetch("indicators", Indicator.objects.only("code")),
            Prefetch(
                "progress_updates", latest.only("action", "reported_on", "rag", "narrative"), to_attr="shown_updates"
            ),
        )
    )


@extend_schema_view(list=extend_schema(parameters=[AS_AT, FORMAT]), retrieve=extend_schema(parameters=[AS_AT]))
class ActionViewSet(ReadOnlyViewSet):
    """Key actions and sub-actions with their delivery status, RAG, staleness and slippage as at the
    date, filtered as the action list filters them."""

    queryset = Action.objects.none()  # the model, for the schema; get_queryset() decides the rows
    serializer_class = ActionSerializer
    filterset_class = ApiActionFilter

    def get_queryset(self):
        return _actions(self.request, as_at(self.request, timezone.localdate()))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "public": is_public(self.request)}


@extend_schema_view(list=extend_schema(parameters=[FORMAT]))
class ProgressUpdateViewSet(ReadOnlyViewSet):
    """Progress updates, newest last. Without a token, only the published ones: the plan file's and
    those signed off."""

    queryset = ProgressUpdate.objects.none()  # the model, for the schema; get_queryset() decides the rows
    serializer_class = ProgressUpdateSerializer
    filterset_class = ProgressUpdateFilter

    def get_queryset(self):
        updates = ProgressUpdate.objects.filter(action__plan__in=readable_plans(self.request).values("pk"))
        if is_public(self.request):
            updates = updates.public()
        return updates.select_related("action__plan", "author")


@extend_schema_view(list=extend_schema(parameters=[FORMAT]))
class OwnerViewSet(ReadOnlyViewSet):
    """People, groups and organisations named accountable or responsible in the plans the caller
    may read. No e-mail addresses, ever."""

    queryset = Owner.objects.none()  # the model, for the schema; get_queryset() decides the rows
    serializer_class = OwnerSerializer
    filterset_class = OwnerFilter

    def get_queryset(self):
        plans = readable_plans(self.request)
        owners = Owner.objects.named_in(plans).select_related("organisation")
        if is_public(self.request):
            naming = Action.objects.filter(plan__in=plans.filter(public_names=True))
            owners = owners.annotate(
                name_public=Exists(naming.filter(accountable=OuterRef("pk")))
                | Exists(naming.filter(responsible=OuterRef("pk")))
            )
        return owners

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "public": is_public(self.request)}


class PassthroughCSVRenderer(CSVRenderer):
    """The feed writes its own CSV; this renderer only lets a client ask for text/csv (errors are
    rendered by CSVRenderer)."""


@extend_schema(
    parameters=[AS_AT],
    responses={(200, "text/csv"): OpenApiTypes.STR},
    description="Every action the token's user may read, filtered as the action list filters them, in "
    "the columns of the action list's CSV download, in one response however many there are. For Power BI "
    "and Excel (README, “Feeds for Power BI and Excel”). Needs a token.",
)
class ActionFeed(generics.GenericAPIView):
    """The action list's CSV, as a feed that a spreadsheet or BI tool refreshes with a token."""

    permission_classes = [IsAuthenticated]
    renderer_classes = [PassthroughCSVRenderer]
    filterset_class = ApiActionFilter
    pagination_class = None
    serializer_class = ActionSerializer

    def get_queryset(self):
        on = as_at(self.request, timezone.localdate())
        return Action.objects.filter(plan__in=readable_plans(self.request).values("pk")).with_rag(on)

    def get(self, request):
        on = as_at(request, timezone.localdate())
        actions = self.filter_queryset(self.get_queryset()).order_by("plan__title", "position")
        response = StreamingHttpResponse(action_export.actions_csv(actions, on), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="actions-as-at-{on:%Y-%m-%d}.csv"'
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        return private_when_signed_in(request, super().finalize_response(request, response, *args, **kwargs))
