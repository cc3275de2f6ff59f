"""Settings of the portal, read from the environment.

The embedded default (no variable set) runs on one machine with SQLite and Django's database
cache. ``DJANGO_ENV=production`` turns on the production profile, which refuses to start while a
required variable is missing.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def envbool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true or false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: list[str] | None = None) -> list[str]:
    value = env(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def required(name: str) -> str:
    value = env(name)
    if value is None:
        raise ImproperlyConfigured(f"The production profile needs the environment variable {name}.")
    return value


def development_secret(filename: str, make) -> str:
    """A secret generated once for the embedded mode and kept under var/ (never committed)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / filename
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def env_header(name: str) -> tuple[str, str] | None:
    """An HTTP header and value written as ``X-Forwarded-Proto: https``, in Django's META form."""
    value = env(name)
    if value is None:
        return None
    header, separator, expected = value.partition(":")
    if not separator or not header.strip() or not expected.strip():
        raise ImproperlyConfigured(
            f"{name} must look like 'X-Forwarded-Proto: https', not {value!r}"
        )
    return "HTTP_" + header.strip().upper().replace("-", "_"), expected.strip()


PRODUCTION = env("DJANGO_ENV", "development") == "production"
DEBUG = False if PRODUCTION else envbool("DJANGO_DEBUG", False)

# What the production profile cannot run without. Checked all at once, so one failed start names
# every missing variable.
PRODUCTION_REQUIRED = [
    "DJANGO_SECRET_KEY",
    "ALLOWED_HOSTS",
    "TWOFACTOR_ENCRYPTION_KEYS",
    "DATABASE_URL",
    "REDIS_URL",
    "DEFAULT_FROM_EMAIL",
]
if env("EMAIL_BACKEND") is None:  # the SMTP backend: security emails must reach people
    PRODUCTION_REQUIRED.append("EMAIL_HOST")

if PRODUCTION:
    missing = [name for name in PRODUCTION_REQUIRED if env(name) is None]
    if missing:
        raise ImproperlyConfigured(
            "The production profile (DJANGO_ENV=production) needs the environment variable"
            f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}. "
            "See 'Running in production' in README.md."
        )
    SECRET_KEY = required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS") or [required("ALLOWED_HOSTS")]
    TWOFACTOR_ENCRYPTION_KEYS = envlist("TWOFACTOR_ENCRYPTION_KEYS") or [
        required("TWOFACTOR_ENCRYPTION_KEYS")
    ]
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY") or development_secret(
        "secret_key", lambda: secrets.token_urlsafe(50)
    )
    ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
    # Fernet keys, comma separated: the first encrypts, every one decrypts (rotation).
    TWOFACTOR_ENCRYPTION_KEYS = envlist("TWOFACTOR_ENCRYPTION_KEYS") or [
        development_secret("twofactor_key", new_fernet_key)
    ]
# Former secret keys, still accepted for signed values while sessions move to the new key.
SECRET_KEY_FALLBACKS = envlist("DJANGO_SECRET_KEY_FALLBACKS")

INSTALLED_APPS = [
    "twofactor.apps.PortalAdminConfig",  # django.contrib.admin behind a verified code
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "django_otp",
    "django_otp_webauthn",  # its user handles; the credentials are twofactor.Passkey
    "accounts",
    "twofactor",
    "team",
]

MIDDLEWARE = [
    "accounts.middleware.RequestIdMiddleware",
    # Security headers first, so that every response has them (redirects, static files, /healthz).
    "accounts.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.ForwardedClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers /healthz before host validation, sessions and the 2FA middleware.
    "accounts.health.HealthCheckMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.locale.UserLocaleMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "twofactor.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "axur_portal.urls"
WSGI_APPLICATION = "axur_portal.wsgi.application"

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
                "accounts.context_processors.layout",
            ],
        },
    },
]

