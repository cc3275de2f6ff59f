"""Throttle of the password step: attempts counted per account and per client address.

Every attempt takes a slot in the account's count and in the address's before the password is
hashed: one atomic increment that answers with the count this attempt makes. A slot past the
limit is refused, and the password is not checked at all. However many requests arrive at once,
no more than the limit are checked in a window: with one attempt left, exactly one is.

What becomes of the slots:

- a wrong password keeps both: the slots are its failure;
- a right password ends the account's run of failures: the account's count goes down by the
  number of the slot it took, so the slots up to it go and those taken since (attempts still in
  flight) stay taken. The address's count is not wiped, so one valid account cannot erase the
  failures of a guessing run from the same address; the attempt only gives back its own address
  slot, so signing in costs nothing of the address's budget;
- a refused attempt gives back what it took, and so does a right password while something else
  on the form is wrong (a weak new password). Refused attempts therefore do not hold a count
  past its limit, and a count is the failures of the window plus the attempts in flight.

Input that never reaches the password check (an email that is no address, an empty field)
takes no slot at all.

A count never goes below zero: when two right passwords race, the second one's decrease stops
at zero (in one ``UPDATE`` in the database; on Redis a second increment lifts a count that went
below zero, and decreases racing there may leave it a little above: the error refuses sooner,
never later).

Each count is a fixed window of ``SIGN_IN_FAILURE_WINDOW_SECONDS``; a lock ends with its window.
The counts live in the store that ``SIGN_IN_THROTTLE_STORE`` names:

- ``cache`` (with ``REDIS_URL``): Redis through Django's cache. ``add`` (SET NX) creates the
  count with its expiry, ``incr`` and ``decr`` (INCRBY) change it atomically and keep it.
- ``database`` (the embedded default): the ``ThrottleCount`` table, changed by one statement
  each time (``INSERT … ON CONFLICT … DO UPDATE … RETURNING`` to take a slot, an ``UPDATE`` to
  give back), which SQLite and PostgreSQL run atomically across threads and processes. Django's
  database cache is not used: its ``incr`` is a read and a write that parallel requests
  interleave. Whenever a count starts from zero (the first attempt of an identity in a window,
  or the first after a right password gave everything back), the same connection deletes the
  rows of the windows that have ended (one range of the ``expires_at`` index, mostly empty), so
  the table holds about the identities of the current window and never grows with time.

Keys hold a hash of the email or address, never the text itself. The counter is a small class
with a ``_now()`` hook, so tests can give it a store and a clock of their own.
"""

import contextlib
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils.crypto import salted_hmac

from .models import ThrottleCount, UserManager

# A count is kept this long after its window ends, so that attempts in flight at the end can
# still give their slot back; nothing reads it any more.
GRACE_SECONDS = 60
# How often a count is created again when it expires or is evicted between add and incr.
CACHE_ATTEMPTS = 3

KEY_SALT = "accounts.throttle.AttemptCounter.key"


class CacheStore:
    """Counts in Django's cache; atomic on Redis (and on the local-memory cache, per process)."""

    def __init__(self, alias: str = "default"):
        self.alias = alias

    @property
    def cache(self):
        return caches[self.alias]

    def add(self, key: str, *, now: float, expires_at: float, amount: int = 1) -> int:
        timeout = max(1, math.ceil(expires_at - now))
        for _ in range(CACHE_ATTEMPTS):
            self.cache.add(key, 0, timeout=timeout)
            try:
                return self.cache.incr(key, amount)
            except ValueError:  # expired or evicted between add and incr: create it again
                continue
        raise RuntimeError(f"The cache {self.alias!r} keeps no throttle count.")

    def subtract(self, key: str, amount: int) -> None:
        try:
            count = self.cache.decr(key, amount)
        except ValueError:  # expired: nothing left to give back
            return
        if count < 0:  # another decrease went first: stop at zero
            with contextlib.suppress(ValueError):  # expired meanwhile
                self.cache.incr(key, -count)

    def get(self, key: str) -> int:
        return self.cache.get(key, 0)


