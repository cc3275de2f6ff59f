"""The actions of the two-factor app. Each is one transaction and records its activity."""

import contextlib
import enum
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from . import app_settings, totp
from .models import Activity, Authenticator, ResetRequest, TrustedBrowser, VerifyLocked
from .notifications import absolute_url, notify

DEFAULT_DEVICE_NAME = "Authenticator"


@dataclass(frozen=True)
class RequestMeta:
    """Where an action came from, for activity records and security emails."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request) -> "RequestMeta":
        return cls(
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:400],
        )


def new_activity(
    *, kind: Activity.Kind, request_meta: RequestMeta, subject=None, actor=None, **detail
) -> Activity:
    """One activity record, not yet saved. ``detail`` must never hold a password, code or key."""
    team_id = getattr(subject, "team_id", None) or getattr(actor, "team_id", None)
    return Activity(
        kind=kind,
        subject=subject,
        actor=actor,
        team_id=team_id,
        ip_address=request_meta.ip_address,
        user_agent=request_meta.user_agent,
        detail=detail,
    )


# The records of an action written together (activity_written_together), else None.
_activity_batch: ContextVar[list[Activity] | None] = ContextVar("activity_batch", default=None)


def record_activity(
    *, kind: Activity.Kind, request_meta: RequestMeta, subject=None, actor=None, **detail
) -> Activity:
    """Append one activity record. ``detail`` must never hold a password, code or key."""
    record = new_activity(
        kind=kind, request_meta=request_meta, subject=subject, actor=actor, **detail
    )
    return record_activities([record])[0]


def record_activities(records: list[Activity]) -> list[Activity]:
    """Append several activity records with one INSERT (or to the batch being collected)."""
    batch = _activity_batch.get()
    if batch is not None:
        batch.extend(records)
        return records
    return Activity.objects.bulk_create(records)


@contextlib.contextmanager
def activity_written_together():
    """Inside, the records of several services are collected, then written with one INSERT
    when the block ends without an exception (use it inside the transaction of the action)."""
    if _activity_batch.get() is not None:  # already collecting: the outer block writes
        yield
        return
    batch: list[Activity] = []
    token = _activity_batch.set(batch)
    try:
        yield
    finally:
        _activity_batch.reset(token)
    if batch:
        Activity.objects.bulk_create(batch)


def has_authenticator(user) -> bool:
    return Authenticator.objects.filter(user=user, confirmed=True).exists()


# Codes -----------------------------------------------------------------------------------------


class CodeOutcome(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    REPLAYED = "replayed"
    THROTTLED = "throttled"
    LOCKED = "locked"
    NO_DEVICE = "no_device"


@dataclass(frozen=True)
class CodeResult:
    outcome: CodeOutcome
    device: Authenticator | None = None
    retry_at: datetime | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome is CodeOutcome.ACCEPTED


THROTTLE_FIELDS = ["throttling_failure_count", "throttling_failure_timestamp"]
ACCEPT_FIELDS = ["last_t", "last_used_at", *THROTTLE_FIELDS]


def _save_devices(devices: list[Authenticator], fields: list[str]) -> None:
    """Write ``fields`` of every device in one UPDATE."""
    if len(devices) == 1:
        devices[0].save(update_fields=fields)
    elif devices:
        Authenticator.objects.bulk_update(devices, fields)


def _check_code(*, user, devices: list[Authenticator], code: str, request_meta) -> CodeResult:
    """Check ``code`` against ``devices`` (locked rows) and update their throttle in step.

    The devices of one user share one count of consecutive failures, so the back-off and the lock
    apply per user however many authenticators there are. Whatever changes is written with one
    UPDATE and the activity with one INSERT.
    """
    if not devices:
        return CodeResult(CodeOutcome.NO_DEVICE)
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            outcome = (
                CodeOutcome.LOCKED
                if info["reason"] is VerifyLocked.LOCKED
                else CodeOutcome.THROTTLED
            )
            record_activity(
                kind=Activity.Kind.CODE_FAILED,
                subject=user,
                actor=user,
                request_meta=request_meta,
                refused=outcome.value,
            )
            return CodeResult(outcome, retry_at=info["locked_until"])

    now = timezone.now()
    matched = None
    replayed = False
    for device in devices:
        t = device.find_step(code, at=now.timestamp())
        if t is not None and t > device.last_t:
            matched = (device, t)
            break
        replayed = replayed or t is not None

    if matched:
        device, t = matched
        # The other devices' failure counts start afresh too; only those with any are written.
        others = [
            other
            for other in devices
            if other is not device
            and (other.throttling_failure_count or other.throttling_failure_timestamp)
        ]
        for other in others:
            other.throttle_reset(commit=False)
        device.accept_step(t)
        _save_devices([device, *others], ACCEPT_FIELDS)
        record_activity(
            kind=Activity.Kind.CODE_ACCEPTED,
            subject=user,
            actor=user,
            request_meta=request_meta,
            device=device.name,
        )
        return CodeResult(CodeOutcome.ACCEPTED, device=device)

    for device in devices:
        if device.lock_expires_at() is not None:  # an old lock that has run out
            device.throttle_reset(commit=False)
        device.throttle_increment(commit=False)
    _save_devices(devices, THROTTLE_FIELDS)
    failures = max(device.throttling_failure_count for device in devices)
    records = [
        new_activity(
            kind=Activity.Kind.CODE_FAILED,
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
        locked_until = devices[0].lock_expires_at()
        notify(
            event="code_locked",
            to_users=[user],
            request_meta=request_meta,
            failures=failures,
            locked_until=locked_until,
        )
        return CodeResult(CodeOutcome.LOCKED, retry_at=locked_until)
    return CodeResult(CodeOutcome.REPLAYED if replayed else CodeOutcome.WRONG)


def verify_sign_in_code(*, user, code: str, request_meta: RequestMeta) -> CodeResult:
    """The code step of sign-in: any confirmed authenticator of the user may answer.

    Within a caller's transaction (the code step's, which goes on to sign in) it needs no
    savepoint: the failure count is written whatever the code.
    """
    with transaction.atomic(savepoint=False):
        devices = list(
            Authenticator.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("pk")
        )
        return _check_code(user=user, devices=devices, code=code, request_meta=request_meta)


# Setup -----------------------------------------------------------------------------------------


def start_authenticator_setup(*, user) -> Authenticator:
    """Create the unconfirmed authenticator of the wizard's QR step with a fresh key.

    Any earlier unfinished setup of the user is discarded, so an abandoned wizard leaves
    nothing usable behind.
    """
    with transaction.atomic():
        Authenticator.objects.filter(user=user, confirmed=False).delete()
        device = Authenticator(user=user, name=DEFAULT_DEVICE_NAME, confirmed=False)
        device.key = totp.generate_key()
        device.save()
    return device


def confirm_authenticator(
    *, user, device_id: int, code: str, request_meta: RequestMeta
) -> CodeResult:
    """The wizard's code step: a correct code turns the new authenticator on."""
    with transaction.atomic():
        device = (
            Authenticator.objects.select_for_update()
            .filter(user=user, pk=device_id, confirmed=False)
            .first()
        )
        result = _check_code(
            user=user, devices=[device] if device else [], code=code, request_meta=request_meta
        )
        if not result.accepted:
            return result
        first = not Authenticator.objects.filter(user=user, confirmed=True).exists()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        records = [
            new_activity(
                kind=Activity.Kind.DEVICE_ADDED,
                subject=user,
                actor=user,
                request_meta=request_meta,
                device=device.name,
            )
        ]
        if first:
            records.append(
                new_activity(
                    kind=Activity.Kind.TWO_FACTOR_ENABLED,
                    subject=user,
                    actor=user,
                    request_meta=request_meta,
                )
            )
        record_activities(records)
        notify(
            event="two_factor_enabled" if first else "device_added",
            to_users=[user],
            request_meta=request_meta,
            device_name=device.name,
        )
    return result


