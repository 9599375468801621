"""Settings for the HWB action-plan assurance system.

Development defaults need nothing: SQLite, console e-mail, DEBUG on, Celery tasks run in-process.
Production is chosen by the environment: DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS,
DATABASE_URL (PostgreSQL) and REDIS_URL.
"""

import datetime
from pathlib import Path

import csp.constants
import dj_database_url
from celery.schedules import crontab

from config.env import client_address_settings, env_bool, env_int, env_list, env_str, production_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)

DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
if DEBUG:
    SECRET_KEY = env_str("DJANGO_SECRET_KEY", DEVELOPMENT_SECRET_KEY)
else:
    # Refuses to start with a missing, short, repetitive or published key.
    SECRET_KEY = production_secret_key("DJANGO_SECRET_KEY", known=[DEVELOPMENT_SECRET_KEY])

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "simple_history",
    "axes",
    "csp",
    "partnerships",
    "indicators",
    "actionplan",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Compresses what the middleware below has finished with: the pages of plans, partnerships and
    # indicators only (config.middleware.CompressedPages says why not the rest).
    "config.middleware.CompressedPages",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs sign-in unless a view is marked login_not_required.
    "config.middleware.LoginRequired",
    # Pages and exports for a signed-in user are kept by no cache (static files never get here).
    "config.middleware.no_store_when_signed_in",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Locks out repeated failed sign-ins; must come last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.presentation.navigation",
                "actionplan.context_processors.my_actions",
            ],
            # GOV.UK markup shared by every app's templates: {% load govuk %}.
            "libraries": {"govuk": "config.govuk_tags"},
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords for one username from one address lock it out for half an hour.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind AXES_PROXY_COUNT proxies (each adding to X-Forwarded-For) the client is the address the
# outermost one added; anything a client wrote to the left of it is ignored. 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0)
globals().update(client_address_settings(TRUSTED_PROXY_COUNT))

LOGIN_URL = "login"
# Officers land on My actions, everyone else on the dashboard (actionplan.views.signed_in).
LOGIN_REDIRECT_URL = "actionplan:signed_in"
LOGOUT_REDIRECT_URL = "login"

# An officer may correct a typo in their own latest progress update for this long.
PROGRESS_CORRECTION_MINUTES = env_int("PROGRESS_CORRECTION_MINUTES", 30)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Files users upload, such as plan spreadsheets waiting to be confirmed: private (0700), never
# served. The web and worker processes must share it (docker-compose.yml: the "media" volume).
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media")))
PLAN_UPLOAD_DIR = Path(env_str("PLAN_UPLOAD_DIR", str(MEDIA_ROOT / "plan-uploads")))
# Plan uploads bigger than this are checked by the Celery worker, within these limits, while the
# browser shows a progress page; smaller ones in the request.
PLAN_UPLOAD_TASK_BYTES = env_int("PLAN_UPLOAD_TASK_BYTES", 1024 * 1024)
PLAN_UPLOAD_CHECK_SECONDS = env_int("PLAN_UPLOAD_CHECK_SECONDS", 120)
PLAN_UPLOAD_CHECK_MEMORY_MB = env_int("PLAN_UPLOAD_CHECK_MEMORY_MB", 512)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP server may take to answer: a server that never answers must not hang the jobs.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hwb-assurance@localhost")
# Where the help pages and accessibility statement tell people to write with a problem.
SUPPORT_EMAIL = env_str("SUPPORT_EMAIL", DEFAULT_FROM_EMAIL)
# E-mails are read away from the site: their links start with this address.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Celery: with no REDIS_URL (make run on a bare machine) tasks run eagerly in-process.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Beat's timetable (Europe/London): the dashboards' kept summaries just after midnight, when the
# date moves; flag first, then remind from the fresh flags; digest on Mondays.
CELERY_BEAT_SCHEDULE = {
    "keep-summaries": {"task": "actionplan.tasks.keep_summaries", "schedule": crontab(hour=0, minute=5)},
    "flag-overdue": {"task": "actionplan.tasks.flag_overdue", "schedule": crontab(hour=6, minute=0)},
    "send-reminders": {"task": "actionplan.tasks.send_reminders", "schedule": crontab(hour=7, minute=0)},
    # Hourly in the working day, so a round opened this morning has its request out within the
    # hour; each e-mail goes once however often it runs.
    "send-round-chasers": {
        "task": "actionplan.tasks.send_round_chasers",
        "schedule": crontab(hour="7-18", minute=15),
    },
    "board-digest": {
        "task": "actionplan.tasks.board_digest",
        "schedule": crontab(hour=7, minute=30, day_of_week="mon"),
    },
    # Hourly, so an upload nobody confirmed is gone within a day and an hour.
    "delete-unconfirmed-uploads": {
        "task": "actionplan.tasks.delete_unconfirmed_uploads",
        "schedule": crontab(minute=20),
    },
}
# Beat sends each job once: while Redis is away it keeps trying to send it (for about an hour)
# rather than dropping the day's run; the tasks' own retries are sent the same way.
JOB_PUBLISH_RETRY_POLICY = {"max_retries": 70, "interval_start": 0, "interval_step": 5, "interval_max": 60}
for _job in CELERY_BEAT_SCHEDULE.values():
    _job["options"] = {"retry": True, "retry_policy": JOB_PUBLISH_RETRY_POLICY}
