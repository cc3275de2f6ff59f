"""Resets of a person's 2FA and the reset requests that ask the Managers for one."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ..models import (
    Activity,
    Authenticator,
    CodeThrottle,
    Passkey,
    RecoveryCodes,
    ResetRequest,
    TrustedBrowser,
)
from ..notifications import absolute_url, notify
from ..selectors import managers_of
from .activity import RequestMeta, record_activity


def reset_two_factor(*, actor, member, request_meta: RequestMeta, **detail):
    """Remove the member's authenticators (apps and passkeys), recovery codes and trusted
    browsers, end their
    sessions everywhere and lift a lock of their code entry.

    One implementation for a Manager's own reset, My Team, the admin action and ``reset_2fa``.
    The new security stamp voids every session and trusted browser at once, whatever the session
    backend. Open reset requests of the member are closed. ``detail`` goes to the activity record
    (for instance how the reset was made); it must never hold a secret.
    """
    with transaction.atomic():
        member = get_user_model().objects.select_for_update().get(pk=member.pk)
        authenticators = Authenticator.objects.filter(user=member).delete()[0]
        passkeys = Passkey.objects.filter(user=member).delete()[0]
        browsers = TrustedBrowser.objects.filter(user=member).delete()[0]
        RecoveryCodes.objects.filter(user=member).delete()  # a new setup makes new ones
        CodeThrottle.objects.filter(user=member).delete()  # the lock ends with the reset
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
            authenticators=authenticators,
            passkeys=passkeys,
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


def close_reset_requests_of_deactivated(*, member, actor) -> int:
    """Close the open reset requests of a person being deactivated (inside the caller's
    transaction): nobody signs in to a deactivated account, so nothing is left to reset."""
    return ResetRequest.objects.filter(user=member, status=ResetRequest.Status.OPEN).update(
        status=ResetRequest.Status.DEACTIVATED, closed_at=timezone.now(), closed_by=actor
    )


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
