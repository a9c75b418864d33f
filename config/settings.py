"""Settings for Crisis API, read from environment variables (one module for every deployment)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --- Core -------------------------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DJANGO_DEBUG", default=False)

# With debug off, config.wsgi / config.asgi refuse to serve without a real key and host list
# (crisis_api.checks; `manage.py check --deploy` reports the same); management commands such
# as makemigrations still run with the placeholder below.
INSECURE_SECRET_KEY = "insecure-development-key-set-DJANGO_SECRET_KEY"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=INSECURE_SECRET_KEY)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Behind a TLS-terminating proxy ---------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/ref/settings/#secure-proxy-ssl-header
BEHIND_TLS_PROXY = env.bool("DJANGO_BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # A year: what browsers' preload lists ask for (check --deploy's W005 and W021).
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
# A load balancer probes these over plain HTTP, even when every other path redirects to HTTPS
# (paths without their leading slash).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# An admin session ends after a working day, whatever the activity.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_HOURS", default=10) * 3600

# Content-Security-Policy (django-csp) on every page: the admin and both docs pages load
# everything from this host (Swagger UI, Redoc: drf-spectacular-sidecar). No inline script
# anywhere (Swagger UI's setup comes from its own URL); inline styles are allowed because the
# admin, Swagger UI and Redoc write them. Redoc searches in a blob: worker.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Applications -----------------------------------------------------------------------------
INSTALLED_APPS = [
    # Before the admin: its templates (admin/base_site.html) override the admin's own.
    "crisis_api",
    "crisis_api.admin_apps.CrisisAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm",
    "axes",
    "csp",
    "incidents",
    "incidents.monitoring",
    "incidents.communications",
    "incidents.actions",
    "incidents.metrics",
    "django_tasks",
    "django_tasks_db",
    "crisis_api.webhooks",
]

MIDDLEWARE = [
    # Outermost: one JSON log line per request, with the status that finally leaves.
    "crisis_api.request_log.RequestLogMiddleware",
    # So that every error under /api/ (Django's included, debug on or off) leaves as
    # problem+json.
    "crisis_api.middleware.ApiProblemMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Cache-Control: no-store on the API's answers (they carry incident data).
    "crisis_api.middleware.ApiNoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "crisis_api.request_id.RequestIdMiddleware",
    # Before CSRF, the first middleware that may read a body.
    "crisis_api.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions, before CommonMiddleware: the language of the admin's switch (a cookie),
    # else Accept-Language; answers say Content-Language and Vary: Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication (session callers) and the body limit; replays skip the view.
    "crisis_api.idempotency.middleware.IdempotencyKeyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last (django-axes): answers a locked-out admin login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Request bounds -----------------------------------------------------------------------------
# Bodies over this many bytes get 413 (crisis_api.middleware.BodySizeLimitMiddleware, with or
# without a Content-Length); a view may declare more with @max_body_size. Django's own check
# would answer with an HTML 400 and cannot vary by view, so it is off.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=1024 * 1024)
# https://docs.djangoproject.com/en/5.2/ref/settings/#data-upload-max-memory-size
DATA_UPLOAD_MAX_MEMORY_SIZE = None
# How far in the future a date-time given as input may be (clocks differ).
INPUT_MAX_CLOCK_SKEW = timedelta(minutes=env.int("INPUT_MAX_CLOCK_SKEW_MINUTES", default=5))

# --- Database ---------------------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so concurrent transitions queue
    # instead of failing; WAL lets readers run beside the one writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL compiles a query with LLVM once its estimated cost passes jit_above_cost: tens
    # to hundreds of milliseconds of compiling for queries that run in a few (the service's
    # are short, indexed reads). DJANGO_DB_JIT=on gives the server's setting back.
    if not env.bool("DJANGO_DB_JIT", default=False):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    # The few queries every request runs (crisis_api.compiled: the token, the permissions, one
    # incident) are prepared after 5 runs on a connection, and PostgreSQL plans them once
    # instead of on every request (Django's other queries are never prepared). Off
    # (DJANGO_DB_PREPARED_STATEMENTS=0) behind a pooler that cannot keep prepared statements,
    # such as PgBouncer in transaction mode before 1.21.
    if env.bool("DJANGO_DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The owner role's URL, for `migrate` only (crisis_api/management/commands/migrate.py): the
# service itself connects with DATABASE_URL as a role that may only read and append the audit
# log (`manage.py audit_grants` prints the roles and grants). Unset: migrate uses DATABASE_URL.
MIGRATE_DATABASE_URL = env.str("MIGRATE_DATABASE_URL", default="")

# --- Audit checkpoints ---------------------------------------------------------------------------
# The HMAC key that signs audit checkpoints (`audit_checkpoint`, `verify_audit --checkpoint`, the
# /api/v1/audit/ endpoints); keep a copy away from the database. Without it (debug off) they
# refuse to run; `make run` (debug on) gets a development key.
AUDIT_CHECKPOINT_KEY = env.str(
    "AUDIT_CHECKPOINT_KEY", default="insecure-development-checkpoint-key" if DEBUG else ""
)

# --- Authentication ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses a login while its username and address are locked out.
    "axes.backends.AxesStandaloneBackend",
    "crisis_api.auth.backends.SingleQueryPermissionBackend",
]
# Admin login against password guessing (django-axes): after AXES_FAILURE_LIMIT failures for one
# username from one address, that pair (only) is refused for the cool-off period, then may try
# again; colleagues behind the same address, and the same user elsewhere, are not locked.
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The address as the API's throttling sees it (NUM_PROXIES).
AXES_CLIENT_IP_CALLABLE = "crisis_api.auth.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "crisis_api.auth.lockout.locked_out"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Days a new API token lives unless its creator says otherwise, and the most it may live: every
# token expires. A system check (crisis_api.auth.checks) refuses a default above the maximum.
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
# A token's last_used_at is written at most once per this many minutes, so reads stay reads.
API_TOKEN_LAST_USED_MINUTES = env.int("API_TOKEN_LAST_USED_MINUTES", default=5)

# --- Internationalisation ---------------------------------------------------------------------
# https://docs.djangoproject.com/en/5.2/topics/i18n/translation/
# The language of a request without a cookie or Accept-Language we can serve; one of LANGUAGES
# (Django's check translation.E004 refuses to start otherwise).
LANGUAGE_CODE = env.str("DJANGO_LANGUAGE_CODE", default="en")
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
# One catalogue for the whole project (platform and domain): one file for translators to keep.
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files (WhiteNoise serves them under gunicorn) -------------------------------------
# https://whitenoise.readthedocs.io/en/stable/django.html
STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Logging ----------------------------------------------------------------------------------
# One JSON object per line (python-json-logger), on the console: crisis_api.request_log writes
# one per request ("crisis_api.requests") and webhook_attempt_logger one per webhook attempt.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # The request line already says status and duration; Django's own line would repeat it.
        "django.server": {"level": "WARNING"},
    },
}

# --- Cache (throttle counters) -------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-cache-url
# Every process must share it for the limits to hold: redis://127.0.0.1:6379/1 in production.
# The default (memory of one process) suits `make run`'s single server.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Several deployments (or a staging copy) sharing one Redis keep apart with a prefix.
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="crisis")
THROTTLE_CACHE_ALIAS = "default"

# --- Limits -------------------------------------------------------------------------------------
# DRF rate strings (<number>/<s|min|hour|day>), counted per fixed window (crisis_api.throttling).
THROTTLE_USER_RATE = env.str("THROTTLE_USER_RATE", default="1200/min")  # per API token
THROTTLE_ANON_RATE = env.str("THROTTLE_ANON_RATE", default="60/min")  # per client address
THROTTLE_SIGNALS_RATE = env.str("THROTTLE_SIGNALS_RATE", default="600/min")  # per token
# How many proxies in front of the service append to X-Forwarded-For (0: none, the client
# address is REMOTE_ADDR). Behind the documented proxy: 1.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# An Idempotency-Key's first answer is replayed for this many hours; a claim that never
# completed (its process died) may be taken over after this many seconds (longer than any
# request: gunicorn's timeout is 30 s).
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
IDEMPOTENCY_LOCK_SECONDS = env.int("IDEMPOTENCY_LOCK_SECONDS", default=120)

# --- REST framework ---------------------------------------------------------------------------
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crisis_api.auth.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        # First: anonymous floods get 429, not an endless stream of 401 (crisis_api.throttling).
        "crisis_api.throttling.AnonymousRateLimit",
        "rest_framework.permissions.IsAuthenticated",
        "crisis_api.auth.permissions.FeedAccountScope",
    ],
    "DEFAULT_RENDERER_CLASSES": ["crisis_api.renderers.FastJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["crisis_api.parsers.BoundedJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "crisis_api.negotiation.ExplainedContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "crisis_api.pagination.CursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crisis_api.errors.problem_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["crisis_api.throttling.CallerRateThrottle"],
}

# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Crisis API",
    "DESCRIPTION": (
        "Incident lifecycle for communications teams handling online crises: detect, assess, "
        "respond, resolve and review, with a tamper-evident event log.\n\n"
        "Authenticate with `Authorization: Bearer <token>`. Errors are "
        "`application/problem+json` (RFC 9457)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "incidents.models.Status",
        "SeverityEnum": "incidents.models.Severity",
        "ScopeEnum": "incidents.models.Scope",
        "CategoryEnum": "incidents.models.Category",
        "ChannelEnum": "incidents.models.Channel",
        "ImpactEnum": "incidents.models.Impact",
        "ResolutionEnum": "incidents.models.Resolution",
        "DeadlineStateEnum": "incidents.deadlines.rules.DeadlineState",
        "TokenStateEnum": "crisis_api.models.TokenState",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crisis_api.schema.forbid_unknown_fields",
        "crisis_api.schema.add_component_examples",
        "crisis_api.idempotency.schema.document_limits",
    ],
    "AUTHENTICATION_WHITELIST": ["crisis_api.auth.authentication.BearerTokenAuthentication"],
}

# --- Incidents --------------------------------------------------------------------------------
# The deadlines of each severity are in the database (SeverityPolicy), edited in the admin.
INCIDENT_REFERENCE_PREFIX = env.str("INCIDENT_REFERENCE_PREFIX", default="CR")

# --- Monitoring (signals) -----------------------------------------------------------------------
# A batch of signals may be this large (the API's other bodies: MAX_REQUEST_BODY_BYTES).
SIGNALS_BATCH_MAX_BYTES = env.int("SIGNALS_BATCH_MAX_BYTES", default=5 * 1024 * 1024)
# Two texts of 6 words or more are near-identical from this word-bigram Jaccard similarity.
SIGNAL_NEAR_DUPLICATE_JACCARD = env.float("SIGNAL_NEAR_DUPLICATE_JACCARD", default=0.6)
# A signal without a group key joins an open incident holding a copy observed within this many
# hours of it (before or after).
SIGNAL_NEAR_DUPLICATE_HOURS = env.int("SIGNAL_NEAR_DUPLICATE_HOURS", default=72)
# Query parameters dropped from URLs before comparing them (besides every utm_*).
SIGNAL_URL_TRACKING_PARAMETERS = frozenset(
    env.list(
        "SIGNAL_URL_TRACKING_PARAMETERS",
        default=[
            "fbclid",
            "gclid",
            "dclid",
            "msclkid",
            "igshid",
            "mc_cid",
            "mc_eid",
            "ref_src",
            "ref_url",
            "_ga",
            "_gl",
            "yclid",
            "twclid",
            "si",
        ],
    )
)
# The assessment suggestion's thresholds (README: "The assessment suggestion").
ASSESSMENT_SUGGESTION = {
    # coordinated: one cluster of near-identical text holds this many distinct authors within
    # a sliding window of this many minutes, and at least this share of the signals.
    "coordinated_authors": 10,
    "coordinated_window_minutes": 120,
    "coordinated_share": 0.3,
    # spreading: this many platforms, or the last 60 minutes bring this many times the 60
    # before, and at least the minimum.
    "spreading_platforms": 3,
    "spreading_growth": 2,
    "spreading_last_hour_minimum": 20,
    # severity by total reach.
    "reach_critical": 1_000_000,
    "reach_high": 100_000,
    "reach_medium": 10_000,
    # high when at least this many signals carry a sentiment and this share is negative.
    "negative_minimum_signals": 50,
    "negative_share": 0.7,
    "negative_sentiment_below": -0.25,
}

# --- Background work and webhooks ---------------------------------------------------------------
# https://github.com/RealOrangeOne/django-tasks : django-tasks with its database backend; the
# workers are `manage.py db_worker`. Outbox rows (webhooks.Delivery) hold the truth, so another
# backend (e.g. RQ on Redis) may replace this one without touching the code.
TASKS = {
    "default": {"BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend")}
}
# Loopback receivers (127.0.0.1, ::1) allowed: for local use and the tests only.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
# Seconds a receiver has to answer one delivery attempt.
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=15.0)
# The periodic jobs the sweeper (`manage.py sweep`, cron every minute) runs: command → seconds
# between two runs. Two sweepers at once run each job once per interval. The audit checkpoint
# runs where its signing key is set (it refuses to run without one).
SWEEPER_JOBS = {
    "check_deadlines": 60,
    "purge_idempotency_keys": 3600,
    **({"audit_checkpoint": 3600} if AUDIT_CHECKPOINT_KEY else {}),
}
