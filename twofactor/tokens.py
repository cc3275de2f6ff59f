"""Trusted-browser cookies and "This wasn't me" links: strategy classes in the manner of
Django's ``PasswordResetTokenGenerator`` (``make_token``, a check, a ``_now()`` hook for tests)."""

import enum
import secrets
from datetime import datetime

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.http import base36_to_int, int_to_base36

from . import app_settings
from .models import TrustedBrowser


class TrustedBrowserTokenGenerator:
    """Makes and checks trusted-browser cookies (``<id>.<token>``).

    The stored hash folds in the user's id and security stamp: a cookie works only for the user
    it was made for, and a new stamp (reset, new password) voids every cookie at once.
    """

    key_salt = "twofactor.TrustedBrowserTokenGenerator"

    def _now(self) -> datetime:
        return timezone.now()

    def make_token(self) -> str:
        return secrets.token_urlsafe(32)

    def hash(self, user, token: str) -> str:
        value = f"{user.pk}:{user.security_stamp}:{token}"
        return salted_hmac(self.key_salt, value, algorithm="sha256").hexdigest()

    def rebind(self, user, browser: TrustedBrowser, cookie_value: str) -> None:
        """Make ``browser``'s hash again with the user's current (new) stamp, for the token its
        cookie ``cookie_value`` holds, so that cookie keeps working (caller saves)."""
        _browser_id, token = self._parse(cookie_value)
        browser.token_hash = self.hash(user, token)

    def cookie_value(self, browser: TrustedBrowser, token: str) -> str:
        return f"{browser.pk}.{token}"

    def check(self, user, cookie_value: str | None) -> TrustedBrowser | None:
        """The user's live trusted browser that the cookie names, or None."""
        browser_id, token = self._parse(cookie_value)
        if browser_id is None:
            return None
        browser = TrustedBrowser.objects.filter(pk=browser_id, user=user).first()
        return browser if self._matches(user, browser, token) else None

    def find(self, user, cookie_value: str | None, browsers) -> TrustedBrowser | None:
        """As ``check``, among ``browsers`` already read (the user's): no query."""
        browser_id, token = self._parse(cookie_value)
        if browser_id is None:
            return None
        browser = next((b for b in browsers if b.pk == browser_id and b.user_id == user.pk), None)
        return browser if self._matches(user, browser, token) else None

    def _parse(self, cookie_value: str | None) -> tuple[int | None, str]:
        browser_id, _, token = (cookie_value or "").partition(".")
        # ASCII digits only (str.isdigit accepts "²"), and no more than a 64-bit id holds.
        if not (browser_id.isascii() and browser_id.isdigit() and len(browser_id) <= 18):
            return None, ""
        if not token or len(token) > 100:
            return None, ""
        return int(browser_id), token

    def _matches(self, user, browser: TrustedBrowser | None, token: str) -> bool:
        return (
            browser is not None
            and not browser.is_expired(self._now())
            and constant_time_compare(browser.token_hash, self.hash(user, token))
        )


trusted_browser_tokens = TrustedBrowserTokenGenerator()


class NotMeCheck(enum.Enum):
    """What a "This wasn't me" link is worth now."""

    VALID = "valid"
    INVALID = "invalid"  # not made by the portal for this person and event (tampered, garbled)
    EXPIRED = "expired"
    # Made for this person and event, but their security stamp has changed since: the link was
    # used, or a new password, a reset or "Sign out everywhere else" came after the email.
    STALE = "stale"


class NotMeTokenGenerator:
    """Makes and checks the token of a "This wasn't me" link: ``<time>-<seal>-<stamp seal>``.

    Nothing is stored. The seal is an HMAC (under the secret key) of the person, the event of the
    email and the time it was made; the stamp seal is one of the same with the person's security
    stamp, so the link stops working once the stamp changes (which the confirmation itself does:
    it works once). Two seals tell a link that was never the portal's from one that was but
    whose account has changed since, so the page can say which.
    """

    key_salt = "twofactor.NotMeTokenGenerator"
    stamp_salt = "twofactor.NotMeTokenGenerator.stamp"

    def _now(self) -> datetime:
        return timezone.now()

    def valid_seconds(self) -> int:
        return app_settings.not_me_link_seconds()

    def valid_days(self) -> int:
        return max(1, self.valid_seconds() // (24 * 60 * 60))

    def make_token(self, user, event: str) -> str:
        return self._token(user, event, int(self._now().timestamp()))

    def check_token(self, user, event: str, token: str | None) -> NotMeCheck:
        made_at = self.made_at(token)
        if user is None or made_at is None:
            return NotMeCheck.INVALID
        seal, _, stamp_seal = token.partition("-")[2].partition("-")
        expected_seal, expected_stamp_seal = self._seals(user, event, made_at)
        if not constant_time_compare(seal, expected_seal):
            return NotMeCheck.INVALID
        if self._now().timestamp() - made_at > self.valid_seconds():
            return NotMeCheck.EXPIRED
        if not constant_time_compare(stamp_seal, expected_stamp_seal):
            return NotMeCheck.STALE
        return NotMeCheck.VALID

    def made_at(self, token: str | None) -> int | None:
        """When the token says it was made (a Unix time), or None if it is not one."""
        text, _, _ = (token or "").partition("-")
        if not text or len(text) > 13 or not text.isascii() or not text.isalnum():
            return None
        try:
            return base36_to_int(text)
        except ValueError:
            return None

    def _token(self, user, event: str, made_at: int) -> str:
        seal, stamp_seal = self._seals(user, event, made_at)
        return f"{int_to_base36(made_at)}-{seal}-{stamp_seal}"

    def _seals(self, user, event: str, made_at: int) -> tuple[str, str]:
        value = f"{user.pk}:{event}:{made_at}"
        seal = salted_hmac(self.key_salt, value, algorithm="sha256").hexdigest()[:32]
        stamped = f"{value}:{user.security_stamp}"
        stamp_seal = salted_hmac(self.stamp_salt, stamped, algorithm="sha256").hexdigest()[:32]
        return seal, stamp_seal


not_me_tokens = NotMeTokenGenerator()
