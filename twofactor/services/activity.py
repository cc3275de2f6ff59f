"""Activity records: append one, or several with one INSERT."""

import contextlib
import enum
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..models import Activity


@dataclass(frozen=True)
class RequestMeta:
    """Where an action came from, for activity records and security emails: the address and
    browser, and how it came (``Activity.Origin``), which the log shows when nobody acted as a
    person."""

    ip_address: str | None = None
    user_agent: str = ""
    origin: str = Activity.Origin.UNKNOWN

    @classmethod
    def from_request(cls, request) -> "RequestMeta":
        return cls(
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
            origin=_origin_of(request),
        )

    @classmethod
    def command_line(cls) -> "RequestMeta":
        """An action of a management command: no address, no browser."""
        return cls(origin=Activity.Origin.COMMAND_LINE)


def _origin_of(request) -> str:
    # Every page of the administration site, the reset action and a password set there alike.
    match = getattr(request, "resolver_match", None)
    if match is not None and match.app_name == "admin":
        return Activity.Origin.ADMIN
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Activity.Origin.SIGNED_IN
    return Activity.Origin.NOT_SIGNED_IN


class Scope(enum.Enum):
    """``team=PLATFORM_WIDE``: a record of no team, whoever acted. An administrator's action on
    the whole platform is not their own team's activity."""

    PLATFORM_WIDE = "platform-wide"


PLATFORM_WIDE = Scope.PLATFORM_WIDE


def new_activity(
    *,
    kind: Activity.Kind,
    request_meta: RequestMeta,
    subject=None,
    actor=None,
    team=None,
    **detail,
) -> Activity:
    """One activity record, not yet saved. ``detail`` must never hold a password, code or key.
    The record belongs to ``team`` if given (none if ``PLATFORM_WIDE``), else to the subject's
    team or the actor's."""
    if team is PLATFORM_WIDE:
        team_id = None
    elif team is not None:
        team_id = team.pk
    else:
        team_id = getattr(subject, "team_id", None) or getattr(actor, "team_id", None)
    return Activity(
        kind=kind,
        subject=subject,
        actor=actor,
        team_id=team_id,
        origin=request_meta.origin,
        ip_address=request_meta.ip_address,
        user_agent=request_meta.user_agent,
        detail=detail,
    )


# The records of an action written together (activity_written_together), else None.
_activity_batch: ContextVar[list[Activity] | None] = ContextVar("activity_batch", default=None)


def record_activity(
    *,
    kind: Activity.Kind,
    request_meta: RequestMeta,
    subject=None,
    actor=None,
    team=None,
    **detail,
) -> Activity:
    """Append one activity record. ``detail`` must never hold a password, code or key."""
    record = new_activity(
        kind=kind, request_meta=request_meta, subject=subject, actor=actor, team=team, **detail
    )
    return record_activities([record])[0]


def record_activities(records: list[Activity]) -> list[Activity]:
    """Append several activity records with one INSERT (or to the batch being collected)."""
    batch = _activity_batch.get()
    if batch is not None:
        batch.extend(records)
        return records
    return Activity.objects.bulk_create(records)


@contextlib.contextmanager
def activity_written_together():
    """Inside, the records of several services are collected, then written with one INSERT
    when the block ends without an exception (use it inside the transaction of the action)."""
    if _activity_batch.get() is not None:  # already collecting: the outer block writes
        yield
        return
    batch: list[Activity] = []
    token = _activity_batch.set(batch)
    try:
        yield
    finally:
        _activity_batch.reset(token)
    if batch:
        Activity.objects.bulk_create(batch)


def recordable_email(typed: str) -> str:
    """The email as typed, if it is a well-formed address, else "": a record or a count never
    keeps other typed text, which may be a password typed into the wrong field."""
    try:
        validate_email(typed)
    except ValidationError:
        return ""
    return typed
