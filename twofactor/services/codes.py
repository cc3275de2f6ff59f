"""Checking a code: the person's back-off and lock, replay refusal, and the records.

Every code typed goes through ``_check``, whatever it is for (signing in, confirming a new
authenticator, django-otp's ``verify_token``), and so does a passkey's signed answer: the
person's ``CodeThrottle`` row is locked first (``SELECT … FOR UPDATE``), so parallel attempts
of one person are checked one after the other, and the authenticators are read after it, so a
code accepted by one request is seen as used by the next.
"""

import enum
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import app_settings
from ..models import (
    Activity,
    Authenticator,
    CodeMatch,
    CodeThrottle,
    Passkey,
    RecoveryCodes,
    RefusedAttempts,
    VerifyLocked,
)
from ..notifications import notify
from .activity import RequestMeta, new_activity, record_activities, record_activity
from .refusals import count_refused_attempt


class CodeOutcome(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    REPLAYED = "replayed"
    THROTTLED = "throttled"
    LOCKED = "locked"
    NO_AUTHENTICATOR = "no_authenticator"


@dataclass(frozen=True)
class CodeResult:
    """What became of one answer. ``retry_at`` is when the person's next answer will be
    checked: the end of the back-off a wrong answer started, or of the back-off or lock that
    refused this one; None when the next may come at once."""

    outcome: CodeOutcome
    authenticator: Authenticator | Passkey | RecoveryCodes | None = None
    retry_at: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome is CodeOutcome.ACCEPTED


THROTTLE_FIELDS = ["throttling_failure_count", "throttling_failure_timestamp"]


def locked_throttle_of(user) -> CodeThrottle:
    """The person's code-entry row, locked until the transaction ends.

    The row is made with the person's first authenticator (the wizard's first code passes
    here); for anyone without one yet, an INSERT that does nothing if a parallel request made
    it first, then the same locked read.
    """
    throttle = CodeThrottle.objects.select_for_update().filter(user=user).first()
    if throttle is None:
        CodeThrottle.objects.bulk_create([CodeThrottle(user=user)], ignore_conflicts=True)
        throttle = CodeThrottle.objects.select_for_update().get(user=user)
    return throttle


@dataclass(frozen=True)
class _Kinds:
    """What the log calls an accepted and a refused answer of one kind of second factor."""

    accepted: Activity.Kind = Activity.Kind.CODE_ACCEPTED
    failed: Activity.Kind = Activity.Kind.CODE_FAILED


CODES = _Kinds()
PASSKEYS = _Kinds(accepted=Activity.Kind.PASSKEY_USED, failed=Activity.Kind.PASSKEY_FAILED)


def _check(
    *, user, candidates, code, request_meta: RequestMeta, kinds: _Kinds = CODES
) -> CodeResult:
    """Check ``code`` (typed, or a passkey's ``Assertion``) against ``candidates`` (a query of
    the person's authenticators of one kind, read once the person's row is locked). Whatever
    changes is written with one UPDATE a row and the activity with one INSERT. Call inside a
    transaction."""
    throttle = locked_throttle_of(user)
    authenticators = list(candidates)
    if not authenticators:
        return CodeResult(CodeOutcome.NO_AUTHENTICATOR)
    allowed, info = throttle.verify_is_allowed()
    if not allowed:
        # Refused without being compared, right or wrong: counted, not recorded one by one.
        locked = info["reason"] is VerifyLocked.LOCKED
        count_refused_attempt(
            kind=RefusedAttempts.Kind.CODE_LOCKED if locked else RefusedAttempts.Kind.CODE_WAIT,
            subject=user,
            actor=user,
            request_meta=request_meta,
        )
        outcome = CodeOutcome.LOCKED if locked else CodeOutcome.THROTTLED
        return CodeResult(outcome, retry_at=info["locked_until"])

    at = timezone.now().timestamp()
    replayed = False
    for authenticator in authenticators:
        match, t = authenticator.match_code(code, at=at)
        if match is CodeMatch.NEW:
            authenticator.accept(t)
            if throttle.throttling_failure_count or throttle.throttling_failure_timestamp:
                throttle.throttle_reset(commit=False)
                throttle.save(update_fields=THROTTLE_FIELDS)
            record_activity(
                kind=kinds.accepted,
                subject=user,
                actor=user,
                request_meta=request_meta,
                authenticator=authenticator.name,
            )
            return CodeResult(CodeOutcome.ACCEPTED, authenticator=authenticator)
        replayed = replayed or match is CodeMatch.USED

    throttle.count_failure()
    throttle.save(update_fields=THROTTLE_FIELDS)
    failures = throttle.throttling_failure_count
    records = [
        new_activity(
            kind=kinds.failed,
            subject=user,
            actor=user,
            request_meta=request_meta,
            failures=failures,
            replayed=replayed,
        )
    ]
    locked = failures >= app_settings.lock_after_failures()
    if locked:
        records.append(
            new_activity(
                kind=Activity.Kind.CODE_LOCKED,
                subject=user,
                actor=user,
                request_meta=request_meta,
                failures=failures,
            )
        )
    record_activities(records)
    if locked:
        locked_until = throttle.lock_expires_at()
        notify(
            event="code_locked",
            to_users=[user],
            request_meta=request_meta,
            failures=failures,
            locked_until=locked_until,
        )
        return CodeResult(CodeOutcome.LOCKED, retry_at=locked_until)
    allowed, info = throttle.verify_is_allowed()  # the back-off this failure starts
    return CodeResult(
        CodeOutcome.REPLAYED if replayed else CodeOutcome.WRONG,
        retry_at=None if allowed else info["locked_until"],
    )


def verify_sign_in_code(*, user, code: str, request_meta: RequestMeta) -> CodeResult:
    """The code step of sign-in: any confirmed authenticator of the user may answer.

    Within a caller's transaction (the code step's, which goes on to sign in) it needs no
    savepoint: the failure count is written whatever the code.
    """
    with transaction.atomic(savepoint=False):
        return _check(
            user=user,
            candidates=Authenticator.objects.filter(user=user, confirmed=True).order_by("pk"),
            code=code,
            request_meta=request_meta,
        )


def verify_recovery_code(*, user, code: str, request_meta: RequestMeta) -> CodeResult:
    """A recovery code in place of an app code: the person's set answers, under the same
    back-off and lock; accepted, that code is used up, and the record and email say how many
    are left. Within a caller's transaction as ``verify_sign_in_code``."""
    with transaction.atomic(savepoint=False):
        result = _check(
            user=user,
            candidates=RecoveryCodes.objects.filter(user=user, confirmed=True).prefetch_related(
                "codes"
            ),
            code=code,
            request_meta=request_meta,
        )
        if result.accepted:
            left = result.authenticator.codes_left()
            record_activity(
                kind=Activity.Kind.RECOVERY_CODE_USED,
                subject=user,
                actor=user,
                request_meta=request_meta,
                left=left,
            )
            notify(
                event="recovery_code_used", to_users=[user], request_meta=request_meta, left=left
            )
    return result


def verify_passkey(*, user, code, request_meta: RequestMeta) -> CodeResult:
    """A passkey's signed answer (``passkeys.Assertion``) in place of an app code: the person's
    passkey it names answers, under the same back-off and lock; one that is not theirs, or a
    signature, origin, relying party or counter that does not hold, is a wrong answer. Within a
    caller's transaction as ``verify_sign_in_code``."""
    with transaction.atomic(savepoint=False):
        return _check(
            user=user,
            candidates=Passkey.objects.filter(user=user, confirmed=True).order_by("pk"),
            code=code,
            request_meta=request_meta,
            kinds=PASSKEYS,
        )


def verify_new_authenticator_code(
    *, user, authenticator_id: int, code: str, request_meta: RequestMeta
) -> CodeResult:
    """The setup wizard's code: only the person's unconfirmed authenticator ``authenticator_id``
    may answer (call inside the transaction that confirms it)."""
    return _check(
        user=user,
        candidates=Authenticator.objects.filter(user=user, pk=authenticator_id, confirmed=False),
        code=code,
        request_meta=request_meta,
    )


def verify_authenticator_token(authenticator: Authenticator, code: str) -> bool:
    """django-otp's ``Device.verify_token``: this authenticator alone answers, through the same
    checks as the code step."""
    with transaction.atomic(savepoint=False):
        result = _check(
            user=authenticator.user,
            candidates=Authenticator.objects.filter(pk=authenticator.pk, confirmed=True),
            code=code,
            request_meta=RequestMeta(),
        )
    if result.accepted:
        authenticator.last_t = result.authenticator.last_t
        authenticator.last_used_at = result.authenticator.last_used_at
    return result.accepted
