"""Trusted browsers: remembered after a correct code, used at sign-in, revoked, forgotten."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from .. import app_settings
from ..models import Activity, Authenticator, CodeThrottle, Passkey, TrustedBrowser
from ..notifications import notify
from ..tokens import trusted_browser_tokens
from .activity import RequestMeta, record_activity


def trust_browser(
    *,
    user,
    request_meta: RequestMeta,
    replacing: str | None = None,
    announce: bool = True,
    verified_by=None,
) -> str:
    """Remember this browser for the user; returns the cookie value to set.

    ``replacing`` is the browser's previous cookie: a browser already trusted by this user is
    refreshed rather than listed twice. A new browser is announced to the user by email unless
    ``announce`` is False (setup sends its own email); the email names the passkey when
    ``verified_by`` (the second factor of the sign-in) is one.
    """
    now = timezone.now()
    token = trusted_browser_tokens.make_token()
    # Inside a caller's transaction (the code step) it needs no savepoint of its own.
    with transaction.atomic(savepoint=False):
        browser = trusted_browser_tokens.check(user, replacing)
        is_new = browser is None
        if is_new:
            browser = TrustedBrowser(user=user, created_at=now)
        browser.token_hash = trusted_browser_tokens.hash(user, token)
        browser.user_agent = request_meta.user_agent
        browser.ip_address = request_meta.ip_address
        browser.last_seen_at = now
        browser.expires_at = now + timedelta(days=app_settings.trusted_browser_days())
        browser.save()
        if is_new:
            record_activity(
                kind=Activity.Kind.BROWSER_TRUSTED,
                subject=user,
                actor=user,
                request_meta=request_meta,
                browser=browser.pk,
            )
            if announce:
                notify(
                    event="new_browser",
                    to_users=[user],
                    request_meta=request_meta,
                    passkey_name=verified_by.name if isinstance(verified_by, Passkey) else "",
                )
    return trusted_browser_tokens.cookie_value(browser, token)


@dataclass(frozen=True)
class TrustedSignIn:
    authenticator: Authenticator | Passkey  # what the session counts as verified by
    during_code_lock: bool  # code entry is locked: someone who knows the password tried codes


def _code_entry_locked(user) -> bool:
    throttle = CodeThrottle.objects.filter(user=user).first()
    locked_until = throttle.lock_expires_at() if throttle is not None else None
    return locked_until is not None and timezone.now() < locked_until


def _last_used_authenticator(user):
    """The authenticator a trusted browser's session counts as verified by: the person's app
    used last, or without one their passkey used last."""
    for model in (Authenticator, Passkey):
        found = (
            model.objects.filter(user=user, confirmed=True).order_by("-last_used_at", "-pk").first()
        )
        if found is not None:
            return found
    return None


def sign_in_from_trusted_browser(
    *, user, cookie_value: str | None, request_meta: RequestMeta
) -> TrustedSignIn | None:
    """If the cookie is a live trusted browser of this user, note the visit and return the
    sign-in; otherwise None (a code is needed).

    While code entry is locked the owner's trusted browser still signs in (the lock is on
    codes, and whoever tried them has the password but not this browser), recorded as a
    sign-in during the lock so that it stands out in the activity log.
    """
    if not cookie_value:  # most sign-ins: no transaction (nor its lock) for nothing
        return None
    with transaction.atomic():
        browser = trusted_browser_tokens.check(user, cookie_value)
        if browser is None:
            return None
        authenticator = _last_used_authenticator(user)
        if authenticator is None:
            return None
        during_code_lock = _code_entry_locked(user)
        browser.last_seen_at = timezone.now()
        browser.ip_address = request_meta.ip_address
        browser.save(update_fields=["last_seen_at", "ip_address"])
        record_activity(
            kind=(
                Activity.Kind.SIGNED_IN_DURING_CODE_LOCK
                if during_code_lock
                else Activity.Kind.SIGNED_IN
            ),
            subject=user,
            actor=user,
            request_meta=request_meta,
            trusted_browser=browser.pk,
        )
    return TrustedSignIn(authenticator, during_code_lock)


def revoke_browser(*, user, browser_id: int, request_meta: RequestMeta) -> TrustedBrowser:
    """Forget one trusted browser of the user (TrustedBrowser.DoesNotExist if not theirs);
    returns it, deleted, for what it was."""
    with transaction.atomic():
        browser = TrustedBrowser.objects.get(pk=browser_id, user=user)
        browser.delete()
        record_activity(
            kind=Activity.Kind.BROWSER_REVOKED,
            subject=user,
            actor=user,
            request_meta=request_meta,
            browser=browser_id,
        )
    return browser


def revoke_other_browsers(*, user, keep_browser_id: int | None, request_meta) -> int:
    with transaction.atomic():
        others = TrustedBrowser.objects.filter(user=user).exclude(pk=keep_browser_id)
        count, _ = others.delete()
        if count:
            record_activity(
                kind=Activity.Kind.BROWSER_REVOKED,
                subject=user,
                actor=user,
                request_meta=request_meta,
                count=count,
                kept=keep_browser_id,
            )
    return count


def sign_out_everywhere_else(*, user, cookie_value: str | None, request_meta: RequestMeta):
    """End every other session of the user and forget their other trusted browsers; returns
    the user with the new security stamp, for the caller to carry over to this session
    (``update_session_auth_hash``).

    The new stamp ends the other sessions on any session backend and voids every trusted
    browser at once. This browser (``cookie_value``, if it is a trusted browser of the user)
    gets its hash made again with the new stamp, so it keeps skipping the code; the others are
    deleted.
    """
    with transaction.atomic():
        person = get_user_model().objects.select_for_update().get(pk=user.pk)
        current = trusted_browser_tokens.check(person, cookie_value)
        person.rotate_security_stamp()
        person.save(update_fields=["security_stamp"])
        kept = current.pk if current is not None else None
        forgotten, _ = TrustedBrowser.objects.filter(user=person).exclude(pk=kept).delete()
        if current is not None:
            trusted_browser_tokens.rebind(person, current, cookie_value)
            current.save(update_fields=["token_hash"])
        record_activity(
            kind=Activity.Kind.OTHER_SESSIONS_ENDED,
            subject=person,
            actor=person,
            request_meta=request_meta,
            browsers=forgotten,
            kept=kept,
        )
        notify(event="other_sessions_ended", to_users=[person], request_meta=request_meta)
    return person


def forget_browsers_after_new_password(
    *, user, actor, request_meta: RequestMeta, through_reset_link: bool = False
) -> None:
    """What follows a password saved with its new security stamp, by the person or by an
    administrator: the trusted browsers, void with the old stamp, are forgotten, and the change
    recorded with who made it (inside the transaction that saved the password). A password
    chosen through the emailed link of a forgotten password is recorded as such, and the person
    is emailed about it."""
    with transaction.atomic(savepoint=False):
        TrustedBrowser.objects.filter(user=user).delete()
        record_activity(
            kind=(
                Activity.Kind.PASSWORD_RESET
                if through_reset_link
                else Activity.Kind.PASSWORD_CHANGED
            ),
            subject=user,
            actor=actor,
            request_meta=request_meta,
        )
        if through_reset_link:
            notify(event="password_reset", to_users=[user], request_meta=request_meta)
