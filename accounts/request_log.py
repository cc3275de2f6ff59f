"""Log records that name the request they belong to, one line each.

The request-id middleware (accounts/middleware.py) sets ``request_id`` for the time of a request;
the filter copies it onto every record, so all the lines of one request (and the load balancer's
and gunicorn's lines, which carry the same X-Request-ID) can be found together.

Imported by the logging configuration before the apps are loaded: no models here.
"""

import logging
import re
import uuid
from contextvars import ContextVar

NO_REQUEST = "-"
request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)

# An id from upstream (a load balancer, another service) is kept only if it is short and plain,
# so that nobody can write arbitrary text into our logs or response headers.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def request_id_from(header_value: str | None) -> str:
    """The incoming X-Request-ID if it is sane, else a new random id."""
    if header_value and _SANE_ID.fullmatch(header_value):
        return header_value
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class OneLineFormatter(logging.Formatter):
    """Formats a record, traceback included, as a single line (newlines shown as ``\\n``)."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return super().format(record).replace("\r", "\\r").replace("\n", "\\n")
