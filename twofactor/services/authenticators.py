"""Authenticators: the wizard's new app (created, confirmed by a code, named), a new passkey
(its registration verified, then named), renamed, removed, of either kind."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from webauthn.helpers.exceptions import WebAuthnException

from .. import totp
from ..models import Activity, Authenticator, Passkey
from ..notifications import notify
from ..selectors import has_authenticator, has_other_authenticator, may_remove_last_authenticator
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
        first = not has_authenticator(user)
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


class PasskeyRefused(Exception):
    """A registration answer that is not valid for this portal, or cannot be read."""


class PasskeyAlreadyAdded(Exception):
    """A registration answer for a credential the portal already has."""


def add_passkey(*, user, helper, state: dict, data, request_meta: RequestMeta) -> Passkey:
    """The browser's answer to a registration: verified against ``state`` (its challenge) by
    django-otp-webauthn's ``helper`` (``passkeys.PortalWebAuthnHelper``: the portal's relying
    party and origin), then saved as the person's passkey, recorded and announced, in one
    transaction; nothing is saved when it is refused (``PasskeyRefused``) or already known
    (``PasskeyAlreadyAdded``)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                passkey = helper.register_complete(user=user, state=state, data=data)
        except IntegrityError:  # the credential's id is another passkey's
            raise PasskeyAlreadyAdded from None
        except (WebAuthnException, ValueError, TypeError, KeyError, IndexError) as error:
            # py_webauthn's refusals, and what its parsing of a crafted answer lets through
            raise PasskeyRefused from error
        record_activity(
            kind=Activity.Kind.PASSKEY_ADDED,
            subject=user,
            actor=user,
            request_meta=request_meta,
            authenticator=passkey.name,
        )
        notify(event="passkey_added", to_users=[user], request_meta=request_meta)
    return passkey


def name_new_authenticator(
    *, user, authenticator: Authenticator | Passkey, name: str, request_meta: RequestMeta
) -> None:
    """The last step of adding one: the person names the authenticator (an app or a passkey)
    they have just set up."""
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
    *, user, authenticator: Authenticator | Passkey, name: str, request_meta: RequestMeta
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
    authenticator: Authenticator | Passkey
    reset: bool  # it was the person's last one: their 2FA was reset (a Manager's own reset)


# What a removal records and emails, by kind.
_REMOVED = {
    Authenticator: (Activity.Kind.AUTHENTICATOR_REMOVED, "authenticator_removed"),
    Passkey: (Activity.Kind.PASSKEY_REMOVED, "passkey_removed"),
}


def remove_authenticator(
    *, user, authenticator_id: int, request_meta: RequestMeta, model=Authenticator
) -> Removal:
    """Remove one authenticator (of kind ``model``: an app, a passkey) of the user
    (``model.DoesNotExist`` if not theirs).

    The last one of every kind is a reset in disguise: a Member cannot remove it
    (``LastAuthenticator``); a Manager removing it goes through their own reset (new security
    stamp, trusted browsers forgotten, sessions ended, email), so setting up again leaves no old
    browser skipping the code. The person's row is locked first, so parallel removals are
    counted one after the other and cannot leave a Member with none.
    """
    with transaction.atomic():
        person = get_user_model().objects.select_for_update().get(pk=user.pk)
        authenticator = model.objects.select_for_update().get(
            pk=authenticator_id, user=person, confirmed=True
        )
        if not has_other_authenticator(person, authenticator):
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
        kind, event = _REMOVED[model]
        record_activity(
            kind=kind,
            subject=person,
            actor=person,
            request_meta=request_meta,
            authenticator=authenticator.name,
        )
        notify(
            event=event,
            to_users=[person],
            request_meta=request_meta,
            authenticator_name=authenticator.name,
        )
    return Removal(authenticator, reset=False)
