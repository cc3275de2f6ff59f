"""Refused attempts counted: one row per person (or address) and window, never one an attempt.

An attempt refused before anything is checked (the password throttle holding, code entry locked
or backing off) adds one to its window's ``RefusedAttempts`` row. The count is one UPDATE
(``count = count + 1``); the window's first attempt INSERTs the row in a savepoint, and if a
parallel first attempt inserted it meanwhile (the unique constraint says so), the UPDATE runs
again. On SQLite and on PostgreSQL alike no count is lost and no row is made twice.
"""

from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .. import app_settings
from ..models import RefusedAttempts
from .activity import RequestMeta, recordable_email


def window_start(at: datetime) -> datetime:
    """The start of the counting window that holds ``at`` (windows are aligned to the epoch)."""
    seconds = app_settings.refused_attempts_window_seconds()
    return datetime.fromtimestamp(at.timestamp() // seconds * seconds, tz=UTC)


def count_refused_attempt(
    *,
    kind: RefusedAttempts.Kind,
    request_meta: RequestMeta,
    subject=None,
    actor=None,
    email: str = "",
) -> None:
    """Count one refused attempt on ``subject`` (None: nobody known, counted per address).

    ``actor`` is the person when they made the attempt themselves, else None. ``email`` (as
    typed) is kept only for a row of nobody known, and only if it is a well-formed address:
    other typed text may be a password.
    """
    email = recordable_email(email)
    now = timezone.now()
    key = {"kind": kind, "origin": request_meta.origin, "window_start": window_start(now)}
    if subject is not None:
        key["subject"] = subject
    else:
        key.update(subject=None, ip_address=request_meta.ip_address)
    last = {
        "last_at": now,
        "ip_address": request_meta.ip_address,
        "user_agent": request_meta.user_agent,
    }
    if subject is None and email:
        last["email"] = email
    row = RefusedAttempts.objects.filter(**key)
    with transaction.atomic(savepoint=False):
        if row.update(count=F("count") + 1, **last):
            return
        try:
            with transaction.atomic():  # a savepoint: a parallel INSERT may win
                RefusedAttempts.objects.create(
                    **{**key, **last},
                    actor=actor,
                    team_id=getattr(subject, "team_id", None),
                    count=1,
                    first_at=now,
                )
        except IntegrityError:
            if not row.update(count=F("count") + 1, **last):
                raise