# A task is acknowledged only when it has run, so a worker lost mid-run leaves it for another.
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker process that has grown past this (KB) after a task is replaced by a fresh one.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_KB", 600_000)

# The cache: public plan pages and the API's rate limits. Shared by every web process through Redis
# when there is one; otherwise each process keeps its own in memory (make run).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "hwb"}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Public pages may be kept by browsers and shared caches this long before they ask again (ETag).
PUBLIC_PAGE_MAX_AGE = env_int("PUBLIC_PAGE_MAX_AGE", 60)

# The read-only API (/api/v1/, README "The API"): Django REST Framework. Who may read what is
# decided by each view's queryset; a token is throttled on its own, anonymous callers by address.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "actionplan.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "config.api_formats.CSVRenderer"],
    "DEFAULT_PAGINATION_CLASS": "config.api_formats.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["actionplan.api_auth.PerTokenThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env_str("API_RATE_TOKEN", "1000/hour"),
        "anonymous": env_str("API_RATE_ANONYMOUS", "300/hour"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Anonymous callers are throttled by the client's address, read as axes reads it.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HWB action-plan assurance API",
    "DESCRIPTION": "Read-only: plans, priorities, actions, progress updates, owners, boards, meetings, "
    "indicators and outcomes. Without a token: the published plans only.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for each set of choices, whichever field uses it.
    "ENUM_NAME_OVERRIDES": {
        "RagEnum": "actionplan.status.RAG.choices",
        "DeliveryStatusEnum": "actionplan.status.DeliveryStatus.choices",
        "IndicatorRagEnum": "indicators.models.IndicatorRag.choices",
        "OutcomeRagEnum": "indicators.models.OutcomeRag.choices",
    },
}

# Production hardening: on whenever DEBUG is off, so `check --deploy` is clean.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Scripts, styles, images and fonts come from this site only; no inline script or style anywhere
# (templates use classes in static/app.css; data: for GOV.UK Frontend's small inline images).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.constants.SELF],
        "script-src": [csp.constants.SELF],
        "style-src": [csp.constants.SELF],
        "img-src": [csp.constants.SELF, "data:"],
        "font-src": [csp.constants.SELF],
        "connect-src": [csp.constants.SELF],
        "object-src": [csp.constants.NONE],
        "base-uri": [csp.constants.SELF],
        "form-action": [csp.constants.SELF],
        "frame-ancestors": [csp.constants.NONE],
    }
}
# No page needs any of these browser features.
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "usb",
        "xr-spatial-tracking",
    ]
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Container health checks call the app over plain HTTP from inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403, 400, 404) is logged in one line; tracebacks are for server errors.
    "filters": {"client_errors_without_traceback": {"()": "config.log_filters.ClientErrorsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_errors_without_traceback"]}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    # Axes logs every sign-in at INFO; lockouts are WARNING and still shown.
    # WeasyPrint logs each layout step of a PDF, and every GOV.UK CSS rule it skips.
    "loggers": {
        "django.request": {"filters": ["client_errors_without_traceback"]},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}
