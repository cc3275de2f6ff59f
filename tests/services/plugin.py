"""pytest plugin of `make test-services`: the whole suite on PostgreSQL and Redis.

Loaded with ``-p tests.services.plugin``. Before any test it checks that DATABASE_URL names a
PostgreSQL server and REDIS_URL a Redis server, and that both answer; if not, the run stops at
once with a message saying which (services that are down must never pass for a green run). It
empties the suite's own Redis database before each test, since throttle counters and sessions
there would otherwise leak from one test into the next (the database is rolled back by Django).

Under pytest-xdist each worker has a PostgreSQL test database of its own (pytest-django names
it after the worker) and, set here before Django reads its settings, a Redis database of its own:
the next numbers after REDIS_URL's (worker gw1 of redis://host/9 uses redis://host/10).
"""

import os
import socket
from urllib.parse import urlsplit

import pytest

SERVICES_MARK = "services"


def _redis_url_of_worker(url: str, worker: str) -> str:
    parts = urlsplit(url)
    database = int(parts.path.lstrip("/") or 0) + int(worker.removeprefix("gw"))
    return parts._replace(path=f"/{database}").geturl()


if (_worker := os.environ.get("PYTEST_XDIST_WORKER")) and os.environ.get("REDIS_URL"):
    os.environ["REDIS_URL"] = _redis_url_of_worker(os.environ["REDIS_URL"], _worker)

_outcomes: dict[str, str] = {}  # the services tests: node id -> passed, failed or skipped


def _reachable(url: str, default_port: int) -> str | None:
    """None if a TCP connection to the URL's host and port opens, else the reason."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or default_port
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as error:
        return f"{host}:{port} does not answer ({error})"
    return None


def pytest_sessionstart(session):
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    problems = []
    if not database_url.startswith(("postgres://", "postgresql://")):
        problems.append(f"DATABASE_URL must name a PostgreSQL database, not {database_url!r}")
    elif reason := _reachable(database_url, 5432):
        problems.append(f"PostgreSQL at {reason}")
    if not redis_url.startswith(("redis://", "rediss://")):
        problems.append(f"REDIS_URL must name a Redis database, not {redis_url!r}")
    elif reason := _reachable(redis_url, 6379):
        problems.append(f"Redis at {reason}")
    if problems:
        ci = " (CI is set: the services suite must run)" if os.environ.get("CI") else ""
        pytest.exit(
            "The services suite cannot run" + ci + ":\n  " + "\n  ".join(problems), returncode=3
        )


@pytest.fixture(autouse=True)
def _empty_redis_database():
    from django.core.cache import cache

    cache.clear()  # FLUSHDB of the suite's own Redis database
    yield


def pytest_runtest_logreport(report):
    if SERVICES_MARK not in report.keywords:
        return
    if report.failed or report.skipped:
        _outcomes.setdefault(report.nodeid, report.outcome)
    elif report.when == "call":
        _outcomes.setdefault(report.nodeid, "passed")


def pytest_terminal_summary(terminalreporter):
    counts = {outcome: list(_outcomes.values()).count(outcome) for outcome in ("passed", "failed")}
    terminalreporter.write_line(
        "services tests (PostgreSQL, Redis, gunicorn): "
        f"{counts['passed']} passed, {counts['failed']} failed"
    )
