"""One settings module, driven by environment variables (see .env.example)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from sourcing.env import (
    OIDC_SIGN_ALGORITHMS,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_oidc_providers,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DJANGO_ENV = env_choice("DJANGO_ENV", ("development", "production"), "development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env_str("SECRET_KEY", required=True)
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")
else:
    SECRET_KEY = env_str("SECRET_KEY", "insecure-development-key-never-used-in-production")

DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "axes",  # sign-in lockout (django-axes)
    "sourcing",
    "decisions",
    "suppliers",
]

MIDDLEWARE = [
    "sourcing.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every page response Vary: HX-Request, the request guard's refusals too (sourcing.middleware).
    "sourcing.middleware.VaryOnHtmxMiddleware",
    # Input no route can use, before the session, CSRF and auth middleware read the request:
    # cookies with NUL, or a session or CSRF cookie of the wrong form, treated as absent; NUL
    # in the address and numbers beyond bigint refused (sourcing.middleware).
    "sourcing.middleware.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Every 405 styled with Allow (sourcing.middleware).
    "sourcing.middleware.MethodNotAllowedMiddleware",
    "sourcing.access.RouteAccessMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into our GOV.UK 429 page.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks each sign-in before Django's own backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sign-in through the department's identity provider (answers only its callback).
    "sourcing.people.oidc.DepartmentOidcBackend",
]

ROOT_URLCONF = "sourcing.urls"
WSGI_APPLICATION = "sourcing.wsgi.application"
ASGI_APPLICATION = "sourcing.asgi.application"

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
                "sourcing.context_processors.navigation",
                "sourcing.context_processors.permissions",
            ],
        },
    },
]

# Embedded default: a SQLite file under var/. DATABASE_URL selects PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL", "")
MIGRATE_DATABASE_ALIAS = "migrate"
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0)
        )
    }
    # Least privilege: DATABASE_URL is the application's role (it may only SELECT and INSERT
    # the append-only tables); MIGRATE_DATABASE_URL the owner's, used by `manage.py migrate`
    # (sourcing/management/commands/migrate.py). Unset or equal: one role does both.
    MIGRATE_DATABASE_URL = env_str("MIGRATE_DATABASE_URL", "")
    if MIGRATE_DATABASE_URL and MIGRATE_DATABASE_URL != DATABASE_URL:
        _owner = dj_database_url.parse(MIGRATE_DATABASE_URL, conn_max_age=0)
        if (_owner["NAME"], _owner.get("HOST"), _owner.get("PORT")) != (
            DATABASES["default"]["NAME"],
            DATABASES["default"].get("HOST"),
            DATABASES["default"].get("PORT"),
        ):
            raise ImproperlyConfigured(
                "MIGRATE_DATABASE_URL must name the same database as DATABASE_URL "
                "(another role, same host, port and database)."
            )
        DATABASES[MIGRATE_DATABASE_ALIAS] = {**_owner, "TEST": {"MIRROR": "default"}}
else:
    if env_str("MIGRATE_DATABASE_URL", ""):
        raise ImproperlyConfigured("MIGRATE_DATABASE_URL needs DATABASE_URL (PostgreSQL) too.")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            # WAL with synchronous=NORMAL: a commit appends to the write-ahead log without the
            # fsyncs of the default rollback journal (still atomic; a power cut may lose the
            # last commits, never corrupt the file), and readers do not wait for the writer.
            # The demo's first load commits about a thousand times: 8 to 14 s of wall time
            # less on these shared machines (ADR 0034).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "sourcing.User"
LOGIN_URL = "sign_in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "sign_in"

# Sign-in through a department's identity provider: OpenID Connect with mozilla-django-oidc
# (sourcing.people.oidc; ADR 0025). Authorisation code flow with PKCE (S256), state and nonce;
# the ID token's signature (the provider's JWKS), issuer, audience, expiry and issue time are
# checked. Users are found by (issuer, sub) only. With no OIDC_ISSUER outside production, the
# development provider (oidc-provider-mock, started by `make run` on OIDC_MOCK_PORT; the test
# suite starts its own) stands in, with the demo users as its accounts; OIDC_MOCK=0 turns it off.
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = env_choice("OIDC_SIGN_ALGORITHM", OIDC_SIGN_ALGORITHMS, "RS256")
# One or more providers at once (departments with different providers): a JSON list, each
# entry with its key, name, issuer, client and endpoints (sourcing.env.env_oidc_providers); the
# sign-in page offers one button each. Or one provider through OIDC_ISSUER and the settings
# below (its key "department"), not both.
OIDC_PROVIDERS = env_oidc_providers(
    "OIDC_PROVIDERS", scopes=OIDC_RP_SCOPES, sign_algorithm=OIDC_RP_SIGN_ALGO
)
OIDC_ISSUER = env_str("OIDC_ISSUER", "").rstrip("/")
if OIDC_PROVIDERS and OIDC_ISSUER:
    raise ImproperlyConfigured("Set OIDC_PROVIDERS or OIDC_ISSUER, not both.")
OIDC_MOCK_PORT = env_int("OIDC_MOCK_PORT", 9400, minimum=1, maximum=65535)
OIDC_MOCK = (
    not OIDC_ISSUER
    and not OIDC_PROVIDERS
    and not PRODUCTION
    and env_bool("OIDC_MOCK", default=True)
)
if OIDC_MOCK:
    OIDC_ISSUER = f"http://localhost:{OIDC_MOCK_PORT}"
OIDC_ENABLED = bool(OIDC_ISSUER or OIDC_PROVIDERS)
# The development provider's endpoints, as oidc-provider-mock serves them.
_MOCK_PATHS = {
    "OIDC_AUTHORIZATION_ENDPOINT": "/oauth2/authorize",
    "OIDC_TOKEN_ENDPOINT": "/oauth2/token",
    "OIDC_USERINFO_ENDPOINT": "/userinfo",
    "OIDC_JWKS_URI": "/jwks",
    "OIDC_END_SESSION_ENDPOINT": "/oauth2/end_session",
}


def _oidc_endpoint(name: str) -> str:
    return env_str(name, OIDC_ISSUER + _MOCK_PATHS[name] if OIDC_MOCK else "")


OIDC_OP_AUTHORIZATION_ENDPOINT = _oidc_endpoint("OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = _oidc_endpoint("OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = _oidc_endpoint("OIDC_USERINFO_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = _oidc_endpoint("OIDC_JWKS_URI")
# RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0); empty: the provider has none.
OIDC_OP_END_SESSION_ENDPOINT = _oidc_endpoint("OIDC_END_SESSION_ENDPOINT")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID", "sourcing-decisions" if OIDC_MOCK else "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET", "development-only" if OIDC_MOCK else "")
# Words on the sign-in button's hint, e.g. "Microsoft Entra ID" (empty: none).
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "")
OIDC_CLOCK_SKEW_SECONDS = env_int("OIDC_CLOCK_SKEW_SECONDS", 60, minimum=0, maximum=600)
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # for the provider's sign-out (id_token_hint)
# The library reverses this name without arguments; each provider's own callback
# (oidc_callback with its key) replaces it in the authorisation request and at the token
# endpoint (sourcing.people.views.ProviderSignInView, sourcing.people.oidc).
OIDC_AUTHENTICATION_CALLBACK_URL = "sign_in"
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT_SECONDS", 10, minimum=1, maximum=120)
OIDC_VERIFY_SSL = True
LOGIN_REDIRECT_URL_FAILURE = "sign_in"
if OIDC_ISSUER and not OIDC_MOCK:
    _missing = [
        name
        for name, value in (
            ("OIDC_CLIENT_ID", OIDC_RP_CLIENT_ID),
            ("OIDC_CLIENT_SECRET", OIDC_RP_CLIENT_SECRET),
            ("OIDC_AUTHORIZATION_ENDPOINT", OIDC_OP_AUTHORIZATION_ENDPOINT),
            ("OIDC_TOKEN_ENDPOINT", OIDC_OP_TOKEN_ENDPOINT),
            ("OIDC_USERINFO_ENDPOINT", OIDC_OP_USER_ENDPOINT),
            ("OIDC_JWKS_URI", OIDC_OP_JWKS_ENDPOINT),
        )
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(f"OIDC_ISSUER is set: set {', '.join(_missing)} too.")
# The password form: on by default, except in production with a provider configured.
PASSWORD_SIGN_IN = env_bool("PASSWORD_SIGN_IN", default=not (PRODUCTION and OIDC_ENABLED))
if not PASSWORD_SIGN_IN and not OIDC_ENABLED:
    raise ImproperlyConfigured(
        "PASSWORD_SIGN_IN=0 needs an identity provider (OIDC_ISSUER or OIDC_PROVIDERS)."
    )
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions end after SESSION_IDLE_MINUTES without a request.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

# The audit chain's head is published as a checkpoint every this many events (and by the beat).
AUDIT_CHECKPOINT_EVERY = env_int("AUDIT_CHECKPOINT_EVERY", 10, minimum=1)
# API tokens last API_TOKEN_DAYS by default and never longer than API_TOKEN_MAX_DAYS.
API_TOKEN_MAX_DAYS = env_int("API_TOKEN_MAX_DAYS", 366, minimum=1, maximum=3660)
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30, minimum=1, maximum=API_TOKEN_MAX_DAYS)
# Abuse limits (sourcing.limits, README "Abuse limits"). Sign-in lockout (django-axes): after
# SIGN_IN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked
# out for SIGN_IN_LOCKOUT_MINUTES (a GOV.UK page, 429, an audit event); a right password
# resets the count. Rates ("<requests>/<period>", s m h d): pages through django-ratelimit, the
# API through django-ninja's throttles, both counted in the "limits" cache (Redis when
# REDIS_URL is set, so every web process shares the counts). RATE_LIMITS=0 turns the rates off
# (the load bench does); the lockout stays.
SIGN_IN_FAILURE_LIMIT = env_int("SIGN_IN_FAILURE_LIMIT", 5, minimum=1, maximum=1000)
SIGN_IN_LOCKOUT_MINUTES = env_int("SIGN_IN_LOCKOUT_MINUTES", 15, minimum=1, maximum=10080)
# Behind a reverse proxy: how many proxies in front of the service add to X-Forwarded-For (0:
# none, REMOTE_ADDR is the client). The lockout and the rates count per client address as
# sourcing.limits.client_ip finds it; never trust more proxies than there are.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0, maximum=10)
AXES_CLIENT_IP_CALLABLE = "sourcing.limits.client_ip"
RATELIMIT_IP_META_KEY = "sourcing.limits.client_ip"
AXES_ENABLED = True
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Only the password form (a POST) counts and is locked out: a provider's answer at its callback
# (a GET, no username) is not a password guess, and counting its refusals under "no username"
# would lock every provider sign-in from that address (an office behind one) after five.
AXES_NEVER_LOCKOUT_GET = True
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout do not extend it (so nobody can keep someone else locked out for
# ever); the sign-in rate per address bounds them.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "sourcing.people.views.locked_out"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not kept (failures are, for lockout)
AXES_VERBOSE = False  # our own log line (sourcing.people.signals), without the password
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS", True)
RATE_LIMITS = {
    # per client address
    "sign_in": env_rate("RATE_LIMIT_SIGN_IN", "20/m"),
    "token_failure": env_rate("RATE_LIMIT_TOKEN_FAILURES", "20/h"),
    "api_anonymous": env_rate("RATE_LIMIT_API_ANONYMOUS", "120/m"),
    # per signed-in user (or token)
    "api": env_rate("RATE_LIMIT_API", "600/m"),
    "case_create": env_rate("RATE_LIMIT_CASE_CREATE", "30/h"),
    "assess": env_rate("RATE_LIMIT_ASSESS", "120/h"),
    "pdf": env_rate("RATE_LIMIT_PDF", "300/h"),
    "export": env_rate("RATE_LIMIT_EXPORT", "10/h"),
}
# Signed heads (decisions.integrity.signing): the Ed25519 private key, as its 32-byte seed in
# hex or base64 (AUDIT_SIGNING_KEY) or a file (AUDIT_SIGNING_KEY_FILE: PKCS#8 PEM or the seed).
# The database never holds it. Development generates var/keys/audit-signing-key.pem on first
# use; production requires one. Public keys of earlier signing keys (base64, comma-separated)
# keep heads they signed verifiable after a key change.
AUDIT_SIGNING_KEY = env_str("AUDIT_SIGNING_KEY", "")
AUDIT_SIGNING_KEY_FILE = env_str("AUDIT_SIGNING_KEY_FILE", "")
AUDIT_PREVIOUS_PUBLIC_KEYS = env_list("AUDIT_PREVIOUS_PUBLIC_KEYS", [])
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # 1 MB: larger bodies are refused (413 in the API)

# The service pages (accessibility statement, privacy notice, feedback): who runs the service
# (the data controller) and where people write to.
SERVICE_OPERATOR = env_str("SERVICE_OPERATOR", "the Digital Commercial Centre of Excellence")
SERVICE_CONTACT_EMAIL = env_str("SERVICE_CONTACT_EMAIL", "sourcing-decisions@example.gov.uk")
if "@" not in SERVICE_CONTACT_EMAIL:
    raise ImproperlyConfigured("SERVICE_CONTACT_EMAIL must be an email address.")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic (production) writes here; development serves straight from the finders.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles"))) if PRODUCTION else None
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "sourcing.storage.StaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION


def _provider_origin(url: str) -> list[str]:
    """The scheme and host of a provider's URL, for the CSP ([] without one)."""
    parts = urlsplit(url)
    return [f"{parts.scheme}://{parts.netloc}"] if parts.scheme and parts.netloc else []


