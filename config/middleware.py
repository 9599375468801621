"""Middleware of the whole site (settings.MIDDLEWARE)."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import add_never_cache_headers


def no_store_when_signed_in(get_response):
    """Pages and downloads for a signed-in user show plans that are not public: no browser, proxy
    or shared computer's cache may keep them. Static files (WhiteNoise answers them earlier) and
    public views (login_not_required, e.g. /healthz/) keep their caching."""

    def middleware(request):
        response = get_response(request)
        match = getattr(request, "resolver_match", None)
        public = match is not None and not getattr(match.func, "login_required", True)
        user = getattr(request, "user", None)
        if not public and user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response

    return middleware


class LoginRequired(LoginRequiredMiddleware):
    """Django's LoginRequiredMiddleware, asking the view before the user: Django's loads the
    session and the user (two queries) before it looks whether the view is open to all, so every
    load balancer's /healthz/ from a signed-in browser, or with a stale cookie, cost both."""

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class CompressedPages(GZipMiddleware):
    """GZip for the pages of plans, partnerships and indicators (and their CSV downloads): a
    dashboard is a sixth of its size compressed.

    Only those, and only answers to GET: compression can leak a secret on a page that also
    reflects what an attacker sends (BREACH). The one secret on these pages is Django's CSRF
    token, which Django masks afresh in every response, so it cannot be recovered that way.
    Sign-in and password pages and the admin are in other apps, and are not compressed; a new API
    token is shown once, in the answer to the POST that made it, which is not compressed; nor is a
    form sent back with what was typed."""

    COMPRESSED_APPS = frozenset(["actionplan", "partnerships", "indicators", "help"])
    TEXT = ("text/", "application/json")

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        match = getattr(request, "resolver_match", None)
        if (
            request.method in ("GET", "HEAD")
            and match is not None
            and match.app_name in self.COMPRESSED_APPS
            and response.get("Content-Type", "").startswith(self.TEXT)
        ):
            return super().process_response(request, response)
        return response
