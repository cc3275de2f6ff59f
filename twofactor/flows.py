"""Sign-in state kept in the session, from the password step to a full sign-in.

After the password step the session holds only "password verified for user X at time T"
(PENDING_KEY): no access, and it expires. It is bound to the person's password and security
stamp (the session auth hash), so a new password or a reset voids it. Full sign-in happens only
after a code (or from a trusted browser), and rotates the session key.
"""

import time

from django.contrib import auth, messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from accounts.passwords import mark_recent_authentication
from accounts.redirects import url_with_next

from . import app_settings, selectors, step_up
from .models import Activity
from .services import activity, browsers, codes

PENDING_KEY = "twofactor_pending"


def _now() -> float:
    return time.time()


def trusted_cookie(request) -> str | None:
    return request.COOKIES.get(app_settings.trusted_browser_cookie_name())


def set_trusted_cookie(response, value: str) -> None:
    response.set_cookie(
        app_settings.trusted_browser_cookie_name(),
        value,
        max_age=app_settings.trusted_browser_days() * 24 * 60 * 60,
        httponly=True,
        samesite="Lax",
        secure=app_settings.trusted_browser_cookie_secure(),
    )


def complete_password_step(request, user, next_url: str):
    """The password was right (accounts' sign-in hands over here): sign in from a trusted
    browser, or ask for a code, or sign in straight into the setup wizard."""
    meta = activity.RequestMeta.from_request(request)
    activity.record_activity(
        kind=Activity.Kind.PASSWORD_ACCEPTED, subject=user, actor=user, request_meta=meta
    )
    if not selectors.has_authenticator(user):
        # Mandatory 2FA: signed in, but the middleware allows nothing but the setup wizard.
        auth.login(request, user)
        mark_recent_authentication(request)
        return HttpResponseRedirect(url_with_next("twofactor:setup", next_url))

    trusted = browsers.sign_in_from_trusted_browser(
        user=user, cookie_value=trusted_cookie(request), request_meta=meta
    )
    if trusted is not None:
        auth.login(request, user)
        otp_login(request, trusted.authenticator)
        step_up.forget_second_factor(request)  # the trusted browser passed no second factor
        if trusted.during_code_lock:
            warn_of_code_lock(request)
        return HttpResponseRedirect(next_url)

    if request.session.session_key is not None:
        # A session that came with the request gets a new key; without one, the session is
        # new anyway (its key is made when it is saved), so there is nothing to rotate.
        request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "at": _now(),
        "hash": user.get_session_auth_hash(),
    }
    return HttpResponseRedirect(url_with_next("twofactor:code", next_url))


def warn_of_code_lock(request) -> None:
    """The banner of a sign-in during a code lock: whoever typed the codes knows the password."""
    messages.warning(
        request,
        format_html(
            '{} <a href="{}">{}</a>',
            _(
                "Someone who knows your password tried wrong security codes on your account, "
                "so code entry is locked. If that was not you:"
            ),
            reverse("accounts:change_password"),
            _("Change your password now"),
        ),
    )


def pending_user(request):
    """The user whose password was verified in this session and who still owes a code.

    That is either a pending sign-in younger than the limit whose password and security stamp
    have not changed since, or a signed-in user whose session has not passed a code (for
    instance a session from before 2FA was turned on).
    """
    if request.user.is_authenticated:
        return None if request.user.is_verified() else request.user
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    at = pending.get("at")
    if not isinstance(at, int | float) or not 0 <= _now() - at < (
        app_settings.pending_sign_in_seconds()
    ):
        request.session.pop(PENDING_KEY, None)
        return None
    user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    bound_to = pending.get("hash")
    if user is None or not (
        isinstance(bound_to, str) and constant_time_compare(bound_to, user.get_session_auth_hash())
    ):
        request.session.pop(PENDING_KEY, None)
        return None
    return user


def sign_in_with_code(
    request, user, code, next_url: str, *, verify=codes.verify_sign_in_code, response=None
):
    """The code step: ``(result, response)``, the response None unless the code was accepted.
    ``verify`` is the service that checks ``code``: an app code (the default), a recovery code
    (``codes.verify_recovery_code``) or a passkey's answer (``codes.verify_passkey``).
    ``response`` is what a correct one returns (its cookie set), a redirect to ``next_url``
    unless given.

    One transaction: the code checked under the lock of the person's code entry and, when it is
    right, the full sign-in, with the activity records of both written with one INSERT.
    """
    with transaction.atomic(), activity.activity_written_together():
        result = verify(
            user=user, code=code, request_meta=activity.RequestMeta.from_request(request)
        )
        if not result.accepted:
            return result, None
        if response is None:
            response = HttpResponseRedirect(next_url)
        return result, complete_sign_in(request, user, result.authenticator, response)


def complete_sign_in(request, user, authenticator, response, *, announce_browser: bool = True):
    """After a correct code (at sign-in, or the wizard's first code): a full sign-in with a new
    session key, verified by ``authenticator``, and this browser remembered (its cookie set on
    ``response``), in one transaction (the caller's if there is one); the session has passed
    a second factor now (step-up). ``announce_browser`` False: no "new browser" email (the
    wizard sends its own)."""
    with transaction.atomic(savepoint=False):
        request.session.pop(PENDING_KEY, None)
        if request.user.is_authenticated:
            request.session.cycle_key()
        else:
            auth.login(request, user)
        otp_login(request, authenticator)
        step_up.mark_second_factor(request)
        cookie = browsers.trust_browser(
            user=user,
            request_meta=activity.RequestMeta.from_request(request),
            replacing=trusted_cookie(request),
            announce=announce_browser,
            verified_by=authenticator,
        )
    set_trusted_cookie(response, cookie)
    return response


def continue_after_own_reset(request, user, next_url: str):
    """After resetting one's own 2FA: every other session has ended with the new security
    stamp; this one carries on, with a recent password, straight into setup."""
    user.refresh_from_db()
    auth.update_session_auth_hash(request, user)
    mark_recent_authentication(request)
    return HttpResponseRedirect(url_with_next("twofactor:setup", next_url))