# Strict Content Security Policy with nonces (Django's built-in CSP).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # Signing out posts a form whose answer sends the browser on to the provider's end-session
    # endpoint (RP-initiated logout): form-action covers that redirect, so its origin is here.
    "form-action": [
        CSP.SELF,
        *_provider_origin(OIDC_OP_END_SESSION_ENDPOINT),
        *(o for p in OIDC_PROVIDERS for o in _provider_origin(p["end_session_endpoint"])),
    ],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies: Secure, no Domain, Path=/ (browsers enforce it).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Celery: without REDIS_URL tasks run in-process (eager), so no server is needed.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# The cache holds what is computed from slowly changing data (a case's supplier shortlist, keyed
# by the catalogue's version; suppliers.catalogue): with REDIS_URL shared by every process, so a
# change retires it everywhere; without, this process's memory (one process serves: make run).
# The "limits" cache counts requests for the abuse limits (sourcing.limits), the same way, under
# its own key prefix (the tests clear it alone).
# Every Redis client a request uses gives up quickly and never retries: redis-py 8 would wait
# 5 s to connect and 5 s for each reply (a Redis that hangs, or a network that drops packets);
# both caches serve without Redis (computed afresh; limits not counted), so a request loses at
# most about REDIS_REQUEST_TIMEOUT_SECONDS per cache when Redis is away. Broker: sourcing.tasks.
REDIS_REQUEST_TIMEOUT_SECONDS = 0.5
REDIS_CACHE_OPTIONS = {
    "socket_connect_timeout": REDIS_REQUEST_TIMEOUT_SECONDS,
    "socket_timeout": REDIS_REQUEST_TIMEOUT_SECONDS,
    "retry_on_timeout": False,
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": REDIS_CACHE_OPTIONS,
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "limits": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "limits",
            "TIMEOUT": 86400,
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "limits"}
    ),
}
RATELIMIT_USE_CACHE = "limits"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The broker's and result backend's connections give up rather than wait for ever (kombu's
# default) on a Redis that hangs: 2 s to connect, 10 s for a reply (well above the worker's
# 1 s BRPOP). A web request's dispatch overrides both with 0.5 s (sourcing.tasks.dispatch).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60),
    "socket_connect_timeout": 2.0,
    "socket_timeout": 10.0,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2.0
CELERY_REDIS_SOCKET_TIMEOUT = 10.0
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=1)
CELERY_TASK_MAX_RETRIES = env_int("CELERY_TASK_MAX_RETRIES", 5, minimum=0)
CELERY_RESULT_EXPIRES = 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# The beat's period of the PDF outbox and export sweeps, and how long a row may wait after its
# last dispatch before a sweep queues it again: below the period, so each sweep finds what the
# one before it queued and was lost (a threshold equal to the period missed it by a fraction of
# a second, every other sweep).
PDF_SWEEP_SECONDS = env_int("PDF_SWEEP_SECONDS", 60, minimum=2)
PDF_SWEEP_AFTER_SECONDS = env_int("PDF_SWEEP_AFTER_SECONDS", 30, minimum=1)
if PDF_SWEEP_AFTER_SECONDS >= PDF_SWEEP_SECONDS:
    raise ImproperlyConfigured(
        f"PDF_SWEEP_AFTER_SECONDS ({PDF_SWEEP_AFTER_SECONDS}) must be below PDF_SWEEP_SECONDS "
        f"({PDF_SWEEP_SECONDS}), or every other sweep finds the rows too young to queue again."
    )