def rename_authenticator(*, user, device: Authenticator, name: str, request_meta) -> None:
    with transaction.atomic():
        old = device.name
        device.name = name
        device.save(update_fields=["name"])
        if old != name:
            record_activity(
                kind=Activity.Kind.DEVICE_RENAMED,
                subject=device.user,
                actor=user,
                request_meta=request_meta,
                device=name,
                previous=old,
            )


# Trusted browsers ------------------------------------------------------------------------------


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
        if not browser_id.isdigit() or not token or len(token) > 100:
            return None, ""
        return int(browser_id), token

    def _matches(self, user, browser: TrustedBrowser | None, token: str) -> bool:
        return (
            browser is not None
            and not browser.is_expired(self._now())
            and constant_time_compare(browser.token_hash, self.hash(user, token))
        )


trusted_browser_tokens = TrustedBrowserTokenGenerator()


def trust_browser(
    *, user, request_meta: RequestMeta, replacing: str | None = None, announce: bool = True
) -> str:
    """Remember this browser for the user; returns the cookie value to set.

    ``replacing`` is the browser's previous cookie: a browser already trusted by this user is
    refreshed rather than listed twice. A new browser is announced to the user by email unless
    ``announce`` is False (setup sends its own email).
    """
    now = timezone.now()
    token = trusted_browser_tokens.make_token()
    # Inside a caller's transaction (the code step) it needs no savepoint of its own.
    with transaction.atomic(savepoint=False):
        browser = trusted_browser_tokens.check(user, replacing)
        if browser is None:
            browser = TrustedBrowser(user=user, created_at=now)
            kind = Activity.Kind.BROWSER_TRUSTED
        else:
            kind = None
        browser.token_hash = trusted_browser_tokens.hash(user, token)
        browser.user_agent = request_meta.user_agent
        browser.ip_address = request_meta.ip_address
        browser.last_seen_at = now
        browser.expires_at = now + timedelta(days=app_settings.trusted_browser_days())
        browser.save()
        if kind:
            record_activity(
                kind=kind,
                subject=user,
                actor=user,
                request_meta=request_meta,
                browser=browser.pk,
            )
            if announce:
                notify(event="new_browser", to_users=[user], request_meta=request_meta)
    return trusted_browser_tokens.cookie_value(browser, token)


