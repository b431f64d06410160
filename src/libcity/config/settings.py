"""Django settings for libcity.

Everything that differs between machines comes from the environment:
``DATABASE_URL`` (an SQLite file under ``LIBCITY_HOME`` by default), ``LIBCITY_SECRET_KEY``,
``LIBCITY_ID_HASH_KEY``, ``LIBCITY_DEBUG``, ``LIBCITY_ALLOWED_HOSTS``.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
HOME = Path(os.environ.get("LIBCITY_HOME") or Path.cwd() / "var").resolve()


def _secret(env_name: str, file_name: str) -> str:
    """A secret from the environment, else one generated once and kept under LIBCITY_HOME."""
    value = os.environ.get(env_name)
    if value:
        return value
    path = HOME / file_name
    if not path.exists():
        HOME.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = os.environ.get("LIBCITY_DEBUG", "0") == "1"
SECRET_KEY = _secret("LIBCITY_SECRET_KEY", "secret_key")
# The key of the resident-ID hash. Keep it apart from database backups: without it the
# hashes cannot be matched against a list of ID numbers.
LIBCITY_ID_HASH_KEY = _secret("LIBCITY_ID_HASH_KEY", "id_hash_key")
LIBCITY_CARD_PREFIX = os.environ.get("LIBCITY_CARD_PREFIX", "4401")
#: How notices reach readers: ConsoleSender (demo), EmailSender or SmsGatewaySender.
LIBCITY_NOTICE_SENDER = os.environ.get(
    "LIBCITY_NOTICE_SENDER", "libcity.circulation.notices.ConsoleSender"
)
LIBCITY_SMS_URL = os.environ.get("LIBCITY_SMS_URL", "")
ALLOWED_HOSTS = os.environ.get("LIBCITY_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("LIBCITY_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "libcity.core",
    "libcity.network",
    "libcity.staff",
    "libcity.readers",
    "libcity.search",
    "libcity.catalogue",
    "libcity.circulation",
    "libcity.holds",
    "libcity.logistics",
    "libcity.selfservice",
    "libcity.desk",
    "libcity.sharing",
    "libcity.neighbours",
    "libcity.sip2",
    "libcity.web",
    "libcity.demo",
    "libcity.config",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "libcity.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "libcity.config.urls"
WSGI_APPLICATION = "libcity.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "libcity.web.context.staff_flag",
            ],
            "builtins": ["libcity.web.templatetags.libcity"],
        },
    },
]


def _database() -> dict:
    default_sqlite = f"sqlite:///{HOME / 'libcity.sqlite3'}"
    url = os.environ.get("DATABASE_URL", default_sqlite)
    # Connections are kept for a minute, SQLite's too: opening one (the file, the PRAGMAs,
    # Django's functions, the schema read by the first statement) costs a request a few ms.
    config = dj_database_url.parse(url, conn_max_age=60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        HOME.mkdir(parents=True, exist_ok=True)
        # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue instead of failing half-way (the kiosk race).
        # Tests get a file of their own, not a shared-cache in-memory database: only a file
        # has SQLite's real locking, which the concurrency tests (two kiosks) exercise.
        config["TEST"] = {
            "NAME": str(Path(tempfile.gettempdir()) / f"libcity-test-{os.getpid()}.sqlite3")
        }
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
            ),
        }
    else:
        config.setdefault("CONN_HEALTH_CHECKS", True)
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise looks here even before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIBCITY_LOG_LEVEL", "WARNING")},
}
