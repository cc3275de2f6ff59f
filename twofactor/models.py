import enum
import struct
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp_webauthn.models import AbstractWebAuthnCredential
from webauthn import verify_authentication_response
from webauthn.helpers.exceptions import WebAuthnException

from . import app_settings, crypto, recovery, totp


class VerifyLocked(enum.Enum):
    """Why ``CodeThrottle.verify_is_allowed`` says no, beside django-otp's back-off reason."""

    LOCKED = "LOCKED"


class _VerifyAllowed:
    """The end of django-otp's ``verify_is_allowed`` chain (``Device`` has it; a plain model
    does not)."""

    def verify_is_allowed(self):
        return True, None


class CodeThrottle(ThrottlingMixin, _VerifyAllowed, models.Model):
    """A person's code entry: consecutive wrong codes and the time of the last one.

    One row per person, shared by every kind of authenticator, so no kind is a way around the
    back-off (django-otp's ``ThrottlingMixin``: 1, 2, 4 … seconds) or the lock after
    ``lock_after_failures`` wrong codes. The code-step service reads it with
    ``SELECT … FOR UPDATE``, so parallel guesses are counted one after the other.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="code_throttle",
    )

    class Meta:
        verbose_name = _("code entry")
        verbose_name_plural = _("code entry")
        # Who is locked now: only failures of the last hour qualify, a small range.
        indexes = [
            models.Index(fields=["throttling_failure_timestamp"], name="code_throttle_failure_idx")
        ]

    def __str__(self):
        return f"{self.user} · {self.throttling_failure_count}"

    def get_throttle_factor(self):
        return app_settings.throttle_factor()

    def lock_expires_at(self):
        """When the lock after too many failures ends, or None if not locked by count."""
        if (
            self.throttling_failure_count >= app_settings.lock_after_failures()
            and self.throttling_failure_timestamp is not None
        ):
            return self.throttling_failure_timestamp + timedelta(
                seconds=app_settings.lock_seconds()
            )
        return None

    def verify_is_allowed(self):
        locked_until = self.lock_expires_at()
        if locked_until is not None:
            if timezone.now() < locked_until:
                return False, {
                    "reason": VerifyLocked.LOCKED,
                    "failure_count": self.throttling_failure_count,
                    "locked_until": locked_until,
                }
            # The lock has run out: start afresh rather than with a huge back-off.
            return True, None
        return super().verify_is_allowed()

    def count_failure(self) -> None:
        """One more wrong code (caller saves); after a lock that has run out, the first."""
        if self.lock_expires_at() is not None:
            self.throttle_reset(commit=False)
        self.throttle_increment(commit=False)


class CodeMatch(enum.Enum):
    """What one code is to one authenticator (the pure check, no database)."""

    NEW = "new"  # one of its codes, newer than the last one accepted
    USED = "used"  # one of its codes, but not newer than the last one accepted: a replay
    NONE = "none"


class Authenticator(TimestampMixin, Device):
    """An authenticator app (TOTP) of one user; the key is stored encrypted.

    ``confirmed`` stays False until the user has typed a correct code in the setup wizard;
    django-otp and the portal ignore unconfirmed authenticators for sign-in. The back-off and
    the lock after wrong codes belong to the person (``CodeThrottle``), not to this row.
    """

    KIND = "app"  # what rows, URLs and records call this kind of authenticator
    KIND_LABEL = _("Authenticator app")

    encrypted_key = models.TextField(editable=False)
    last_t = models.BigIntegerField(
        default=-1, editable=False, help_text="Time step of the last accepted code (no replay)."
    )

    # The code-step service, set by ``TwoFactorConfig.ready``: django-otp's ``verify_token``
    # goes through the same back-off, lock, records and emails as the code step, while this
    # module stays below the services.
    verify_with = None

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")
        indexes = [models.Index(fields=["user", "confirmed"], name="authenticator_user_idx")]

    @property
    def key(self) -> bytes:
        return crypto.decrypt(self.encrypted_key)

    @key.setter
    def key(self, value: bytes) -> None:
        self.encrypted_key = crypto.encrypt(value)

    def match_code(self, code: str, *, at: float) -> tuple[CodeMatch, int | None]:
        """Whether ``code`` is one of this authenticator's around ``at``, and its time step."""
        t = totp.find_step(self.key, code, at=at)
        if t is None:
            return CodeMatch.NONE, None
        return (CodeMatch.NEW if t > self.last_t else CodeMatch.USED), t

    def accept_step(self, t: int) -> None:
        """Record an accepted code (caller saves): later codes must be newer."""
        self.last_t = t
        self.set_last_used_timestamp(commit=False)

    def accept(self, t: int) -> None:
        """Record and save an accepted code (the code-step service calls it under the lock)."""
        self.accept_step(t)
        self.save(update_fields=["last_t", "last_used_at"])

    def verify_token(self, token) -> bool:
        """django-otp's Device API: True when ``token`` is accepted by this authenticator
        through the portal's code-step service (so django-otp's helpers are no side door)."""
        code = totp.normalize_code(str(token))
        if code is None or not self.confirmed or type(self).verify_with is None:
            return False
        return type(self).verify_with(self, code)


