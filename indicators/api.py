"""The API's indicators (with their values and RAG) and outcomes (with their directors' ratings)
(README, "The API"; wired in config/api_urls.py). They are read with a token: without one the
API shows only published plans."""

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated

from config.api import FORMAT, ReadOnlyViewSet
from indicators.models import Indicator, IndicatorRag, IndicatorValue, Outcome, OutcomeRating


class PeriodField(serializers.Serializer):
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class IndicatorValueSerializer(serializers.ModelSerializer):
    period = PeriodField()
    rag = serializers.SerializerMethodField(help_text="As reported where it was, else as the target rule gives it.")
    computed_rag = serializers.SerializerMethodField(help_text="What the target rule gives the actual value.")

    class Meta:
        model = IndicatorValue
        fields = [
            "period",
            "actual",
            "actual_text",
            "rag",
            "reported_rag",
            "computed_rag",
            "rag_text",
            "outlook",
            "note",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=IndicatorRag.choices, allow_null=True))
    def get_rag(self, value):
        return value.rag

    @extend_schema_field(serializers.ChoiceField(choices=IndicatorRag.choices, allow_null=True))
    def get_computed_rag(self, value):
        return value.computed_rag()


class IndicatorSerializer(serializers.ModelSerializer):
    directorate = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    outcome = serializers.SlugRelatedField(slug_field="code", read_only=True)
    values = IndicatorValueSerializer(many=True)

    class Meta:
        model = Indicator
        fields = [
            "code",
            "kind",
            "number",
            "text",
            "unit",
            "directorate",
            "outcome",
            "target_text",
            "target_kind",
            "target_value",
            "target_upper",
            "target_date",
            "polarity",
            "values",
        ]


class OutcomeRatingSerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="period.label")

    class Meta:
        model = OutcomeRating
        fields = ["period", "rag", "note"]


class OutcomeSerializer(serializers.ModelSerializer):
    directorate = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    priority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    board = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    ratings = OutcomeRatingSerializer(many=True)
    indicators = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Outcome
        fields = ["code", "directorate", "priority", "text", "board", "ratings", "indicators"]


class IndicatorFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Indicator.Kind.choices)
    directorate = django_filters.CharFilter(field_name="directorate__slug", help_text="The directorate's slug.")


class OutcomeFilter(django_filters.FilterSet):
    directorate = django_filters.CharFilter(field_name="directorate__slug", help_text="The directorate's slug.")


@extend_schema_view(list=extend_schema(parameters=[FORMAT]))
class IndicatorViewSet(ReadOnlyViewSet):
    """Success indicators and key statistics, each with its values by period and their RAG."""

    queryset = Indicator.objects.none()  # the model, for the schema; get_queryset() decides the rows
    serializer_class = IndicatorSerializer
    filterset_class = IndicatorFilter
    permission_classes = [IsAuthenticated]
    lookup_field = "code"

    def get_queryset(self):
        values = IndicatorValue.objects.select_related("period").order_by("period__end")
        return Indicator.objects.select_related("directorate", "outcome").prefetch_related(Prefetch("values", values))


@extend_schema_view(list=extend_schema(parameters=[FORMAT]))
class OutcomeViewSet(ReadOnlyViewSet):
    """Outcomes with their directors' RAG by period and the indicators that measure them."""

    queryset = Outcome.objects.none()  # the model, for the schema; get_queryset() decides the rows
    serializer_class = OutcomeSerializer
    filterset_class = OutcomeFilter
    permission_classes = [IsAuthenticated]
    lookup_field = "code"

    def get_queryset(self):
        ratings = OutcomeRating.objects.select_related("period").order_by("period__end")
        return Outcome.objects.select_related("directorate", "priority", "board").prefetch_related(
            Prefetch("ratings", ratings), Prefetch("indicators", Indicator.objects.only("code", "outcome"))
        )
