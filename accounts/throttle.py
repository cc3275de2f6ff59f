"""Throttle of the password step: failures counted per account and per client address.

The counts live in the shared cache (Redis in production), so the limits hold across every
worker on every host. Each count is a fixed window: the first failure creates the counter with
``cache.add`` (atomic: only one request creates it) and every failure adds one with ``cache.incr``
(an atomic INCR on Redis, which keeps the counter's expiry). At the limit, sign-in for that
account or address is refused, without checking the password, until the window ends.

Keys hold a hash of the email or address, never the text itself. The strategy is a small class
with a ``_now()`` hook, so tests can give it a cache and a clock of their own.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches

from .models import UserManager


@dataclass(frozen=True)
class FailureCounter:
    """Counts failures per identity (an email, an address) in windows of ``window_seconds``."""

    scope: str
    limit: int
    window_seconds: int
    cache_alias: str = "default"

    def _now(self) -> float:
        return time.time()

    @property
    def cache(self):
        return caches[self.cache_alias]

    def key(self, identity: str) -> str:
        window = int(self._now() // self.window_seconds)
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
        return f"sign-in-failures:{self.scope}:{digest}:{window}"

    def count(self, identity: str) -> int:
        return self.cache.get(self.key(identity), 0)

    def is_blocked(self, identity: str) -> bool:
        return self.count(identity) >= self.limit

    def add_failure(self, identity: str) -> int:
        """Count one failure; returns the count in the current window."""
        key = self.key(identity)
        # The counter outlives its window by one window, which is never read again.
        timeout = 2 * self.window_seconds
        self.cache.add(key, 0, timeout=timeout)
        try:
            count = self.cache.incr(key)
        except ValueError:  # evicted between add and incr: start again
            self.cache.add(key, 1, timeout=timeout)
            return 1
        # Backends without a native incr (the database cache of the embedded mode) rewrite the
        # value with the default timeout: give it back its own.
        self.cache.touch(key, timeout=timeout)
        return count

    def clear(self, identity: str) -> None:
        self.cache.delete(self.key(identity))


def lock_minutes() -> int:
    """How long a lock lasts at most, in whole minutes, for the message."""
    return max(1, settings.SIGN_IN_FAILURE_WINDOW_SECONDS // 60)


def per_account() -> FailureCounter:
    return FailureCounter(
        scope="account",
        limit=settings.SIGN_IN_FAILURES_PER_ACCOUNT,
        window_seconds=settings.SIGN_IN_FAILURE_WINDOW_SECONDS,
    )


def per_address() -> FailureCounter:
    return FailureCounter(
        scope="address",
        limit=settings.SIGN_IN_FAILURES_PER_ADDRESS,
        window_seconds=settings.SIGN_IN_FAILURE_WINDOW_SECONDS,
    )


@dataclass(frozen=True)
class PasswordAttempt:
    """One try of the password step: who it claims to be and where it comes from.

    The account is the email as typed (normalized), whether or not such an account exists, so a
    lock looks the same for an unknown email and tells nobody which accounts exist.
    """

    email: str
    address: str

    @classmethod
    def from_request(cls, request) -> "PasswordAttempt":
        return cls(
            email=UserManager.normalize_email(request.POST.get("email")),
            address=request.META.get("REMOTE_ADDR") or "unknown",
        )

    @classmethod
    def of_signed_in_user(cls, request) -> "PasswordAttempt":
        """The password typed again by a signed-in person (recent authentication)."""
        return cls(
            email=UserManager.normalize_email(request.user.email),
            address=request.META.get("REMOTE_ADDR") or "unknown",
        )

    def blocked_by(self) -> str | None:
        """``"account"`` or ``"address"`` if that count has reached its limit, else None."""
        if self.email and per_account().is_blocked(self.email):
            return "account"
        if per_address().is_blocked(self.address):
            return "address"
        return None

    def record_failure(self) -> None:
        if self.email:
            per_account().add_failure(self.email)
        per_address().add_failure(self.address)

    def record_success(self) -> None:
        """The account's own count starts afresh; the address's does not, so one valid account
        cannot be used to wipe the failures of a guessing run from the same address."""
        if self.email:
            per_account().clear(self.email)