class Passkey(AbstractWebAuthnCredential):
    """A passkey or security key of one user (WebAuthn): its credential id and public key, the
    signature counter, added and last used.

    A second kind of authenticator beside the app: 2FA is on while a person has either. It is
    always ``confirmed`` (it exists only once the browser's registration has been verified) and
    it answers only a WebAuthn assertion, through the code-step service, under the person's
    back-off and lock.
    """

    KIND = "passkey"
    KIND_LABEL = _("Passkey or security key")
    DEFAULT_NAME = "Passkey"

    class Meta(AbstractWebAuthnCredential.Meta):
        verbose_name = _("passkey or security key")
        verbose_name_plural = _("passkeys and security keys")
        # A credential is found by its id's hash through that column's unique index.
        indexes = [models.Index(fields=["user", "confirmed"], name="passkey_user_idx")]

    def match_code(self, assertion, *, at: float) -> tuple[CodeMatch, int | None]:
        """Whether ``assertion`` (a ``passkeys.Assertion``: the browser's answer and what it
        must answer) is signed by this credential; the new signature count as the step.

        py_webauthn checks the challenge, the origin, the relying-party id hash, the flags, the
        signature and that the counter moved forward (a counter that goes back is a cloned
        key: refused). An answer that cannot even be read (authenticator data, CBOR, a
        signature of the wrong shape) is no more than a wrong one. ``at`` is unused (kept for
        the shape of the check)."""
        if not assertion.names(self):
            return CodeMatch.NONE, None
        try:
            verified = verify_authentication_response(
                credential=assertion.credential,
                expected_challenge=assertion.challenge,
                expected_rp_id=assertion.rp_id,
                expected_origin=assertion.origin,
                credential_public_key=bytes(self.public_key),
                credential_current_sign_count=self.sign_count,
                require_user_verification=False,  # asked as "preferred", never required
            )
        except (WebAuthnException, ValueError, TypeError, KeyError, IndexError, struct.error):
            return CodeMatch.NONE, None
        return CodeMatch.NEW, verified.new_sign_count

    def accept(self, t: int) -> None:
        """Record an accepted assertion: its signature count, and when (under the lock)."""
        self.sign_count = t
        self.set_last_used_timestamp(commit=False)
        self.save(update_fields=["sign_count", "last_used_at"])

    def verify_token(self, token) -> bool:
        """django-otp's Device API: a passkey answers no typed token, only an assertion."""
        return False


# The kinds of authenticator that turn 2FA on (recovery codes do not): what "has an
# authenticator" means everywhere, and what a removal counts as "the last one".
AUTHENTICATOR_KINDS = (Authenticator, Passkey)


