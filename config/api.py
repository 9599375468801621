"""What every app's part of the read-only API shares (README, "The API"): caching headers, the "as at"
date, the schema's common parameters; cursor pagination and CSV are in config/api_formats.py.

Each app keeps its own resources (actionplan/api.py, partnerships/api.py, indicators/api.py);
config/api_urls.py wires them under /api/v1/.
"""

import datetime

from django.utils.cache import add_never_cache_headers, patch_vary_headers
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from config.api_formats import CSVRenderer as CSVRenderer  # the views' renderers and pagination live there
from config.dates import EARLIEST, LATEST

AS_AT = OpenApiParameter(
    "as_at",
    OpenApiTypes.DATE,
    description="The date the statuses, RAG and counts are as at: only progress reported by then "
    "counts (default today; 1900-01-01 to 2999-12-31).",
)
FORMAT = OpenApiParameter("format", str, enum=["json", "csv"], description="json (default) or csv.")


def as_at(request, today):
    """?as_at=YYYY-MM-DD, within the dates anyone may ask about; `today` when not given."""
    given = request.query_params.get("as_at")
    if not given:
        return today
    try:
        day = datetime.date.fromisoformat(given)
    except ValueError:
        raise ValidationError({"as_at": ["Enter a date as YYYY-MM-DD, for example 2018-04-01."]}) from None
    if not EARLIEST <= day <= LATEST:
        raise ValidationError({"as_at": [f"Enter a date from {EARLIEST} to {LATEST}."]})
    return day


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """A list and a detail view of one resource. `decorate(objects)` adds to the fetched page (or
    object) what is counted per page rather than per row. A signed-in caller's answer is theirs
    alone: no cache may keep it."""

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self.decorate(page)
        return page

    def get_object(self):
        found = super().get_object()
        self.decorate([found])
        return found

    def decorate(self, objects):
        """Add what the serializer reads to a fetched page of objects (default: nothing)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        return private_when_signed_in(request, response)


def private_when_signed_in(request, response):
    """The same address answers a token, a session and nobody differently: say so to caches, and
    let none keep a signed-in caller's answer."""
    patch_vary_headers(response, ["Authorization", "Cookie"])
    if request.user.is_authenticated:
        add_never_cache_headers(response)
    return response
