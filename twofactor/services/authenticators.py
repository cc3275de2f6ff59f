"""Authenticators: the wizard's new one (created, confirmed by a code, named), renamed,
removed."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from .. import totp
from ..models import Activity, Authenticator
from ..notifications import notify
from ..selectors import may_remove_last_authenticator
from .activity import RequestMeta, new_activity, record_activities, record_activity
from .codes import CodeResult, verify_new_authenticator_code
from .resets import reset_two_factor

DEFAULT_AUTHENTICATOR_NAME = "Authenticator"


def start_authenticator_setup(*, user) -> Authenticator:
    """Create the unconfirmed authenticator of the wizard's QR step with a fresh key.

    Any earlier unfinished setup of the user is discarded, so an abandoned wizard leaves
    nothing usable behind.
    """
    with transaction.atomic():
        Authenticator.objects.filter(user=user, confirmed=False).delete()
        authenticator = Authenticator(user=user, name=DEFAULT_AUTHENTICATOR_NAME, confirmed=False)
        authenticator.key = totp.generate_key()
        authenticator.save()
    return authenticator


def confirm_authenticator(
    *, user, authenticator_id: int, code: str, request_meta: RequestMeta
) -> CodeResult:
    """The wizard's code step: a correct code turns the new authenticator on."""
    with transaction.atomic():
        result = verify_new_authenticator_code(
            user=user, authenticator_id=authenticator_id, code=code, request_meta=request_meta
        )
        if not result.accepted:
            return result
        authenticator = result.authenticator
        first = not Authenticator.objects.filter(user=user, confirmed=True).exists()
        authenticator.confirmed = True
        authenticator.save(update_fields=["confirmed"])
        records = [
            new_activity(
                kind=Activity.Kind.AUTHENTICATOR_ADDED,
                subject=user,
                actor=user,
                request_meta=request_meta,
                authenticator=authenticator.name,
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
            event="two_factor_enabled" if first else "authenticator_added",
            to_users=[user],
            request_meta=request_meta,
            authenticator_name=authenticator.name,
        )
    return result


def name_new_authenticator(
    *, user, authenticator: Authenticator, name: str, request_meta: RequestMeta
) -> None:
    """The wizard's last step: the person names the authenticator they have just set up."""
    with transaction.atomic():
        authenticator.name = name
        authenticator.save(update_fields=["name"])
        record_activity(
            kind=Activity.Kind.AUTHENTICATOR_NAMED,
            subject=authenticator.user,
            actor=user,
            request_meta=request_meta,
            authenticator=name,
        )


def rename_authenticator(
    *, user, authenticator: Authenticator, name: str, request_meta: RequestMeta
) -> None:
    with transaction.atomic():
        old = authenticator.name
        authenticator.name = name
        authenticator.save(update_fields=["name"])
        if old != name:
            record_activity(
                kind=Activity.Kind.AUTHENTICATOR_RENAMED,
                subject=authenticator.user,
                actor=user,
                request_meta=request_meta,
                authenticator=name,
                previous=old,
            )


class LastAuthenticator(Exception):
    """A Member's last authenticator: removing it would be a reset, which is a Manager's."""


@dataclass(frozen=True)
class Removal:
    authenticator: Authenticator
    reset: bool  # it was the person's last one: their 2FA was reset (a Manager's own reset)


def remove_authenticator(*, user, authenticator_id: int, request_meta: RequestMeta) -> Removal:
    """Remove one authenticator of the user (Authenticator.DoesNotExist if not theirs).

    The last one is a reset in disguise: a Member cannot remove it (``LastAuthenticator``); a
    Manager removing it goes through their own reset (new security stamp, trusted browsers
    forgotten, sessions ended, email), so setting up again leaves no old browser skipping the
    code. The person's row is locked first, so parallel removals are counted one after the
    other and cannot leave a Member with none.
    """
    with transaction.atomic():
        person = get_user_model().objects.select_for_update().get(pk=user.pk)
        authenticator = Authenticator.objects.select_for_update().get(
            pk=authenticator_id, user=person, confirmed=True
        )
        others = Authenticator.objects.filter(user=person, confirmed=True).exclude(
            pk=authenticator.pk
        )
        if not others.exists():
            if not may_remove_last_authenticator(person):
                raise LastAuthenticator
            reset_two_factor(
                actor=person,
                member=person,
                request_meta=request_meta,
                removed_last_authenticator=authenticator.name,
            )
            return Removal(authenticator, reset=True)
        authenticator.delete()
        record_activity(
            kind=Activity.Kind.AUTHENTICATOR_REMOVED,
            subject=person,
            actor=person,
            request_meta=request_meta,
            authenticator=authenticator.name,
        )
        notify(
            event="authenticator_removed",
            to_users=[person],
            request_meta=request_meta,
            authenticator_name=authenticator.name,
        )
    return Removal(authenticator, reset=False)