class RecoveryCodes(TimestampMixin, Device):
    """A person's set of recovery codes: one set a person, always ``confirmed``.

    A further kind of second factor that the code-step service accepts, under the person's
    back-off and lock; it never counts as 2FA being on (that is one of
    ``AUTHENTICATOR_KINDS``).
    Only the keyed digest of each code is stored (``RecoveryCode``); the plain codes exist only
    in the response that shows them. ``created_at`` is when the set was made.
    """

    NAME = "Recovery codes"

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user"], name="one_recovery_code_set_per_user")
        ]

    def match_code(self, code: str, *, at: float) -> tuple[CodeMatch, int | None]:
        """Whether ``code`` is one of this set's, and which (its row's id as the step).

        The code's digest is made once and compared with every stored one; ``at`` is unused
        (recovery codes do not depend on the time) and kept for the shape of the check."""
        canonical = recovery.normalize(code)
        if canonical is None:
            return CodeMatch.NONE, None
        rows = list(self.codes.all())
        position = recovery.find(canonical, [row.digest for row in rows])
        if position is None:
            return CodeMatch.NONE, None
        found = rows[position]
        return (CodeMatch.NEW if found.used_at is None else CodeMatch.USED), found.pk

    def accept(self, t: int) -> None:
        """Mark code ``t`` used (the code-step service calls it under the person's lock, so
        each code is accepted once) and note when the set was last used."""
        now = timezone.now()
        self.codes.filter(pk=t, used_at__isnull=True).update(used_at=now)
        self.last_used_at = now
        self.save(update_fields=["last_used_at"])

    def codes_left(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()

    def verify_token(self, token) -> bool:
        """django-otp's Device API: recovery codes are checked only by the code-step service."""
        return False


class RecoveryCode(models.Model):
    """One recovery code: its keyed digest (never the code) and when it was used."""

    recovery_codes = models.ForeignKey(
        RecoveryCodes, on_delete=models.CASCADE, related_name="codes"
    )
    digest = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField(_("used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self):
        return f"{self.recovery_codes.user} · {'used' if self.used_at else 'unused'}"


class RecoveryCodesPromptDismissal(models.Model):
    """The person answered "Not now" when My Preferences asked them to create recovery codes
    (asked of people whose 2FA was on before there were recovery codes): it asks no more."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="recovery_codes_prompt_dismissal",
    )
    dismissed_at = models.DateTimeField(_("dismissed"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("recovery codes request put off")
        verbose_name_plural = _("recovery codes requests put off")

    def __str__(self):
        return f"{self.user} · {self.dismissed_at:%Y-%m-%d}"


class TrustedBrowser(models.Model):
    """A browser in which the user typed a correct code: it skips the code until it expires.

    The cookie holds ``<id>.<token>``; only an HMAC of the token, the user and the user's security
    stamp is stored, so a stolen database yields no cookie and a new stamp voids every browser.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trusted_browsers"
    )
    token_hash = models.CharField(max_length=64, editable=False)
    user_agent = models.CharField(_("browser"), max_length=400, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("trusted browser")
        verbose_name_plural = _("trusted browsers")
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "-last_seen_at"], name="trusted_browser_user_idx")]

    def __str__(self):
        return f"{self.user} · {self.user_agent[:60]}"

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class ActivityQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Activity records cannot be changed.")

    def delete(self):
        raise PermissionError("Activity records cannot be deleted.")


