"""Telling a service that does not answer (the database, the cache) from any other failure.

An outage is an error the code cannot do anything about and that passes by itself: a database
that refused or dropped the connection, is shutting down or starting, or (SQLite) is busy or
cannot be opened or read; a closed connection (PEP 249's ``InterfaceError``); and redis-py's
connection errors and time-outs, as Django's ``RedisCache`` lets them through. Django raises a
driver's ``OperationalError`` for defects too (a missing table, a syntax error, a deadlock, a
statement cancelled by its time-out): those are no outage, and keep their 500 and traceback.
The error may also sit behind the one that reached the handler: Django reports a session that
could not be saved as "interrupted", raised while handling the database error.

Imported by the logging configuration before the apps are loaded: no models here.
"""

import logging

import redis.exceptions
from django.db import InterfaceError, OperationalError

# PostgreSQL's SQLSTATEs of a server that is not there to answer: class 08 (connection
# exception), and the server shutting down, crashing or starting up.
POSTGRESQL_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03")
# SQLite's result codes of a database file that cannot be used just now (extended codes such
# as SQLITE_IOERR_READ share the primary code's prefix).
SQLITE_UNAVAILABLE_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR")


def database_does_not_answer(error: OperationalError) -> bool:
    """Whether Django's ``OperationalError`` says the database is unreachable (rather than a
    defect), from the driver's error it wraps; one that says nothing more counts as unreachable."""
    driver_error = error.__cause__
    sqlstate = getattr(driver_error, "sqlstate", None)
    if sqlstate is not None:  # psycopg
        return sqlstate.startswith(POSTGRESQL_UNAVAILABLE_STATES)
    sqlite_code = getattr(driver_error, "sqlite_errorname", None)
    if sqlite_code is not None:
        return sqlite_code.startswith(SQLITE_UNAVAILABLE_CODES)
    return True  # psycopg's connection failures carry no SQLSTATE


SERVICE_ERRORS: dict[str, tuple[type[BaseException], ...]] = {
    "database": (OperationalError, InterfaceError),
    # ReadOnlyError: a replica answers while a failover is under way.
    "cache": (
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        redis.exceptions.ReadOnlyError,
    ),
}


def outage_behind(exception: BaseException | None) -> tuple[str, BaseException] | None:
    """``(service, error)`` when ``exception`` comes from a service that does not answer
    (``service`` is ``"database"`` or ``"cache"``, ``error`` the service's own error, found on
    ``exception`` or on the errors it was raised from or while handling); else None."""
    seen = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        for service, errors in SERVICE_ERRORS.items():
            if isinstance(exception, errors):
                if isinstance(exception, OperationalError) and not database_does_not_answer(
                    exception
                ):
                    return None  # a defect that only looks like an outage
                return service, exception
        exception = exception.__cause__ or exception.__context__
    return None


def service_down(exception: BaseException | None) -> str | None:
    """The service whose outage caused ``exception``, or None for any other failure."""
    found = outage_behind(exception)
    return found[0] if found else None


class ServiceOutageFilter(logging.Filter):
    """Leaves out Django's own report of a request that failed because a service is down (an
    error with its traceback, on every request while it lasts): the error pages write one line
    naming the service instead (accounts/errors.py)."""

    def filter(self, record: logging.LogRecord) -> bool:
        reported_by_django = record.name == "django.request" or record.name.startswith(
            "django.security."
        )
        outage = bool(record.exc_info) and service_down(record.exc_info[1]) is not None
        return not (reported_by_django and outage)
