"""Small typed readers for settings from the environment; they fail loudly on bad values."""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name, default=None):
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the {name} environment variable.")
        return default
    return value


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    value = value.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


# Django's deploy check asks for 5 different characters; a random key has dozens (a hex one 16).
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 10


def production_secret_key(name, known):
    """The secret key from `name`, refusing one an attacker could know or guess: missing, one of
    the `known` (published) keys or Django's throwaway "django-insecure-" ones, or shorter or less
    varied than Django's own deploy check asks for."""
    from django.core.checks.security.base import SECRET_KEY_INSECURE_PREFIX, SECRET_KEY_MIN_LENGTH

    value = env_str(name)
    if value in known or value.startswith(SECRET_KEY_INSECURE_PREFIX):
        raise ImproperlyConfigured(f"{name} is a published key: generate a new one for production.")
    if len(value) < SECRET_KEY_MIN_LENGTH or len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        raise ImproperlyConfigured(
            f"{name} must be at least {SECRET_KEY_MIN_LENGTH} characters long with at least "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different ones, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'."
        )
    return value


def client_address_settings(proxy_count):
    """django-axes' client-address settings for `proxy_count` trusted proxies in front of the app.

    Each proxy appends the address it received the request from to X-Forwarded-For, and the last
    one is REMOTE_ADDR, so the client is the `proxy_count`-th entry from the right: what a client
    writes further left is ignored. django-ipware counts only the proxies listed in the header
    (one fewer), and must accept a header longer than that (strict: off).
    """
    if proxy_count < 0:
        raise ImproperlyConfigured(f"AXES_PROXY_COUNT must be 0 or more, not {proxy_count}.")
    if proxy_count == 0:
        return {"AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",), "AXES_IPWARE_PROXY_COUNT": None}
    return {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        "AXES_IPWARE_PROXY_COUNT": proxy_count - 1,
        "IPWARE_STRICT": False,
    }
