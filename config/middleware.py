"""Middleware of the whole site (settings.MIDDLEWARE)."""

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