class EventParties(models.Model):
    """Who acted in an event of the log, for whose team, from which address and browser
    (shared by the records and the counts of refused attempts). For a refused attempt the
    actor is the person themselves (signed in, or past the password at the code step), or
    None."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=400, blank=True)

    class Meta:
        abstract = True


class Activity(EventParties):
    """One 2FA or sign-in event. Append-only: it can be neither changed nor deleted.

    The stored values of ``Kind`` are kept when a name changes in code (``device_added`` is
    ``AUTHENTICATOR_ADDED``), so old records keep their meaning.
    """

    class Kind(models.TextChoices):
        PASSWORD_ACCEPTED = "password_accepted", _("Password accepted")
        PASSWORD_FAILED = "password_failed", _("Wrong password")
        SIGNED_IN = "signed_in", _("Signed in")
        SIGNED_IN_DURING_CODE_LOCK = "signed_in_during_lock", _("Signed in during a code lock")
        OTHER_SESSIONS_ENDED = "other_sessions_ended", _("Signed out everywhere else")
        SIGNED_OUT = "signed_out", _("Signed out")
        CODE_ACCEPTED = "code_accepted", _("Security code accepted")
        CODE_FAILED = "code_failed", _("Wrong security code")
        CODE_LOCKED = "code_locked", _("Code entry locked")
        TWO_FACTOR_ENABLED = "two_factor_enabled", _("Two-factor authentication turned on")
        AUTHENTICATOR_ADDED = "device_added", _("Authenticator added")
        AUTHENTICATOR_NAMED = "authenticator_named", _("Authenticator named")
        AUTHENTICATOR_RENAMED = "device_renamed", _("Authenticator renamed")
        AUTHENTICATOR_REMOVED = "device_removed", _("Authenticator removed")
        BROWSER_TRUSTED = "browser_trusted", _("Browser trusted")
        BROWSER_REVOKED = "browser_revoked", _("Browser revoked")
        RESET = "reset", _("Two-factor authentication reset")
        RESET_REQUESTED = "reset_requested", _("Reset requested")
        RESET_REQUEST_DISMISSED = "reset_request_dismissed", _("Reset request dismissed")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        RECOVERY_CODES_CREATED = "recovery_codes_created", _("Recovery codes created")
        RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", _("Recovery codes regenerated")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        PASSKEY_ADDED = "passkey_added", _("Passkey or security key added")
        PASSKEY_REMOVED = "passkey_removed", _("Passkey or security key removed")
        PASSKEY_USED = "passkey_used", _("Passkey or security key used")
        PASSKEY_FAILED = "passkey_failed", _("Passkey or security key refused")
        INVITATION_SENT = "invitation_sent", _("Invitation sent")
        INVITATION_RESENT = "invitation_resent", _("Invitation sent again")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        MADE_MANAGER = "made_manager", _("Role changed to Manager")
        MADE_MEMBER = "made_member", _("Role changed to Member")
        DEACTIVATED = "deactivated", _("Deactivated")
        REACTIVATED = "reactivated", _("Reactivated")
        SIGN_IN_REFUSED_DEACTIVATED = (
            "sign_in_refused_deactivated",
            _("Sign-in refused (deactivated)"),
        )
        PASSWORD_RESET = "password_reset", _("Password reset through the emailed link")
        NOT_ME_REPORTED = "not_me_reported", _("Reported “This wasn't me”")
        ACTIVITY_DOWNLOADED = "activity_downloaded", _("Activity log downloaded")

    class Origin(models.TextChoices):
        """How the action came: the log names who acted from it when there is no actor."""

        SIGNED_IN = "signed_in", _("Signed in")  # a signed-in person, on the portal's pages
        # On the portal's pages with nobody signed in: the sign-in, the code step (the actor is
        # then the person whose password was right), the links sent by email.
        NOT_SIGNED_IN = "not_signed_in", _("Not signed in")
        COMMAND_LINE = "command_line", _("Command line")  # manage.py
        ADMIN = "admin", _("Administration")  # the administration site
        UNKNOWN = "", _("Unknown")  # no request to tell it, or a record that does not say

    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    origin = models.CharField(
        _("origin"), max_length=16, choices=Origin.choices, blank=True, default=Origin.UNKNOWN
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("whom"),
        on_delete=models.PROTECT,
        related_name="activities",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activity")
        ordering = ["-created_at", "-pk"]
        # Lists read newest first (created_at, then id): a team's, a team's of one kind, a
        # person's own; the id in each index gives a page in order without sorting. "Done by or
        # to a person" combines the actor and subject foreign-key indexes (a bitmap OR).
        indexes = [
            models.Index(fields=["team", "-created_at", "-id"], name="activity_team_recent_idx"),
            models.Index(
                fields=["team", "kind", "-created_at", "-id"], name="activity_team_kind_idx"
            ),
            models.Index(
                fields=["subject", "-created_at", "-id"], name="activity_subject_recent_idx"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Activity records cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Activity records cannot be deleted.")


class RefusedAttempts(EventParties):
    """Attempts refused unchecked (a throttled password, a locked or backed-off code entry),
    counted rather than recorded one by one: one row per kind, origin and person (or, when no
    person is known, per client address) in each window of ``refused_attempts_window_seconds``.

    So a flood of refused attempts adds a row a window, never a row an attempt; the activity
    log shows each row among the records, at its last time. ``services.refusals`` counts with
    one UPDATE (``count + 1``), or an INSERT for the window's first; the unique constraints
    keep parallel first attempts to one row.
    """

    class Kind(models.TextChoices):
        # The values never meet Activity.Kind's: the log's filter offers both in one list.
        PASSWORD_THROTTLED = "refused_password", _("Password refused (too many attempts)")
        CODE_LOCKED = "refused_code_locked", _("Code refused (code entry locked)")
        CODE_WAIT = "refused_code_wait", _("Code refused (too soon after a wrong code)")

    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    origin = models.CharField(
        _("origin"), max_length=16, choices=Activity.Origin.choices, blank=True
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("whom"),
        on_delete=models.PROTECT,
        related_name="refused_attempts",
        null=True,
        blank=True,
    )
    # The email last typed, for a row of no known person, and only a well-formed address.
    email = models.CharField(_("email"), max_length=254, blank=True)
    window_start = models.DateTimeField(_("window"))
    count = models.PositiveIntegerField(_("count"), default=1)
    first_at = models.DateTimeField(_("first"))
    last_at = models.DateTimeField(_("last"))

    class Meta:
        verbose_name = _("refused attempts")
        verbose_name_plural = _("refused attempts")
        ordering = ["-last_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "origin", "subject", "window_start"],
                condition=models.Q(subject__isnull=False),
                name="refused_attempts_per_person",
            ),
            models.UniqueConstraint(
                fields=["kind", "origin", "ip_address", "window_start"],
                condition=models.Q(subject__isnull=True, ip_address__isnull=False),
                name="refused_attempts_per_address",
            ),
            models.UniqueConstraint(
                fields=["kind", "origin", "window_start"],
                condition=models.Q(subject__isnull=True, ip_address__isnull=True),
                name="refused_attempts_of_nobody_known",
            ),
        ]
        # Read as the activity log is: a team's newest first, a person's newest first.
        indexes = [
            models.Index(fields=["team", "-last_at", "-id"], name="refused_team_recent_idx"),
            models.Index(fields=["subject", "-last_at", "-id"], name="refused_subject_recent_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} × {self.count} · {self.last_at:%Y-%m-%d %H:%M}"


class ResetRequest(models.Model):
    """A person asks the Managers of their team to reset their 2FA (for instance a lost phone).

    A person has at most one open request; a reset, a dismissal or the person's deactivation
    closes it.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESET = "reset", _("Reset done")
        DISMISSED = "dismissed", _("Dismissed")
        DEACTIVATED = "deactivated", _("Closed: person deactivated")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.CASCADE,
        related_name="reset_requests",
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=400, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("reset request")
        verbose_name_plural = _("reset requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="open"),
                name="one_open_reset_request_per_user",
            )
        ]
        indexes = [
            models.Index(fields=["team", "status", "-created_at"], name="reset_request_team_idx")
        ]

    def __str__(self):
        return f"{self.user} · {self.get_status_display()}"