# The embedded default is SQLite and Django's database cache; DATABASE_URL and REDIS_URL move the
# state to PostgreSQL and Redis, shared by every worker on every host.
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=envint("DATABASE_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(VAR_DIR / "portal.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # Write-ahead log: readers never wait for the writer, and a commit costs a
                # fraction of the default journal's (README, "Performance").
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "axur_portal"),
            # A Redis that does not answer fails the request quickly instead of hanging a worker.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.PortalBackend"]
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "accounts:preferences"
LOGOUT_REDIRECT_URL = "accounts:sign_in"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Django's own session engines. With Redis, sessions are read from it and written through to
# the database, so a Redis restart signs nobody out; without it, the database alone.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)
SESSION_ABSOLUTE_TIMEOUT_SECONDS = envint("SESSION_ABSOLUTE_TIMEOUT_SECONDS", 12 * 60 * 60)
SESSION_IDLE_TIMEOUT_SECONDS = envint("SESSION_IDLE_TIMEOUT_SECONDS", 30 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# HTTPS: production always; elsewhere when DJANGO_HTTPS says the portal is behind TLS.
HTTPS = PRODUCTION or envbool("DJANGO_HTTPS", False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
# Set only behind a proxy that always sets (or strips) this header, e.g. "X-Forwarded-Proto: https".
SECURE_PROXY_SSL_HEADER = env_header("SECURE_PROXY_SSL_HEADER")
SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 365 * 24 * 60 * 60) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = envbool("HSTS_PRELOAD", True)
# How many proxies (load balancers) stand in front of the portal and append to X-Forwarded-For;
# the client address is read that many entries from the right. 0: REMOTE_ADDR as it comes.
TRUSTED_PROXY_HOPS = envint("TRUSTED_PROXY_HOPS", 0)
if PRODUCTION:
    # __Host-: Secure, Path=/ and no Domain, so no other site or subdomain can set or read them.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    TWOFACTOR_TRUSTED_BROWSER_COOKIE_NAME = "__Host-axur_trusted_browser"

# A failed CSRF check shows the portal's own 403 page (accounts/errors.py).
CSRF_FAILURE_VIEW = "accounts.errors.csrf_failure"
# A database or cache that does not answer: a 503 page that asks browsers to come back after this
# long (Retry-After).
SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = envint("SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS", 60)

X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# No inline script or style anywhere: every script and stylesheet is a file under static/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # the wizard's QR code is a data: PNG
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pt-br", "Português (Brasil)"), ("es", "Español")]
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", str(VAR_DIR / "staticfiles"))
if PRODUCTION:
    # WhiteNoise serves the files of `collectstatic`: hashed names, cached for ever, compressed.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
else:
    # Straight from the source folders, no `collectstatic` needed.
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION or env("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 587 if envbool("EMAIL_USE_TLS", True) else 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Axur One <no-reply@axur.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's public address, for links in emails.
PORTAL_URL = env(
    "PORTAL_URL",
    f"https://{ALLOWED_HOSTS[0].lstrip('.')}" if PRODUCTION else "http://localhost:8000",
)

# Passkeys and security keys (twofactor/passkeys.py): the credentials are twofactor.Passkey, and
# a passkey is only ever a second factor after the password. The portal's helper computes the
# relying party for each request (PORTAL_URL in production, the validated host elsewhere); the
# relying-party and origin settings below are read only by django-otp-webauthn's system checks.
# The library's own credential and attestation tables exist (its app is installed for its user
# handles) and stay empty: nothing writes to them.
OTP_WEBAUTHN_CREDENTIAL_MODEL = "twofactor.Passkey"
OTP_WEBAUTHN_HELPER_CLASS = "twofactor.passkeys.PortalWebAuthnHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_RP_ID_CALLABLE = "twofactor.passkeys.relying_party_id"
OTP_WEBAUTHN_RP_NAME = "Axur One"
# The browser's prompt waits this long, and a challenge is answered within it.
OTP_WEBAUTHN_TIMEOUT_SECONDS = 3 * 60
if PRODUCTION:
    # The one origin passkeys answer in production, which its checks require to be https.
    OTP_WEBAUTHN_ALLOWED_ORIGINS = [PORTAL_URL.rstrip("/")]
else:
    # Elsewhere each request's validated host is the origin: no static list to check.
    SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E030"]

# Two-factor settings (defaults live in twofactor/app_settings.py; these override them).
TWOFACTOR_TRUSTED_BROWSER_DAYS = envint("TRUSTED_BROWSER_DAYS", 30)
TWOFACTOR_LOCK_SECONDS = envint("TWOFACTOR_LOCK_SECONDS", 60 * 60)
TWOFACTOR_REFUSED_ATTEMPTS_WINDOW_SECONDS = envint(
    "TWOFACTOR_REFUSED_ATTEMPTS_WINDOW_SECONDS", 60 * 60
)

# Invitations (defaults in team/app_settings.py): how many days a link works, and how many
# addresses one person may invite in a day (UTC), counted like the password throttle.
TEAM_INVITATION_DAYS = envint("INVITATION_DAYS", 7)
TEAM_INVITATIONS_PER_DAY = envint("INVITATIONS_PER_DAY", 200)

# Password step (accounts/throttle.py): attempts counted per account and per client address over
# a window, each taking its slot before the password is hashed; past a limit the password is not
# even checked.
SIGN_IN_FAILURES_PER_ACCOUNT = envint("SIGN_IN_FAILURES_PER_ACCOUNT", 10)
SIGN_IN_FAILURES_PER_ADDRESS = envint("SIGN_IN_FAILURES_PER_ADDRESS", 100)
SIGN_IN_FAILURE_WINDOW_SECONDS = envint("SIGN_IN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Where the counts live: "cache" is Redis (atomic INCR); "database" is a table of the portal's
# database, changed with one atomic statement (SQLite or PostgreSQL). Never Django's database
# cache, whose increments parallel requests lose.
SIGN_IN_THROTTLE_STORE = env("SIGN_IN_THROTTLE_STORE", "cache" if REDIS_URL else "database")
if SIGN_IN_THROTTLE_STORE not in ("cache", "database"):
    raise ImproperlyConfigured(
        f"SIGN_IN_THROTTLE_STORE must be cache or database, not {SIGN_IN_THROTTLE_STORE!r}"
    )
if SIGN_IN_THROTTLE_STORE == "cache" and not REDIS_URL:
    raise ImproperlyConfigured(
        "SIGN_IN_THROTTLE_STORE=cache needs REDIS_URL: without Redis the cache is the database "
        "cache, whose increments are not atomic. Use SIGN_IN_THROTTLE_STORE=database."
    )

# Forgotten password (accounts/password_reset.py): the emailed link works once and for this long
# (Django's PasswordResetTokenGenerator reads PASSWORD_RESET_TIMEOUT); requests for a link are
# counted per typed email and per client address over a window, in the password throttle's store.
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_LINK_SECONDS", 60 * 60)
PASSWORD_RESET_REQUESTS_PER_EMAIL = envint("PASSWORD_RESET_REQUESTS_PER_EMAIL", 3)
PASSWORD_RESET_REQUESTS_PER_ADDRESS = envint("PASSWORD_RESET_REQUESTS_PER_ADDRESS", 20)
PASSWORD_RESET_REQUEST_WINDOW_SECONDS = envint("PASSWORD_RESET_REQUEST_WINDOW_SECONDS", 60 * 60)
# "This wasn't me" links in security emails (twofactor/tokens.py) work for this long.
TWOFACTOR_NOT_ME_LINK_SECONDS = envint("NOT_ME_LINK_SECONDS", 7 * 24 * 60 * 60)

# One line per event, each with the id of the request it belongs to (accounts/request_log.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "accounts.request_log.RequestIdFilter"},
        # A request failed by a service outage is logged once, in one line (accounts/errors.py),
        # not again by Django with its traceback.
        "service_outage": {"()": "accounts.outages.ServiceOutageFilter"},
    },
    "formatters": {
        "line": {
            "()": "accounts.request_log.OneLineFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s request_id=%(request_id)s %(message)s",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["request_id", "service_outage"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
