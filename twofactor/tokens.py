"""Trusted-browser cookies: a strategy class in the manner of Django's
``PasswordResetTokenGenerator`` (``make_token``, a check, a ``_now()`` hook for tests)."""

import secrets
from datetime import datetime

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

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
