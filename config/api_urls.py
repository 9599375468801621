"""/api/v1/: the read-only API's resources (each app's api.py), its OpenAPI schema and its docs.

Every view here is open to callers without sign-in (LoginRequiredMiddleware lets them through):
what each caller reads is decided by the views themselves (README, "The API")."""

import functools

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import path
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from actionplan import api as actionplan_api
from indicators import api as indicators_api
from partnerships import api as partnerships_api

router = SimpleRouter()
router.register("plans", actionplan_api.PlanViewSet, basename="plan")
router.register("priorities", actionplan_api.PriorityViewSet, basename="priority")
router.register("actions", actionplan_api.ActionViewSet, basename="action")
router.register("progress-updates", actionplan_api.ProgressUpdateViewSet, basename="progress-update")
router.register("owners", actionplan_api.OwnerViewSet, basename="owner")
router.register("boards", partnerships_api.BoardViewSet, basename="board")
router.register("meetings", partnerships_api.MeetingViewSet, basename="meeting")
router.register("indicators", indicators_api.IndicatorViewSet, basename="indicator")
router.register("outcomes", indicators_api.OutcomeViewSet, basename="outcome")


@functools.cache
def schema():
    """The OpenAPI schema (as /api/v1/schema/ serves it), generated once per process."""
    return SchemaGenerator().get_schema(request=None, public=True)


def _endpoints():
    """(path, description, [parameters], [fields]) for each list endpoint and the feed, from the schema."""
    spec = schema()
    components = spec["components"]["schemas"]
    found = []
    for address, operations in spec["paths"].items():
        get = operations.get("get")
        if get is None or "{" in address:
            continue
        content = get["responses"]["200"].get("content", {})
        body = content.get("application/json", {}).get("schema", {})
        reference = body.get("$ref", "")
        page = components.get(reference.rsplit("/", 1)[-1], {})
        rows = page.get("properties", {}).get("results", {}).get("items", {}).get("$ref", "")
        fields = components.get(rows.rsplit("/", 1)[-1], {}).get("properties", {})
        found.append(
            {
                "path": address,
                "description": get.get("description", ""),
                "parameters": get.get("parameters", []),
                "fields": [(name, field.get("description", "")) for name, field in fields.items()],
            }
        )
    return found


def _in_words(rate):
    """A DRF rate ("1000/hour") as the docs say it ("1000 requests an hour")."""
    number, period = rate.split("/")
    period = {"s": "second", "m": "minute", "h": "hour", "d": "day"}[period[0]]
    return f"{number} requests {'an' if period == 'hour' else 'a'} {period}"


@login_not_required
@require_safe
def docs(request):
    """How to use the API, with every endpoint's parameters and fields read from the schema. The same
    page for everyone (rendered without the request), so caches may keep it."""
    rates = {scope: _in_words(rate) for scope, rate in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].items()}
    html = render_to_string("api/docs.html", {"endpoints": _endpoints(), "rates": rates, "section": "api"})
    response = HttpResponse(html)
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE)
    return response


app_name = "api"
urlpatterns = [
    *router.urls,
    path("feeds/actions.csv", actionplan_api.ActionFeed.as_view(), name="action-feed"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs, name="docs"),
]
# Open to callers without sign-in: each view decides what they may read.
for pattern in urlpatterns:
    login_not_required(pattern.callback)
