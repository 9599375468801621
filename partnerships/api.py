"""The API's boards and meetings (README, "The API"; wired in config/api_urls.py). A token reads
every board, as its user's pages do; without one, the boards with a public profile
(PartnershipQuerySet.public) and their meetings."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from config.api import FORMAT, ReadOnlyViewSet
from partnerships.models import Meeting, Partnership


def _boards(request):
    return Partnership.objects.all() if request.user.is_authenticated else Partnership.objects.public()


class BoardSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, help_text="The board it reports to.")
    chairs = serializers.ListField(child=serializers.CharField())
    other_names = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = Partnership
        fields = [
            "slug",
            "name",
            "short_name",
            "other_names",
            "statutory",
            "parent",
            "summary",
            "chairs",
            "vice_chair",
            "lead_member",
            "lead_officer",
            "website",
        ]


class MeetingSerializer(serializers.ModelSerializer):
    board = serializers.SlugRelatedField(source="partnership", slug_field="slug", read_only=True)

    class Meta:
        model = Meeting
        fields = ["id", "board", "date", "date_text", "kind"]


class MeetingFilter(django_filters.FilterSet):
    board = django_filters.CharFilter(field_name="partnership__slug", help_text="The board's slug.")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")


@extend_schema_view(list=extend_schema(parameters=[FORMAT]))
class BoardViewSet(ReadOnlyViewSet):
    """The Health and Wellbeing Board and the partnerships under it."""

    queryset = Partnership.objects.none()  # the model, for the schema; get_queryset() decides the rows
    serializer_class = BoardSerializer
    lookup_field = "slug"

    def get_queryset(self):
        return _boards(self.request).select_related("parent")


@extend_schema_view(list=extend_schema(parameters=[FORMAT]))
class MeetingViewSet(ReadOnlyViewSet):
    """Boards' meetings, past and future."""

    queryset = Meeting.objects.none()  # the model, for the schema; get_queryset() decides the rows
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter

    def get_queryset(self):
        return Meeting.objects.filter(partnership__in=_boards(self.request)).select_related("partnership")
