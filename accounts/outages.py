"""Telling a service that does not answer (the database, the cache) from any other failure.

An outage is an error the code cannot do anything about and that passes by itself: PEP 249's
``OperationalError`` (the server refused or dropped the connection, a lock timed out) and
``InterfaceError`` (the connection is closed), as Django raises them for every database
driver, and redis-py's connection errors and time-outs, as Django's ``RedisCache`` lets them
through. The error may also sit behind the one that reached the handler: Django reports a
session that could not be saved as "interrupted", raised while handling the database error.

Imported by the logging configuration before the apps are loaded: no models here.
"""

import logging

import redis.exceptions
from django.db import InterfaceError, OperationalError

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