CELERY_BEAT_SCHEDULE = {
    "audit-checkpoint": {
        "task": "decisions.audit_checkpoint",
        "schedule": env_int("AUDIT_CHECKPOINT_SECONDS", 300, minimum=10),
    },
    # A signed head of the chain and the records' Merkle root (decisions.integrity), published
    # in the register's heads feed; it writes a checkpoint too.
    "signed-head": {
        "task": "decisions.head_sign",
        "schedule": env_int("AUDIT_CHECKPOINT_SECONDS", 300, minimum=10),
    },
    # Decision record PDFs and exports: re-dispatch the PDF outbox and exports left waiting,
    # delete expired exports.
    "pdf-outbox-sweep": {"task": "decisions.pdf_sweep", "schedule": PDF_SWEEP_SECONDS},
    "export-sweep": {"task": "decisions.export_sweep", "schedule": PDF_SWEEP_SECONDS},
    "export-cleanup": {"task": "decisions.export_cleanup", "schedule": 3600},
    # Emails: queue again those whose task was lost; remind owners of reviews due (hourly, each
    # record once).
    "notification-sweep": {"task": "sourcing.notification_sweep", "schedule": PDF_SWEEP_SECONDS},
    "review-due-notify": {"task": "decisions.review_due_notify", "schedule": 3600},
}
# Emails (sourcing.notifications, README "Notifications"). Each is an outbox row sent by a task
# after the transaction commits, retried up to NOTIFY_MAX_ATTEMPTS times. GOV.UK Notify in
# production (django-gov-notify's backend): its API key and the id of a plain template whose
# subject is ((subject)) and body ((body)); a kind of email may have a template of its own
# (GOVUK_NOTIFY_TEMPLATE_<KIND>, personalised with subject, body, reference, title, link).
# Without an API key, emails are written to the console (the EMAIL_BACKEND variable may name
# another Django backend, e.g. django.core.mail.backends.filebased.EmailBackend with the
# EMAIL_FILE_PATH variable, a folder).
GOVUK_NOTIFY_API_KEY = env_str("GOVUK_NOTIFY_API_KEY", "")
GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID = env_str("GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID", "")
GOVUK_NOTIFY_TEMPLATE_IDS = {
    "case_submitted": env_str("GOVUK_NOTIFY_TEMPLATE_CASE_SUBMITTED", ""),
    "case_returned": env_str("GOVUK_NOTIFY_TEMPLATE_CASE_RETURNED", ""),
    "case_approved": env_str("GOVUK_NOTIFY_TEMPLATE_CASE_APPROVED", ""),
    "case_rejected": env_str("GOVUK_NOTIFY_TEMPLATE_CASE_REJECTED", ""),
    "signoff_requested": env_str("GOVUK_NOTIFY_TEMPLATE_SIGNOFF_REQUESTED", ""),
    "signoff_decided": env_str("GOVUK_NOTIFY_TEMPLATE_SIGNOFF_DECIDED", ""),
    "review_due": env_str("GOVUK_NOTIFY_TEMPLATE_REVIEW_DUE", ""),
    "invitation": env_str("GOVUK_NOTIFY_TEMPLATE_INVITATION", ""),
}
if GOVUK_NOTIFY_API_KEY and not GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID:
    raise ImproperlyConfigured(
        "GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID is needed with GOVUK_NOTIFY_API_KEY: the id of a "
        "GOV.UK Notify template whose subject is ((subject)) and body ((body))."
    )
