"""Settings for the claim annotator.

Every value that differs between a laptop, CI and production comes from the
environment; the defaults work on a laptop with no configuration at all.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret_key() -> str:
    # A laptop gets a key generated once and kept beside the project (ignored by git),
    # so sessions survive restarts without anyone having to invent a secret.
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = envbool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Full-text search (SearchVectorField, SearchQuery); harmless on SQLite.
    "django.contrib.postgres",
    "rest_framework",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    # Background tasks (django.tasks) kept in the database, run by `manage.py db_worker`.
    "django_tasks_db",
    "articles",
    "annotator",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the person's preference, else the language cookie, else Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The signed-in person's language and time zone (annotator/middleware.py).
    "annotator.middleware.PersonLocaleMiddleware",
    # Every page requires sign-in unless its view is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Turns a sign-in lockout (annotator/lockout.py) into a 429 with a sentence.
    "axes.middleware.AxesMiddleware",
    # Outermost of ours last: htmx requests signed out go to sign-in (HX-Redirect), and
    # pages and API answers are never reused from a cache without asking.
    "annotator.middleware.HtmxSignInRedirectMiddleware",
    "annotator.middleware.NoCacheMiddleware",
]

ROOT_URLCONF = "annotator.urls"
WSGI_APPLICATION = "annotator.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annotator.context_processors.mentions",
                "annotator.context_processors.limits",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when their transaction begins and wait for each other,
    # instead of failing with "database is locked" when two edits meet. Tests use a
    # file too: an in-memory database shares one cache and fails racing writers at once.
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
else:
    # Server-side binding (values sent apart from the SQL, never quoted into it) and
    # prepared statements: psycopg prepares a statement the fifth time a connection runs
    # it, so the busiest ones (a create's, a list page's) are planned once per
    # connection instead of once per request. Django turns preparing off unless told,
    # for poolers that cannot keep prepared statements (PgBouncer in transaction mode
    # without max_prepared_statements): there, set DJANGO_DB_PREPARE_THRESHOLD=off.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["server_side_binding"] = envbool("DJANGO_DB_SERVER_SIDE_BINDING", "1")
    threshold = os.environ.get("DJANGO_DB_PREPARE_THRESHOLD", "5").strip().lower()
    options["prepare_threshold"] = None if threshold in {"", "off"} else int(threshold)
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" and envbool(
    "DJANGO_DB_POOL", "1"
):
    from annotator import pool

    # PostgreSQL: psycopg's connection pool, so no request pays for a new connection,
    # under the ASGI streams too (where persistent connections are not safe).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DJANGO_DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DJANGO_DB_POOL_MAX", "12")),
        "timeout": float(os.environ.get("DJANGO_DB_POOL_TIMEOUT", "10")),
        # A connection is checked as it leaves the pool, so after a database restart
        # no request meets a dead one (a 503): the app recovers by itself at once. The
        # check reads the socket first and asks the server only when it must.
        "check": pool.check_connection,
        "reset": pool.mark_returned,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "annotator:article_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# English and Spanish (README, Languages); catalogues in locale/, compiled by `make install`.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# DATETIME_FORMAT per language, matched by the page script (annotator/locale_formats).
FORMAT_MODULE_PATH = ["annotator.locale_formats"]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")

# E-mail (the notification digest): SMTP in production, printed to the console while
# debugging, unless a backend is set; SMTP reads its server from the environment
# (Django 6.1's MAILERS).
EMAIL_BACKEND_PATH = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("DJANGO_EMAIL_PORT", "25")),
        "username": os.environ.get("DJANGO_EMAIL_HOST_USER", ""),
        "password": os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", ""),
        "use_tls": envbool("DJANGO_EMAIL_USE_TLS"),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "claimmark@localhost")
# Links in e-mails start with this (no request to read the host from).
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://localhost:8000").rstrip("/")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or envbool("DJANGO_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# A request body larger than this is refused before any view sees it.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# Except the import endpoint's, which reads its body as a stream up to this.
IMPORT_MAX_BYTES = int(os.environ.get("DJANGO_IMPORT_MAX_MB", "50")) * 1024 * 1024
# An import of more records than this runs as a background task (202 and a task URL):
# 10,000 take about 0.6 s on PostgreSQL and 1.5 s on SQLite here, far inside any proxy's
# timeout; a 50 MB file can hold 400,000, which would not be.
IMPORT_BACKGROUND_RECORDS = int(os.environ.get("DJANGO_IMPORT_BACKGROUND_RECORDS", "10000"))
# A background import whose worker runs on another host and has not reported progress
# for this long is taken to have ended with its worker (services/import_jobs.py); one
# on this host is asked directly. Progress comes every few thousand records.
IMPORT_HEARTBEAT_TIMEOUT = 300

# Django's tasks framework with a database-backed queue (django-tasks-db): `make serve`
# and `make run` start `manage.py db_worker` beside the server (scripts/with-worker.sh).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", "0" if DEBUG else "1")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = envbool("DJANGO_SSL_REDIRECT")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
BEHIND_PROXY = envbool("DJANGO_BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_PROXY else None

REST_FRAMEWORK = {
    # Token first, so an anonymous API call gets 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotator.api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "annotator.api.pagination.Pagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "annotator.api.errors.exception_handler",
    # JSON nested too deeply for Python's parser is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "annotator.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("DJANGO_TOKEN_RATE", "20/minute")},
    # Behind a proxy, throttles count the address the proxy saw (X-Forwarded-For).
    "NUM_PROXIES": 1 if envbool("DJANGO_BEHIND_PROXY") else None,
}

# The admin's "revert to this version" would save a historical row directly, around
# the services; restores go through the pages and the API instead.
SIMPLE_HISTORY_REVERT_DISABLED = True

SPECTACULAR_SETTINGS = {
    "TITLE": "Claimmark API",
    "DESCRIPTION": (
        "Tag passages of articles as fact, opinion or speculation. Offsets are half-open "
        "[start, end) in Unicode code points of the article text. Errors are "
        '{"detail", "code"}.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # UI assets come from drf-spectacular-sidecar's static files: no CDN, and the CSP holds.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Without deep links an operation's summary button holds no link: a link inside a
    # button is unreachable to a screen reader (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "COMPONENT_SPLIT_REQUEST": True,
    # Two fields called "status" with different choices: name each enum, so neither
    # takes a generated name (StatusEnum stays the annotation's review status).
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "annotator.models.Annotation.Status",
        "ImportTaskStatusEnum": ["queued", "running", "done", "failed"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Lockouts and repeated failures are warnings; every single try is not worth a line.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Caches: shared by every server process, so the limits below hold across processes and
# restarts. Redis when REDIS_URL is set; else a table in the database (`make setup`,
# `make serve` and the tests create it with `manage.py createcachetable`).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "claimmark_cache",
        }
    }

# Sign-in lockouts (django-axes; annotator/lockout.py), counted in the database.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "annotator.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_SIGNIN_FAILURES", "10"))
SIGNIN_ADDRESS_FAILURES_ALLOWED = int(os.environ.get("DJANGO_SIGNIN_ADDRESS_FAILURES", "100"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Tries refused during a lockout are not counted: the wait stays the 15 minutes it says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "annotator.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "annotator.lockout.client_address"
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# API tokens (annotator.models.ApiToken): days until a new token expires; 0 = never.
API_TOKEN_TTL_DAYS = int(os.environ.get("DJANGO_TOKEN_TTL_DAYS", "0"))

# How long a client should wait before retrying when the database does not answer.
UNAVAILABLE_RETRY_AFTER = 5