# One statement: the row is created at the amount or raised by it, and the new count comes back.
TAKE_SLOT_SQL = (
    "INSERT INTO {table} ({key}, {count}, {expires_at}) VALUES (%s, %s, %s) "
    "ON CONFLICT ({key}) DO UPDATE SET {count} = {table}.{count} + %s RETURNING {count}"
)
# The rows of ended windows, in one statement (the ORM's delete() adds a transaction around it).
DELETE_ENDED_SQL = "DELETE FROM {table} WHERE {expires_at} <= %s"


class DatabaseStore:
    """Counts in the ``ThrottleCount`` table, one atomic statement per change."""

    @property
    def connection(self):
        return connections[router.db_for_write(ThrottleCount)]

    def add(self, key: str, *, now: float, expires_at: float, amount: int = 1) -> int:
        connection = self.connection
        quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
        names = {name: quote(name) for name in ("key", "count", "expires_at")}
        names["table"] = quote(ThrottleCount._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                TAKE_SLOT_SQL.format(**names),
                [key, amount, adapt(_datetime(expires_at)), amount],
            )
            (taken,) = cursor.fetchone()
            if taken == amount:  # a count starts: the ended ones go
                cursor.execute(DELETE_ENDED_SQL.format(**names), [adapt(_datetime(now))])
        return taken

    def subtract(self, key: str, amount: int) -> None:
        ThrottleCount.objects.filter(key=key).update(count=Greatest(F("count") - amount, Value(0)))

    def get(self, key: str) -> int:
        return ThrottleCount.objects.filter(key=key).values_list("count", flat=True).first() or 0


def _datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


STORES = {"cache": CacheStore, "database": DatabaseStore}


def configured_store() -> CacheStore | DatabaseStore:
    name = settings.SIGN_IN_THROTTLE_STORE
    if name not in STORES:
        raise ImproperlyConfigured(
            f"SIGN_IN_THROTTLE_STORE must be one of {', '.join(STORES)}, not {name!r}."
        )
    return STORES[name]()


@dataclass(frozen=True)
class Slot:
    """The place an attempt took in a count: the count's key (identity and window) and the
    count with this attempt in it."""

    key: str
    number: int


