"""Every password a person types: at sign-in, typed again (recent authentication), and the
current one when changing it. One path for all three: the attempt takes its slots in the throttle
right before the password is hashed (a slot past the limit refuses it unchecked), a wrong
password keeps them and is announced with Django's ``user_login_failed``, a refused attempt with
``signals.password_refused``, and the form says "throttled" in the same words everywhere.
"""

import logging
import time

from django.conf import settings
from django.contrib.auth.signals import user_login_failed

from . import signals, throttle
from .forms import PasswordConfirmForm

logger = logging.getLogger(__name__)

RECENT_AUTHENTICATION_KEY = "password_confirmed_at"


def _now() -> float:
    return time.time()


def check_password_form(request, form, attempt: throttle.PasswordAttempt, *, step=None) -> bool:
    """Validate ``form`` (a ``ThrottledPasswordForm``) under the password throttle.

    The form takes the attempt's slots just before it checks the password. ``step`` names what a
    signed-in person was doing when typing their password again (None at sign-in). True when the
    form is valid: the account's run of failures ends there.
    """
    if not form.is_bound:
        return False
    form.password_attempt = attempt
    if form.is_valid():
        attempt.record_success()
        return True
    if attempt.refused_by:
        logger.warning("Password step refused: too many failures for this %s", attempt.refused_by)
        signals.password_refused.send(
            sender=type(form),
            request=request,
            email=attempt.email,
            blocked_by=attempt.refused_by,
            step=step,
        )
    elif form.deactivated_user is not None:  # a refusal: its slots stay taken, as a failure's
        signals.deactivated_sign_in_refused.send(
            sender=type(form), request=request, user=form.deactivated_user
        )
    elif form.has_wrong_password():  # its slots stay taken: they count the failure
        if not form.authenticates:  # authenticate() has announced it already
            user_login_failed.send(
                sender=type(form), credentials={"email": attempt.email}, request=request, step=step
            )
    else:  # the password was not checked, or was right with something else wrong
        attempt.give_back()
    return False


# Recent authentication ------------------------------------------------------------------------


def recent_authentication_seconds() -> int:
    """How long a password typed again counts as recent authentication."""
    return getattr(settings, "RECENT_AUTHENTICATION_SECONDS", 10 * 60)


def mark_recent_authentication(request) -> None:
    request.session[RECENT_AUTHENTICATION_KEY] = _now()


def has_recent_authentication(request) -> bool:
    at = request.session.get(RECENT_AUTHENTICATION_KEY)
    return isinstance(at, int | float) and 0 <= _now() - at < recent_authentication_seconds()


def confirm_password(request) -> tuple[PasswordConfirmForm, bool]:
    """The password typed again by the signed-in person: ``(form, confirmed)``.

    Throttled with the sign-in's own counters (per account and per address), so recent
    authentication is no side door for guessing.
    """
    form = PasswordConfirmForm(request.user, request.POST if request.method == "POST" else None)
    attempt = throttle.PasswordAttempt.of_signed_in_user(request)
    if check_password_form(request, form, attempt, step="confirm password"):
        mark_recent_authentication(request)
        return form, True
    return form, False
