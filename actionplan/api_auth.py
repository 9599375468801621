"""How the API knows its caller: personal tokens (ApiToken), and each token's rate limit.

Apart from actionplan/api.py because Django REST Framework imports these while its own views
module is still being imported (settings.REST_FRAMEWORK names them): this module imports no view.
"""

from django.utils import timezone
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.throttling import SimpleRateThrottle

from actionplan.models import ApiToken

# -- Tokens ----------------------------------------------------------------------------------------


class TokenAuthentication(BaseAuthentication):
    """A personal token (ApiToken) in the header `Authorization: Token <token>` (or `Bearer`), or,
    for tools that cannot send headers, as `?token=<token>`. An unknown or revoked token is refused
    (401), never read as anonymous."""

    keywords = (b"token", b"bearer")

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if words and words[0].lower() in self.keywords:
            if len(words) != 2:
                raise AuthenticationFailed("Give the token after the word Token, with one space between.")
            secret = words[1].decode("latin-1")
        elif "token" in request.query_params:
            secret = request.query_params["token"]
        else:
            return None
        token = ApiToken.objects.for_secret(secret)
        if token is None:
            raise AuthenticationFailed("That token is not known or has been revoked.")
        token.note_use(timezone.now())
        return token.user, token

    def authenticate_header(self, request):
        return 'Token realm="api"'


class PerTokenThrottle(SimpleRateThrottle):
    """Each token has its own allowance ("token" rate); a signed-in session counts as its user's;
    callers without either share one allowance per address ("anonymous" rate)."""

    scope = "anonymous"  # until allow_request() knows the caller

    def allow_request(self, request, view):
        self.scope = "token" if request.user.is_authenticated else "anonymous"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"address-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
