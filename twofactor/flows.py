"""Sign-in and setup state kept in the session, shared by the accounts and twofactor views.

After the password step the session holds only "password verified for user X at time T"
(PENDING_KEY): no access, and it expires. Full sign-in happens only after the code (or a trusted
browser), and rotates the session key.
"""

import time

from django.contrib import auth
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import login as otp_login

from . import app_settings, services

PENDING_KEY = "twofactor_pending"
RECENT_AUTHENTICATION_KEY = "twofactor_password_at"
WIZARD_KEY = "twofactor_setup"


def _now() -> float:
    return time.time()


def safe_next(request, default: str = "accounts:preferences") -> str:
    """The ``next`` of the request if it is a path of this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (
        candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and candidate.startswith("/")
        and not candidate.startswith("//")
    ):
        return candidate
    return resolve_url(default)


def url_with_next(viewname: str, next_url: str) -> str:
    url = reverse(viewname)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# Recent authentication ------------------------------------------------------------------------


def mark_recent_authentication(request) -> None:
    request.session[RECENT_AUTHENTICATION_KEY] = _now()


def confirm_password(request):
    """The password typed again by the signed-in person: ``(form, confirmed)``.

    Throttled with the sign-in's own counters (per account and per address), so recent
    authentication is no side door for guessing; a wrong password is counted and recorded.
    """
    from accounts import throttle
    from accounts.forms import PasswordConfirmForm

    if request.method != "POST":
        return PasswordConfirmForm(request.user), False
    attempt = throttle.PasswordAttempt.of_signed_in_user(request)
    form = PasswordConfirmForm(
        request.user,
        request.POST,
        locked_minutes=throttle.lock_minutes() if attempt.blocked_by() else 0,
    )
    if form.is_valid():
        attempt.record_success()
        mark_recent_authentication(request)
        return form, True
    if form.has_error("password", "wrong_password"):
        attempt.record_failure()
    if form.errors:
        services.record_activity(
            kind=services.Activity.Kind.PASSWORD_FAILED,
            subject=request.user,
            actor=request.user,
            request_meta=services.RequestMeta.from_request(request),
            step="confirm password",
        )
    return form, False


def has_recent_authentication(request) -> bool:
    at = request.session.get(RECENT_AUTHENTICATION_KEY)
    return isinstance(at, int | float) and 0 <= _now() - at < (
        app_settings.recent_authentication_seconds()
    )


# Password step -> code step -------------------------------------------------------------------


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
    """The password was right: sign in, or ask for a code, or send to setup."""
    meta = services.RequestMeta.from_request(request)
    services.record_activity(
        kind=services.Activity.Kind.PASSWORD_ACCEPTED, subject=user, actor=user, request_meta=meta
    )
    if not services.has_authenticator(user):
        # Mandatory 2FA: signed in, but the middleware allows nothing but the setup wizard.
        auth.login(request, user)
        mark_recent_authentication(request)
        return HttpResponseRedirect(url_with_next("twofactor:setup", next_url))

    device = services.sign_in_from_trusted_browser(
        user=user, cookie_value=trusted_cookie(request), request_meta=meta
    )
    if device is not None:
        auth.login(request, user)
        otp_login(request, device)
        return HttpResponseRedirect(next_url)

    if request.session.session_key is not None:
        # A session that came with the request gets a new key; without one, the session is
        # new anyway (its key is made when it is saved), so there is nothing to rotate.
        request.session.cycle_key()
    request.session[PENDING_KEY] = {"user": user.pk, "at": _now()}
    return HttpResponseRedirect(url_with_next("twofactor:code", next_url))


def pending_user(request):
    """The user whose password was verified in this session and who still owes a code.

    That is either a pending sign-in younger than the limit, or a signed-in user whose session
    has not passed a code (for instance a session from before 2FA was turned on).
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
    return get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()


def sign_in_with_code(request, user, code: str, next_url: str):
    """The code step: ``(result, response)``, the response None unless the code was accepted.

    One transaction: the code checked under the lock of the user's authenticators and, when it
    is right, the sign-in, the trusted browser and the activity records of both, written with one
    INSERT. The new session key is written by the response (one UPDATE, accounts/sessions).
    """
    with transaction.atomic(), services.activity_written_together():
        result = services.verify_sign_in_code(
            user=user, code=code, request_meta=services.RequestMeta.from_request(request)
        )
        if not result.accepted:
            return result, None
        return result, complete_code_step(request, user, result.device, next_url)


def complete_code_step(request, user, device, next_url: str):
    """A correct code: full sign-in with a new session key, and remember this browser, in one
    transaction (the caller's if there is one)."""
    with transaction.atomic(savepoint=False):
        request.session.pop(PENDING_KEY, None)
        if request.user.is_authenticated:
            request.session.cycle_key()
        else:
            auth.login(request, user)
        otp_login(request, device)
        cookie = services.trust_browser(
            user=user,
            request_meta=services.RequestMeta.from_request(request),
            replacing=trusted_cookie(request),
        )
    response = HttpResponseRedirect(next_url)
    set_trusted_cookie(response, cookie)
    return response


def continue_after_own_reset(request, user, next_url: str):
    """After resetting one's own 2FA: every other session has ended with the new security
    stamp; this one carries on, with a recent password, straight into setup."""
    user.refresh_from_db()
    auth.update_session_auth_hash(request, user)
    mark_recent_authentication(request)
    return HttpResponseRedirect(url_with_next("twofactor:setup", next_url))