# Django 6.1's MAILERS (EMAIL_BACKEND and EMAIL_FILE_PATH as settings are deprecated): the one
# mailer, "default", is GOV.UK Notify in production or with an API key (`check --deploy` reports
# a missing key: sourcing.notifications.notify_settings_check), and the console otherwise.
MAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django_gov_notify.backends.NotifyEmailBackend"
    if GOVUK_NOTIFY_API_KEY or PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
MAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))
MAILERS = {
    "default": {
        "BACKEND": MAIL_BACKEND,
        "OPTIONS": (
            {"file_path": MAIL_FILE_PATH}
            if MAIL_BACKEND.endswith(".filebased.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "sourcing-decisions@notifications.service.gov.uk"
)
# Links in emails start with this (the service's address as people reach it).
SERVICE_URL = env_str("SERVICE_URL", "http://127.0.0.1:8000").rstrip("/")
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5, minimum=1)
# Reminders: a decision whose review-by date is this many days away or fewer (once per record).
REVIEW_DUE_NOTICE_DAYS = env_int("REVIEW_DUE_NOTICE_DAYS", 30, minimum=1)
# Decision record PDFs: render time limits (seconds; a row `running` longer than the hard one
# was lost with its worker and is claimed again), attempts before a PDF is failed for good.
PDF_RENDER_SOFT_TIME_LIMIT = env_int("PDF_RENDER_SOFT_TIME_LIMIT", 60, minimum=1)
PDF_RENDER_TIME_LIMIT = env_int("PDF_RENDER_TIME_LIMIT", 90, minimum=2)
if PDF_RENDER_SOFT_TIME_LIMIT >= PDF_RENDER_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"PDF_RENDER_SOFT_TIME_LIMIT ({PDF_RENDER_SOFT_TIME_LIMIT}) must be below "
        f"PDF_RENDER_TIME_LIMIT ({PDF_RENDER_TIME_LIMIT}), so a slow render is recorded as failed."
    )
PDF_MAX_ATTEMPTS = env_int("PDF_MAX_ATTEMPTS", 5, minimum=1)
# Verification reports a record whose PDF is still not rendered this many minutes after the
# decision (pending, failed or missing).
PDF_OVERDUE_MINUTES = env_int("PDF_OVERDUE_MINUTES", 60, minimum=1)
# Bulk exports: hours a finished export can be downloaded before it is deleted.
EXPORT_EXPIRY_HOURS = env_int("EXPORT_EXPIRY_HOURS", 24, minimum=1)
EXPORT_SOFT_TIME_LIMIT = env_int("EXPORT_SOFT_TIME_LIMIT", 1800, minimum=1)
EXPORT_TIME_LIMIT = env_int("EXPORT_TIME_LIMIT", 1900, minimum=2)
# OCDS releases' ocid prefix: the publisher's registered prefix in production.
OCDS_OCID_PREFIX = env_str("OCDS_OCID_PREFIX", "ocds-sourcing")

LOG_LEVEL = env_choice("LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "sourcing.logs.RequestContextFilter"}},
    "formatters": {"json": {"()": "sourcing.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}