def sign_in_from_trusted_browser(
    *, user, cookie_value: str | None, request_meta: RequestMeta
) -> Authenticator | None:
    """If the cookie is a live trusted browser of this user, note the visit and return the
    authenticator the session counts as verified by; otherwise None (a code is needed)."""
    if not cookie_value:  # most sign-ins: no transaction (nor its lock) for nothing
        return None
    with transaction.atomic():
        browser = trusted_browser_tokens.check(user, cookie_value)
        if browser is None:
            return None
        device = (
            Authenticator.objects.filter(user=user, confirmed=True)
            .order_by("-last_used_at", "-pk")
            .first()
        )
        if device is None:
            return None
        browser.last_seen_at = timezone.now()
        browser.ip_address = request_meta.ip_address
        browser.save(update_fields=["last_seen_at", "ip_address"])
        record_activity(
            kind=Activity.Kind.SIGNED_IN,
            subject=user,
            actor=user,
            request_meta=request_meta,
            trusted_browser=browser.pk,
        )
    return device


def current_trusted_browser_id(*, user, cookie_value: str | None) -> int | None:
    browser = trusted_browser_tokens.check(user, cookie_value)
    return browser.pk if browser else None


def revoke_browser(*, user, browser_id: int, request_meta: RequestMeta) -> None:
    """Forget one trusted browser of the user (TrustedBrowser.DoesNotExist if not theirs)."""
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


def remove_authenticator(*, user, device_id: int, request_meta: RequestMeta) -> Authenticator:
    """Remove one authenticator of the user (Authenticator.DoesNotExist if not theirs).

    Removing the last one turns 2FA off, so the user is sent to the setup wizard next.
    """
    with transaction.atomic():
        device = Authenticator.objects.select_for_update().get(
            pk=device_id, user=user, confirmed=True
        )
        device.delete()
        record_activity(
            kind=Activity.Kind.DEVICE_REMOVED,
            subject=user,
            actor=user,
            request_meta=request_meta,
            device=device.name,
        )
        notify(
            event="device_removed",
            to_users=[user],
            request_meta=request_meta,
            device_name=device.name,
        )
    return device


def change_password(*, user, new_password: str, request_meta: RequestMeta) -> None:
    """A new password signs the user out everywhere else and forgets every trusted browser."""
    with transaction.atomic():
        user.set_password(new_password)  # new security stamp: other sessions end
        user.save(update_fields=["password", "security_stamp"])
        forget_browsers_after_new_password(user=user, actor=user, request_meta=request_meta)


