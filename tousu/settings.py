"""Settings, read from the environment (SPEC §14).

Typed helpers fail loudly on bad values and accept ``NAME_FILE`` for secrets.
"""
from __future__ import annotations

import os
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
# The development default keeps `make run` working out of the box; production sets SECRET_KEY.
SECRET_KEY = env("SECRET_KEY", "tousu-development-key-change-me-in-production-0123456789")
# Key for personal data at rest (phone, ID number). Defaults to one derived from SECRET_KEY.
TOUSU_PII_KEY = env("TOUSU_PII_KEY", "")
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "tousu.core",
    "tousu.accounts",
    "tousu.calendar",
    "tousu.complaints",
    "tousu.web",
    "tousu.cli",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tousu.core.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
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
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "tousu.sqlite3",
            # SQLite ignores SELECT ... FOR UPDATE; IMMEDIATE takes the write lock at BEGIN,
            # so the version check and the gap-free number are serialised (STYLE §3).
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
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
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_HTTPONLY = True

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
# Deadline scan: remind this many hours before the running deadline; escalate a case overdue by
# more than this many hours; run the scan every this many seconds in `tousu serve` (0: never).
TOUSU_REMIND_HOURS = envint("TOUSU_REMIND_HOURS", 48)
TOUSU_ESCALATE_AFTER_HOURS = envint("TOUSU_ESCALATE_AFTER_HOURS", 72)
TOUSU_SCAN_INTERVAL_SECONDS = envint("TOUSU_SCAN_INTERVAL_SECONDS", 300)
# With Redis, background jobs run in `tousu worker` processes (any number, on any machine) that
# take turns through a Redis lock; `tousu serve` then runs none itself.
TOUSU_REDIS_URL = env("TOUSU_REDIS_URL", "")
# -- audit (the keyed event chain and its anchors outside the database) -------------------
# HMAC key of the event chain, held outside the database (environment or TOUSU_AUDIT_KEY_FILE).
TOUSU_AUDIT_KEY = env("TOUSU_AUDIT_KEY", "")
# Append-only file the anchoring job writes the chain heads to (outside the database).
TOUSU_AUDIT_ANCHOR_FILE = Path(env("TOUSU_AUDIT_ANCHOR_FILE", str(DATA_DIR / "audit-anchors.log")))
# How often the chain heads are anchored (seconds; 0: only by `tousu anchor-audit`).
TOUSU_ANCHOR_INTERVAL_SECONDS = envint("TOUSU_ANCHOR_INTERVAL_SECONDS", 60)
# -- end audit --------------------------------------------------------------------------

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "tousu@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
