"""Recovery codes: a new set, the first or one replacing the old (a code is checked by the
code-step service, ``codes.verify_recovery_code``), and "Not now" to the request to create them."""

from django.db import transaction
from django.utils import timezone

from .. import recovery
from ..models import Activity, RecoveryCode, RecoveryCodes, RecoveryCodesPromptDismissal
from .activity import RequestMeta, record_activity
from .codes import locked_throttle_of


def create_recovery_codes(*, user, request_meta: RequestMeta) -> list[str]:
    """A new set of codes for the person, replacing any old one at once; returns the plain
    codes, formatted for reading. They are returned only: never stored, logged or kept in the
    session (the database keeps their digests).

    The person's code-entry row is locked first, as the code step locks it, so a code being
    checked in parallel is checked either against the old set or the new one. The set's row
    stays (a session verified by it stays verified); its codes are replaced.
    """
    plain = recovery.generate_codes()
    with transaction.atomic():
        locked_throttle_of(user)
        codes, created = RecoveryCodes.objects.get_or_create(
            user=user, defaults={"name": RecoveryCodes.NAME, "confirmed": True}
        )
        if not created:
            codes.codes.all().delete()
            codes.created_at = timezone.now()
            codes.last_used_at = None
            codes.save(update_fields=["created_at", "last_used_at"])
        RecoveryCode.objects.bulk_create(
            RecoveryCode(recovery_codes=codes, digest=recovery.digest(code)) for code in plain
        )
        record_activity(
            kind=(
                Activity.Kind.RECOVERY_CODES_CREATED
                if created
                else Activity.Kind.RECOVERY_CODES_REGENERATED
            ),
            subject=user,
            actor=user,
            request_meta=request_meta,
            codes=len(plain),
        )
    return [recovery.format_code(code) for code in plain]


def dismiss_recovery_codes_prompt(*, user) -> None:
    """The person answered "Not now" to My Preferences' request to create recovery codes: it is
    not made again (Manage Access still offers them). Answering twice keeps the first time."""
    RecoveryCodesPromptDismissal.objects.get_or_create(user=user)