def forget_browsers_after_new_password(*, user, actor, request_meta: RequestMeta) -> None:
    """What follows a password saved with its new security stamp, by the person or by an
    administrator (Django admin's password form saves the user itself): the trusted browsers,
    void with the old stamp, are forgotten, and the change recorded with who made it."""
    with transaction.atomic(savepoint=False):
        TrustedBrowser.objects.filter(user=user).delete()
        record_activity(
            kind=Activity.Kind.PASSWORD_CHANGED,
            subject=user,
            actor=actor,
            request_meta=request_meta,
        )


# Resets ----------------------------------------------------------------------------------------


def managers_of(team, *, excluding=()) -> list:
    if team is None:
        return []
    managers = get_user_model().objects.filter(
        team=team, role=get_user_model().Role.MANAGER, is_active=True
    )
    return list(managers.exclude(pk__in=[person.pk for person in excluding]))


def reset_two_factor(*, actor, member, request_meta: RequestMeta, **detail):
    """Remove the member's authenticators and trusted browsers and end their sessions everywhere.

    One implementation for a Manager's own reset, My Team, the admin action and ``reset_2fa``.
    The new security stamp voids every session and trusted browser at once, whatever the session
    backend. Open reset requests of the member are closed. ``detail`` goes to the activity record
    (for instance how the reset was made); it must never hold a secret.
    """
    with transaction.atomic():
        member = get_user_model().objects.select_for_update().get(pk=member.pk)
        devices = Authenticator.objects.filter(user=member).delete()[0]
        browsers = TrustedBrowser.objects.filter(user=member).delete()[0]
        member.rotate_security_stamp()
        member.save(update_fields=["security_stamp"])
        ResetRequest.objects.filter(user=member, status=ResetRequest.Status.OPEN).update(
            status=ResetRequest.Status.RESET, closed_at=timezone.now(), closed_by=actor
        )
        record_activity(
            kind=Activity.Kind.RESET,
            subject=member,
            actor=actor,
            request_meta=request_meta,
            authenticators=devices,
            browsers=browsers,
            **detail,
        )
        notify(event="reset", to_users=[member], request_meta=request_meta, actor=actor)
        if actor is not None and actor.pk != member.pk:
            notify(
                event="teammate_reset",
                to_users=managers_of(member.team, excluding=[actor, member]),
                request_meta=request_meta,
                actor=actor,
                member=member,
            )
    return member


class ResetRequestThrottled(Exception):
    """Too many reset requests by one person in a day."""


RESET_REQUESTS_PER_DAY = 3


def request_reset(*, user, request_meta: RequestMeta) -> tuple[ResetRequest, bool]:
    """Ask the Managers of the user's team for a reset; returns (request, created).

    While a request is open a second one returns it unchanged (and sends no new email).
    """
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        existing = ResetRequest.objects.filter(user=user, status=ResetRequest.Status.OPEN).first()
        if existing:
            return existing, False
        since = timezone.now() - timedelta(days=1)
        if (
            ResetRequest.objects.filter(user=user, created_at__gte=since).count()
            >= RESET_REQUESTS_PER_DAY
        ):
            raise ResetRequestThrottled
        try:
            with transaction.atomic():
                reset_request = ResetRequest.objects.create(
                    user=user,
                    team=user.team,
                    ip_address=request_meta.ip_address,
                    user_agent=request_meta.user_agent,
                )
        except IntegrityError:  # a parallel request won the race
            return ResetRequest.objects.get(user=user, status=ResetRequest.Status.OPEN), False
        record_activity(
            kind=Activity.Kind.RESET_REQUESTED, subject=user, actor=user, request_meta=request_meta
        )
        notify(
            event="reset_requested",
            to_users=managers_of(user.team),
            request_meta=request_meta,
            requester=user,
            team_url=absolute_url(reverse("team:members")),
        )
    return reset_request, True


def dismiss_reset_request(*, actor, reset_request: ResetRequest, request_meta) -> None:
    with transaction.atomic():
        updated = ResetRequest.objects.filter(
            pk=reset_request.pk, status=ResetRequest.Status.OPEN
        ).update(status=ResetRequest.Status.DISMISSED, closed_at=timezone.now(), closed_by=actor)
        if updated:
            record_activity(
                kind=Activity.Kind.RESET_REQUEST_DISMISSED,
                subject=reset_request.user,
                actor=actor,
                request_meta=request_meta,
            )