@dataclass(frozen=True)
class AttemptCounter:
    """Counts attempts per identity (an email, an address) in windows of ``window_seconds``.
    ``name`` starts every key: each use of the counter (the password step, invitations) keeps
    counts of its own."""

    scope: str
    limit: int
    window_seconds: int
    store: CacheStore | DatabaseStore = field(default_factory=configured_store)
    name: str = "sign-in-failures"

    def _now(self) -> float:
        return time.time()

    def key(self, identity: str, window: int | None = None) -> str:
        if window is None:
            window = int(self._now() // self.window_seconds)
        # Keyed with the secret key: the store holds no digest anyone could compute from a
        # list of addresses to learn which were tried.
        digest = salted_hmac(KEY_SALT, identity, algorithm="sha256").hexdigest()[:32]
        return f"{self.name}:{self.scope}:{digest}:{window}"

    def take(self, identity: str, amount: int = 1) -> Slot:
        """One more attempt (or ``amount`` more, at once) in the current window; past the
        limit if ``is_past_limit``."""
        now = self._now()
        window = int(now // self.window_seconds)
        key = self.key(identity, window)
        expires_at = (window + 1) * self.window_seconds + GRACE_SECONDS
        return Slot(key, self.store.add(key, now=now, expires_at=expires_at, amount=amount))

    def is_past_limit(self, slot: Slot) -> bool:
        return slot.number > self.limit

    def give_back(self, slot: Slot, amount: int = 1) -> None:
        """The attempt did not count (its password was not checked, or was right); ``amount``:
        what it took."""
        self.store.subtract(slot.key, amount)

    def reset(self, slot: Slot) -> None:
        """A run of failures ends at this slot: the slots up to it go, those after it stay."""
        self.store.subtract(slot.key, slot.number)

    def count(self, identity: str) -> int:
        """The attempts counted in the current window."""
        return self.store.get(self.key(identity))


def lock_minutes() -> int:
    """How long a lock lasts at most, in whole minutes, for the message."""
    return max(1, settings.SIGN_IN_FAILURE_WINDOW_SECONDS // 60)


def per_account() -> AttemptCounter:
    return AttemptCounter(
        scope="account",
        limit=settings.SIGN_IN_FAILURES_PER_ACCOUNT,
        window_seconds=settings.SIGN_IN_FAILURE_WINDOW_SECONDS,
    )


def per_address() -> AttemptCounter:
    return AttemptCounter(
        scope="address",
        limit=settings.SIGN_IN_FAILURES_PER_ADDRESS,
        window_seconds=settings.SIGN_IN_FAILURE_WINDOW_SECONDS,
    )


@dataclass
class PasswordAttempt:
    """One try of the password step: who it claims to be, where it comes from, and the slots it
    holds in their counts once ``take_slots`` has run.

    The account is the email as typed (normalized), whether or not such an account exists, so a
    lock looks the same for an unknown email and tells nobody which accounts exist.
    """

    email: str
    address: str
    refused_by: str | None = field(default=None, init=False)
    _slots: list[tuple[AttemptCounter, Slot]] = field(default_factory=list, init=False, repr=False)

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

    def take_slots(self) -> str | None:
        """Called right before the password is checked: a slot in the account's count, then in
        the address's. ``"account"`` or ``"address"`` (also kept in ``refused_by``) when that
        slot is past its limit: the password must not be checked, and the slots are given back.
        None when the password may be checked."""
        if self._slots or self.refused_by:
            raise RuntimeError("An attempt takes its slots once.")
        for counter, identity in ((per_account(), self.email), (per_address(), self.address)):
            if not identity:
                continue
            slot = counter.take(identity)
            self._slots.append((counter, slot))
            if counter.is_past_limit(slot):
                self.refused_by = counter.scope
                self.give_back()
                return self.refused_by
        return None

    def give_back(self) -> None:
        """The attempt does not count: its password was not checked, or was right while the
        form had something else wrong."""
        for counter, slot in self._slots:
            counter.give_back(slot)
        self._slots.clear()

    def record_success(self) -> None:
        """The right password: the account's run of failures ends (the slots taken since by
        attempts in flight stay); the address's count keeps its failures and gets this
        attempt's slot back."""
        for counter, slot in self._slots:
            if counter.scope == "account":
                counter.reset(slot)
            else:
                counter.give_back(slot)
        self._slots.clear()


# Requests for a password reset link ---------------------------------------------------------


def reset_requests_per_email() -> AttemptCounter:
    return AttemptCounter(
        scope="reset-email",
        limit=settings.PASSWORD_RESET_REQUESTS_PER_EMAIL,
        window_seconds=settings.PASSWORD_RESET_REQUEST_WINDOW_SECONDS,
    )


def reset_requests_per_address() -> AttemptCounter:
    return AttemptCounter(
        scope="reset-address",
        limit=settings.PASSWORD_RESET_REQUESTS_PER_ADDRESS,
        window_seconds=settings.PASSWORD_RESET_REQUEST_WINDOW_SECONDS,
    )


def reset_request_wait_minutes() -> int:
    """How long a refused request for a reset link waits at most, in whole minutes."""
    return max(1, settings.PASSWORD_RESET_REQUEST_WINDOW_SECONDS // 60)


def take_reset_request_slots(*, email: str, address: str) -> str | None:
    """One request for a reset link to ``email`` (as typed, whether or not it has an account)
    from ``address``: a slot in the email's count, then in the address's. Every request that is
    answered keeps its slots. ``"email"`` or ``"address"`` when that count is past its limit:
    the request is refused and gives its slots back, so refused requests do not hold a count
    past its limit. None when the link may be sent."""
    taken: list[tuple[AttemptCounter, Slot]] = []
    for counter, identity in (
        (reset_requests_per_email(), email),
        (reset_requests_per_address(), address),
    ):
        slot = counter.take(identity)
        taken.append((counter, slot))
        if counter.is_past_limit(slot):
            for held_counter, held_slot in taken:
                held_counter.give_back(held_slot)
            return counter.scope.removeprefix("reset-")
    return None
