"""Settings, read from the environment (SPEC §14).

Typed helpers fail loudly on bad values and accept ``NAME_FILE`` for secrets.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str = "") -> str:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    raw = env(name, "")
    if raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean, not {raw!r}")


def envint(name: str, default: int) -> int:
    raw = env(name, "")
    try:
        return int(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be an integer, not {raw!r}") from None


DATA_DIR = Path(env("TOUSU_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DEBUG = envbool("DEBUG", False)
# Production mode: startup refuses the development SECRET_KEY, a missing TOUSU_PII_KEY or
# TOUSU_AUDIT_KEY, and DEBUG (see "# -- production" below); `check --deploy` flags the same.
TOUSU_PRODUCTION = envbool("TOUSU_PRODUCTION", False)
# Served over TLS (directly or behind a proxy): HSTS, secure cookies, redirect from http.
TOUSU_HTTPS = envbool("TOUSU_HTTPS", False)
# Behind one reverse proxy: trust the X-Forwarded-Proto it sets, and take the client address for
# login throttling from the last X-Forwarded-For entry (the one the proxy appended).
TOUSU_PROXY = envbool("TOUSU_PROXY", False)
# The development default keeps `make run` working out of the box; production sets SECRET_KEY.
TOUSU_DEVELOPMENT_SECRET_KEY = "tousu-development-key-change-me-in-production-0123456789"
SECRET_KEY = env("SECRET_KEY") or TOUSU_DEVELOPMENT_SECRET_KEY
# Key for personal data at rest (phone, ID number). Outside production mode it defaults to one
# derived from SECRET_KEY; production requires its own, so rotating SECRET_KEY keeps the data readable.
TOUSU_PII_KEY = env("TOUSU_PII_KEY", "")
# The key ring (issue 17 §3): "id=secret,id=secret", the first encrypts, all read; replaces
# TOUSU_PII_KEY (which is key id 0). `tousu rotate-keys` rewrites the data under the first.
TOUSU_PII_KEYS = env("TOUSU_PII_KEYS", "")
# The key of the blind indexes (look-up by phone, e-mail, ID number, name); it does not rotate.
# Unset: derived from key 0 (TOUSU_PII_KEY), so set it before dropping key 0 from the ring.
TOUSU_PII_INDEX_KEY = env("TOUSU_PII_INDEX_KEY", "")
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Listed so the API docs render Swagger UI from its bundled static files, not from a CDN.
    "ninja",
    "tousu.core",
    "tousu.accounts",
    "tousu.calendar",
    "tousu.complaints",
    "tousu.detection",
    "tousu.replycheck",
    "tousu.solution",
    "tousu.letters",
    "tousu.archive",
    "tousu.investigation",
    "tousu.followup",
    "tousu.accountability",
    "tousu.partners",
    "tousu.capa",
    "tousu.search",
    "tousu.mailgate",
    "tousu.ledger",
    "tousu.reports",
    "tousu.web",
    "tousu.portal",
    "tousu.cli",
]

MIDDLEWARE = [
    # First: every request's log records, and the tasks it enqueues, carry its id.
    "tousu.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tousu.core.middleware.SecurityHeadersMiddleware",
    "tousu.core.middleware.RejectNulMiddleware",
    "tousu.core.middleware.BodySizeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tousu.web.middleware.preset_in_force",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tousu.partners.fence.fence",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tousu.urls"
WSGI_APPLICATION = "tousu.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASE_URL = env("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT: on a table of a million complaints the planner's cost estimates of a list or a
        # count cross the JIT threshold, and compiling takes longer (~100 ms) than the query.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    # FULL: a commit (a complaint acknowledged to the citizen) is on disk before the answer, also
    # after a power loss; NORMAL in WAL only survives a process crash. Measured trade-off in
    # docs/operations.md ("Durability", bench/durability.py). The test suite's throw-away
    # databases need no power-loss safety: NORMAL there, unless set.
    TOUSU_SQLITE_SYNCHRONOUS = env("TOUSU_SQLITE_SYNCHRONOUS", "NORMAL" if "pytest" in sys.modules else "FULL").upper()
    if TOUSU_SQLITE_SYNCHRONOUS not in {"FULL", "NORMAL", "EXTRA"}:
        raise ValueError(f"TOUSU_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA, not {TOUSU_SQLITE_SYNCHRONOUS!r}")
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            # A path, as Django documents for SQLite; django-stubs types NAME as str only.
            "NAME": DATA_DIR / "tousu.sqlite3",  # type: ignore[typeddict-item]
            # SQLite ignores SELECT ... FOR UPDATE; IMMEDIATE takes the write lock at BEGIN,
            # so the version check and the gap-free number are serialised (STYLE §3).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                # page_size acts only when the file is new (an existing database keeps its own):
                # 16 KiB pages hold several complaint rows of ~2 KB where 4 KiB pages hold one
                # (bench/README.md, "Storage: where the bytes go").
                "init_command": (
                    f"PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous={TOUSU_SQLITE_SYNCHRONOUS};"
                ),
            },
            # Keep the connection (and its PRAGMAs) across requests of a worker.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # A file, not shared-cache memory: concurrency tests need real locking with a timeout.
            "TEST": {"NAME": str(Path(tempfile.gettempdir()) / f"tousu-test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database, shared by every worker: logging out deletes the row, so a copied
# cookie is worthless at once (a signed cookie stayed valid until it expired). A deactivated user
# is refused on the next request by the authentication backend, whatever the session holds.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = envint("TOUSU_SESSION_HOURS", 12) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "first_name", "last_name", "email")},
    },
    {"NAME": "tousu.accounts.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# -- transport and browser security (headers beyond these: tousu.core.middleware) ----------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if TOUSU_PROXY:
    # Only behind a proxy that overwrites this header: a client could otherwise claim https.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = TOUSU_HTTPS
SESSION_COOKIE_SECURE = TOUSU_HTTPS
CSRF_COOKIE_SECURE = TOUSU_HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if TOUSU_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TOUSU_HTTPS
SILENCED_SYSTEM_CHECKS = [
    # HSTS preload asks browsers to hard-code the domain; intranet names cannot be listed, and a
    # listed public domain cannot easily be taken off again, so it is left to the operator.
    "security.W021",
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "attachments"
TOUSU_ATTACHMENT_MAX_BYTES = envint("TOUSU_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
TOUSU_NUMBER_PREFIX = env("TOUSU_NUMBER_PREFIX", "TS")
# The preset whose deadline policy is in force.
TOUSU_PRESET = env("TOUSU_PRESET", "government")
# Dispatch only after the preset's approval chain (e.g. centre head, then the supervising leader).
TOUSU_DISPATCH_APPROVAL = envbool("TOUSU_DISPATCH_APPROVAL", False)
# The public portal (/portal/, /api/v1/public/): an arithmetic question in Chinese before a
# submission (turn off only for integration tests that post without reading the question); how many
# submissions one address may make per hour; how many requests one address and one number may make
# per minute; how many wrong query codes per number and per address within 15 minutes before
# further tries are refused (429).
TOUSU_PORTAL_CHALLENGE = envbool("TOUSU_PORTAL_CHALLENGE", True)
TOUSU_PORTAL_SUBMITS_PER_HOUR = envint("TOUSU_PORTAL_SUBMITS_PER_HOUR", 10)
TOUSU_PORTAL_REQUESTS_PER_MINUTE = envint("TOUSU_PORTAL_REQUESTS_PER_MINUTE", 30)
TOUSU_PORTAL_CODE_TRIES_PER_NUMBER = envint("TOUSU_PORTAL_CODE_TRIES_PER_NUMBER", 5)
TOUSU_PORTAL_CODE_TRIES_PER_ADDRESS = envint("TOUSU_PORTAL_CODE_TRIES_PER_ADDRESS", 20)
# Bytes one address may upload through the portal per hour (files of submissions and material).
TOUSU_PORTAL_UPLOAD_MB_PER_HOUR = envint("TOUSU_PORTAL_UPLOAD_MB_PER_HOUR", 100)
# -- API tokens (tousu.accounts.tokens; docs/security.md): a new token's lifetime in days; how long a
# worker trusts its cached token → user look-up (a revocation, expiry or user change acts at once
# through the generation counter in CACHES; this bounds a change made behind the code's back, e.g.
# SQL); requests per token per minute (fixed one-minute windows in CACHES).
TOUSU_TOKEN_DAYS = envint("TOUSU_TOKEN_DAYS", 90)
TOUSU_TOKEN_CACHE_SECONDS = envint("TOUSU_TOKEN_CACHE_SECONDS", 30)
TOUSU_API_REQUESTS_PER_MINUTE = envint("TOUSU_API_REQUESTS_PER_MINUTE", 600)
# Deadline scan: remind this many hours before the running deadline; escalate a case overdue by
# more than this many hours; run the scan every this many seconds in `tousu serve` (0: never).
TOUSU_REMIND_HOURS = envint("TOUSU_REMIND_HOURS", 48)
TOUSU_ESCALATE_AFTER_HOURS = envint("TOUSU_ESCALATE_AFTER_HOURS", 72)
TOUSU_SCAN_INTERVAL_SECONDS = envint("TOUSU_SCAN_INTERVAL_SECONDS", 300)
# The e-mail gateway's mailbox is polled every this many seconds (when TOUSU_IMAP_HOST is set; 0: never).
TOUSU_MAILBOX_INTERVAL_SECONDS = envint("TOUSU_MAILBOX_INTERVAL_SECONDS", 60)
# A periodic job's lock expires after this many seconds (a worker killed mid-run frees it then);
# a run taking longer may overlap the next one, which the jobs' idempotence makes harmless.
TOUSU_JOB_LOCK_SECONDS = envint("TOUSU_JOB_LOCK_SECONDS", 900)
# With Redis, background jobs run in `tousu worker` processes (any number, on any machine) that
# take turns through a Redis lock; `tousu serve` then runs none itself.
TOUSU_REDIS_URL = env("TOUSU_REDIS_URL", "")
# With Redis the cache (rate-limit counters, the token cache's generation) is shared by every worker;
# without, each process counts for itself (docs/security.md).
if TOUSU_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": TOUSU_REDIS_URL,
            "KEY_PREFIX": "tousu",
        }
    }
# Tasks run where they are enqueued, with no queue (tousu.core.tasks): under pytest, or on request.
TOUSU_TASKS_IMMEDIATE = env("TOUSU_TASKS_IMMEDIATE", "") == "1" or "pytest" in sys.modules
# Files of the ledger exports made in the background (kept 7 days).
TOUSU_EXPORT_DIR = Path(env("TOUSU_EXPORT_DIR", str(DATA_DIR / "exports")))
# -- audit (the keyed event chain and its anchors outside the database) -------------------
# HMAC key of the event chain, held outside the database (environment or TOUSU_AUDIT_KEY_FILE).
TOUSU_AUDIT_KEY = env("TOUSU_AUDIT_KEY", "")
# Append-only file the anchoring job writes the chain heads to (outside the database).
TOUSU_AUDIT_ANCHOR_FILE = Path(env("TOUSU_AUDIT_ANCHOR_FILE", str(DATA_DIR / "audit-anchors.log")))
# How often the chain heads are anchored (seconds; 0: only by `tousu anchor-audit`).
TOUSU_ANCHOR_INTERVAL_SECONDS = envint("TOUSU_ANCHOR_INTERVAL_SECONDS", 60)
# Each anchoring run looks this far back before the previous one: a transaction that committed
# late is still anchored (one slower than this is anchored the next time its complaint changes).
TOUSU_ANCHOR_MARGIN_SECONDS = envint("TOUSU_ANCHOR_MARGIN_SECONDS", 600)
# -- end audit --------------------------------------------------------------------------

# -- production: refuse to start with development secrets --------------------------------
if TOUSU_PRODUCTION:
    from django.core.exceptions import ImproperlyConfigured

    _problems = []
    if SECRET_KEY == TOUSU_DEVELOPMENT_SECRET_KEY or SECRET_KEY.startswith("django-insecure-"):
        _problems.append("SECRET_KEY is the public development key; set a random one")
    elif len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        _problems.append("SECRET_KEY must be at least 50 random characters")
    if not TOUSU_PII_KEY and not TOUSU_PII_KEYS:
        _problems.append("TOUSU_PII_KEY is not set, nor TOUSU_PII_KEYS (the keys of personal data at rest)")
    elif TOUSU_PII_KEY == SECRET_KEY or f"={SECRET_KEY}" in TOUSU_PII_KEYS:
        _problems.append("TOUSU_PII_KEY must differ from SECRET_KEY")
    if not TOUSU_AUDIT_KEY:
        _problems.append("TOUSU_AUDIT_KEY is not set (the key of the audit chain)")
    if DEBUG:
        _problems.append("DEBUG must be off")
    if _problems:
        raise ImproperlyConfigured("TOUSU_PRODUCTION=1 refuses to start: " + "; ".join(_problems) + ".")

# Bodies other than uploads are read into memory: larger ones are refused with 413
# (tousu.core.middleware.BodySizeMiddleware); a multipart upload may carry one attachment
# (TOUSU_ATTACHMENT_MAX_BYTES) plus this much of form fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "tousu@localhost")
# A notice's e-mail that fails is retried by the periodic job after TOUSU_EMAIL_RETRY_SECONDS,
# then twice as long each time (at most 6 hours), until TOUSU_EMAIL_MAX_ATTEMPTS attempts in all;
# then it is left failed, and the recipient's notice page says so (complaints/notify.py).
TOUSU_EMAIL_RETRY_SECONDS = envint("TOUSU_EMAIL_RETRY_SECONDS", 300)
TOUSU_EMAIL_MAX_ATTEMPTS = envint("TOUSU_EMAIL_MAX_ATTEMPTS", 8)
# -- the e-mail gateway (tousu.mailgate): `tousu mail-in` on an MTA's pipe, and/or a mailbox the
# periodic job polls over IMAP (off unless TOUSU_IMAP_HOST is set; port 0: 993 with SSL, 143 without).
TOUSU_IMAP_HOST = env("TOUSU_IMAP_HOST", "")
TOUSU_IMAP_PORT = envint("TOUSU_IMAP_PORT", 0)
TOUSU_IMAP_USER = env("TOUSU_IMAP_USER", "")
TOUSU_IMAP_PASSWORD = env("TOUSU_IMAP_PASSWORD", "")
TOUSU_IMAP_SSL = envbool("TOUSU_IMAP_SSL", True)
TOUSU_IMAP_FOLDER = env("TOUSU_IMAP_FOLDER", "INBOX")
# Answer each registered message with its number and query code (subject 「投诉编号TS…：…」).
TOUSU_MAIL_ACK = envbool("TOUSU_MAIL_ACK", True)
# Housekeeping, once a day from the periodic job: Idempotency-Keys older than this many days (a
# client's retries come within minutes), the portal's wrong query codes (the record of guessing;
# the throttle counts 15 minutes), and mail to complainants sent this many days ago.
TOUSU_IDEMPOTENCY_KEEP_DAYS = envint("TOUSU_IDEMPOTENCY_KEEP_DAYS", 7)
TOUSU_PORTAL_FAILURE_KEEP_DAYS = envint("TOUSU_PORTAL_FAILURE_KEEP_DAYS", 30)
TOUSU_MAIL_KEEP_DAYS = envint("TOUSU_MAIL_KEEP_DAYS", 180)

# Logs: readable text by default, one JSON object per line with TOUSU_LOG_FORMAT=json; every
# record carries the request's id (tousu.core.middleware.RequestIdMiddleware) or the task's.
TOUSU_LOG_FORMAT = env("TOUSU_LOG_FORMAT", "text")
if TOUSU_LOG_FORMAT not in {"text", "json"}:
    raise ValueError(f"TOUSU_LOG_FORMAT must be text or json, not {TOUSU_LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403, 404, 413 …) is the client's error, not ours: one line, no traceback.
    "filters": {
        "client_errors_in_one_line": {"()": "tousu.core.logfilters.ClientErrorsInOneLine"},
        "request_id": {"()": "tousu.core.logfilters.RequestId"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {"()": "tousu.core.logfilters.JsonLines"},
    },
    # On the logger where Django logs refused requests, and on the handler for the loggers below
    # it (django.security.*), whose records a logger filter of a parent does not see.
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["client_errors_in_one_line", "request_id"],
            "formatter": TOUSU_LOG_FORMAT,
        }
    },
    "loggers": {"django.request": {"filters": ["client_errors_in_one_line"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
