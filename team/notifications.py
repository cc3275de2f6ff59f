"""The emails of invitations: to the invitee (the link), to the owner of an address that has an
account already (the invitation cannot be used), and to the inviter when the person joins.

Templates: templates/team/email/<event>_subject.txt, _message.txt and _message.html. Sent after
the transaction commits (the services call these through ``transaction.on_commit``).
"""

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from twofactor.notifications import absolute_url, send_email

from .models import Invitation


def _context(invitation: Invitation) -> dict:
    inviter = invitation.invited_by
    return {
        "team_name": invitation.team.name,
        "inviter_name": inviter.get_full_name() if inviter else "",
        "inviter_email": inviter.email if inviter else "",
        "role": User.Role(invitation.role).label,
        "expires_at": invitation.expires_at,
    }


def _language(*choices: str) -> str:
    return next((language for language in choices if language), settings.LANGUAGE_CODE)


def send_invitation(*, invitation: Invitation, token: str) -> None:
    """The link to join, in the inviter's language."""
    send_email(
        template="team/email/invitation",
        to=invitation.email,
        language=_language(invitation.language),
        context={
            **_context(invitation),
            "join_url": absolute_url(reverse("team:join_link", args=[token])),
        },
        description=f"Invitation {invitation.pk}",
    )


def send_invitation_unusable(*, invitation: Invitation, account: User) -> None:
    """To the owner of an account: an invitation reached them that cannot be used with it."""
    send_email(
        template="team/email/invitation_unusable",
        to=account.email,
        language=_language(account.language, invitation.language),
        context={**_context(invitation), "user": account},
        description=f"Invitation {invitation.pk} (existing account)",
    )


def send_invitation_accepted(*, inviter: User, person: User, invitation: Invitation) -> None:
    """To the inviter: the person joined."""
    send_email(
        template="team/email/invitation_accepted",
        to=inviter.email,
        language=_language(inviter.language),
        context={
            **_context(invitation),
            "user": inviter,
            "person_name": person.get_full_name(),
            "person_email": person.email,
            "team_url": absolute_url(reverse("team:members")),
        },
        description=f"Invitation {invitation.pk} accepted",
    )
