"""Settings of the benchmarks: the portal's own settings, plus the two floor views (bench/urls.py).

In process (`make bench`) the database is a throwaway SQLite file under var/bench/, so the
development database is never touched. Over HTTP (`make bench-http`) DATABASE_URL and REDIS_URL
name a benchmark database of their own (bench/http.py sets them).
"""

from axur_portal.settings import *  # noqa: F403
from axur_portal.settings import DATABASE_URL, INSTALLED_APPS, LOGGING, VAR_DIR, env, envbool

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
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
    # BENCH_SQLITE_WAL=true measures the embedded mode with SQLite's write-ahead log (fewer
    # fsyncs a commit) instead of its default rollback journal, which the portal uses.
    if envbool("BENCH_SQLITE_WAL", False):
        DATABASES["default"]["OPTIONS"]["init_command"] = (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        )

# Security emails are built in full (templates, MIME message) and kept in memory, not sent.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": env("LOG_LEVEL", "WARNING")}}
