"""Settings of the benchmarks: the portal's own settings, plus the two floor views (bench/urls.py).

In process (`make bench`) the database is a throwaway SQLite file under var/bench/, so the
development database is never touched. Over HTTP (`make bench-http`) DATABASE_URL and REDIS_URL
name a benchmark database of their own (bench/http.py sets them).
"""

from axur_portal.settings import *  # noqa: F403
from axur_portal.settings import DATABASE_URL, INSTALLED_APPS, LOGGING, VAR_DIR, env
from axur_portal.settings import DATABASES as PORTAL_DATABASES

# seed_load runs under the production profile only for benchmarks.
BENCHMARK = True
BENCH_DIR = VAR_DIR / "bench"

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"

if not DATABASE_URL:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("BENCH_SQLITE_PATH", str(BENCH_DIR / "bench.sqlite3")),
            # The portal's own options (write-ahead log); BENCH_SQLITE_ROLLBACK_JOURNAL=true
            # measures SQLite's default rollback journal instead.
            "OPTIONS": dict(PORTAL_DATABASES["default"]["OPTIONS"]),
        }
    }
    if env("BENCH_SQLITE_ROLLBACK_JOURNAL") == "true":
        DATABASES["default"]["OPTIONS"].pop("init_command", None)

# Security emails are built in full (templates, MIME message) and kept in memory, not sent.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": env("LOG_LEVEL", "WARNING")}}
