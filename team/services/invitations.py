"""Invitations: send, send again, revoke, and join through the link.

Whether an address already has an account in another team never shows to whoever invites: the
same row is made, the same record written, the same answer given, and the same count taken from
the inviter's daily limit. Only the email differs: the owner of the account is told that the
invitation cannot be used with an existing account, and the link, if opened, says the same.
"""

import enum
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import throttle
from accounts.models import Team, User
from twofactor.models import Activity
from twofactor.services.activity import RequestMeta, new_activity, record_activities

from .. import app_settings, notifications, tokens
from ..models import Invitation


class InvitationLimitReached(Exception):
    """The inviter's daily limit would be passed; ``left`` addresses may still be invited today."""

    def __init__(self, left: int):
        super().__init__(left)
        self.left = left


@dataclass(frozen=True)
class SentInvitations:
    """What "Send invitations" did: the addresses invited and those already in the team (not
    invited)."""

    sent: list[str] = field(default_factory=list)
    already_in_team: list[str] = field(default_factory=list)


def daily_counter() -> throttle.AttemptCounter:
    """Addresses invited per inviter and day (UTC), with the password throttle's atomic count."""
    return throttle.AttemptCounter(
        scope="inviter",
        limit=app_settings.invitations_per_day(),
        window_seconds=24 * 60 * 60,
        name="invitations",
    )


def _take_from_daily_limit(actor, amount: int) -> tuple[throttle.AttemptCounter, throttle.Slot]:
    """``amount`` addresses from the actor's limit of today, all or none."""
    counter = daily_counter()
    slot = counter.take(str(actor.pk), amount)
    if counter.is_past_limit(slot):
        counter.give_back(slot, amount)
        raise InvitationLimitReached(left=max(0, counter.limit - (slot.number - amount)))
    return counter, slot


def _expiry(now):
    return now + timedelta(days=app_settings.invitation_days())


def send_invitations(
    *, actor, team: Team, emails: list[str], role: str, language: str, request_meta: RequestMeta
) -> SentInvitations:
    """Invite each of ``emails`` to ``team`` with ``role``, in one transaction: a newer
    invitation revokes a pending one to the same address for the team. People already in the
    team are reported, not invited. ``language``: that of the emails and of the page the link
    opens (the inviter's). Raises ``InvitationLimitReached`` (nothing sent) past the daily
    limit."""
    emails = list(dict.fromkeys(User.objects.normalize_email(email) for email in emails))
    members = set(User.objects.filter(team=team, email__in=emails).values_list("email", flat=True))
    invited = [email for email in emails if email not in members]
    result = SentInvitations(sent=invited, already_in_team=[e for e in emails if e in members])
    if not invited:
        return result
    counter, slot = _take_from_daily_limit(actor, len(invited))
    try:
        with transaction.atomic():
            # Invitations of one team are sent one after the other: a parallel one to the same
            # address waits here instead of failing on the one-pending constraint.
            Team.objects.select_for_update().filter(pk=team.pk).first()
            now = timezone.now()
            Invitation.objects.pending().filter(team=team, email__in=invited).update(
                revoked_at=now, revoked_by=actor
            )
            links = {email: tokens.new_token() for email in invited}
            invitations = Invitation.objects.bulk_create(
                Invitation(
                    team=team,
                    email=email,
                    role=role,
                    invited_by=actor,
                    language=language,
                    token_hash=tokens.token_hash(links[email]),
                    sent_at=now,
                    expires_at=_expiry(now),
                )
                for email in invited
            )
            record_activities(
                [
                    new_activity(
                        kind=Activity.Kind.INVITATION_SENT,
                        actor=actor,
                        team=team,
                        request_meta=request_meta,
                        email=invitation.email,
                        role=role,
                    )
                    for invitation in invitations
                ]
            )
            _email_invitees([(invitation, links[invitation.email]) for invitation in invitations])
    except Exception:
        counter.give_back(slot, len(invited))
        raise
    return result


def _email_invitees(invitations: list[tuple[Invitation, str]]) -> None:
    """After the commit: the invitation with its link, or, to an address that has an account
    (in another team), that the invitation cannot be used with it."""
    accounts = {
        account.email: account
        for account in User.objects.filter(
            email__in=[invitation.email for invitation, _token in invitations]
        )
    }
    for invitation, token in invitations:
        account = accounts.get(invitation.email)
        if account is not None:
            send = partial(
                notifications.send_invitation_unusable, invitation=invitation, account=account
            )
        else:
            send = partial(notifications.send_invitation, invitation=invitation, token=token)
        transaction.on_commit(send)


def resend_invitation(
    *, actor, invitation: Invitation, language: str, request_meta: RequestMeta
) -> Invitation | None:
    """A new link with a new expiry (the old link stops working), emailed again in
    ``language``; one address of the actor's daily limit. None when the invitation is no
    longer pending."""
    counter, slot = _take_from_daily_limit(actor, 1)
    with transaction.atomic():
        invitation = Invitation.objects.pending().select_for_update().filter(pk=invitation.pk)
        invitation = invitation.first()
        if invitation is None:
            counter.give_back(slot)
            return None
        token, now = tokens.new_token(), timezone.now()
        invitation.token_hash = tokens.token_hash(token)
        invitation.sent_at, invitation.expires_at = now, _expiry(now)
        invitation.language = language
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "language"])
        record_activities(
            [
                new_activity(
                    kind=Activity.Kind.INVITATION_RESENT,
                    actor=actor,
                    team=invitation.team,
                    request_meta=request_meta,
                    email=invitation.email,
                )
            ]
        )
        _email_invitees([(invitation, token)])
    return invitation


def revoke_invitation(*, actor, invitation: Invitation, request_meta: RequestMeta) -> bool:
    """The link stops working. False when the invitation was no longer pending."""
    return bool(_revoke(Invitation.objects.filter(pk=invitation.pk), actor, request_meta))


def revoke_invitations_sent_by(*, inviter, actor, request_meta: RequestMeta) -> int:
    """Every pending invitation ``inviter`` sent (when the inviter is deactivated)."""
    return _revoke(Invitation.objects.filter(invited_by=inviter), actor, request_meta)


def _revoke(invitations, actor, request_meta: RequestMeta) -> int:
    with transaction.atomic():
        revoked = list(
            invitations.pending().select_for_update().values_list("pk", "team_id", "email")
        )
        if not revoked:
            return 0
        Invitation.objects.filter(pk__in=[pk for pk, _team, _email in revoked]).update(
            revoked_at=timezone.now(), revoked_by=actor
        )
        records = []
        for _pk, team_id, email in revoked:
            record = new_activity(
                kind=Activity.Kind.INVITATION_REVOKED,
                actor=actor,
                request_meta=request_meta,
                email=email,
            )
            record.team_id = team_id
            records.append(record)
        record_activities(records)
    return len(revoked)


class JoinOutcome(enum.Enum):
    JOINED = "joined"
    NOT_FOUND = "not_found"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"
    ACCOUNT_EXISTS = "account_exists"


def why_not_usable(invitation: Invitation | None, now=None) -> JoinOutcome | None:
    """Why the link of ``invitation`` cannot be used now, or None if it can (an account for
    its address aside, which ``account_exists`` checks)."""
    if invitation is None:
        return JoinOutcome.NOT_FOUND
    status = invitation.status(now)
    return {
        Invitation.Status.ACCEPTED: JoinOutcome.USED,
        Invitation.Status.REVOKED: JoinOutcome.REVOKED,
        Invitation.Status.EXPIRED: JoinOutcome.EXPIRED,
    }.get(status)


def account_exists(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists()


@dataclass(frozen=True)
class JoinResult:
    outcome: JoinOutcome
    user: User | None = None
    invitation: Invitation | None = None


def join_team(
    *, token_hash: str, full_name: str, password: str, language: str, request_meta: RequestMeta
) -> JoinResult:
    """Create the invited person in the invitation's team with its role, and use the
    invitation, in one transaction with the invitation's row locked: the link works once, and
    not when an account for the address has appeared since it was sent. The inviter is
    emailed after the commit. The password was checked by the form (the validators)."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(token_hash=token_hash).first()
        problem = why_not_usable(invitation)
        if problem is not None:
            return JoinResult(problem, invitation=invitation)
        if account_exists(invitation.email):
            return JoinResult(JoinOutcome.ACCOUNT_EXISTS, invitation=invitation)
        person = User(
            email=invitation.email,
            full_name=" ".join(full_name.split()),
            team_id=invitation.team_id,
            role=invitation.role,
            language=language,
        )
        person.set_password(password)
        try:
            with transaction.atomic():
                person.save()
        except IntegrityError:  # an account for the address was made at this very moment
            return JoinResult(JoinOutcome.ACCOUNT_EXISTS, invitation=invitation)
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = person
        invitation.save(update_fields=["accepted_at", "accepted_user"])
        record_activities(
            [
                new_activity(
                    kind=Activity.Kind.INVITATION_ACCEPTED,
                    subject=person,
                    actor=person,
                    request_meta=request_meta,
                    email=invitation.email,
                    role=invitation.role,
                    invited_by=invitation.invited_by_id,
                )
            ]
        )
        inviter = (
            User.objects.filter(pk=invitation.invited_by_id, is_active=True).first()
            if invitation.invited_by_id
            else None
        )
        if inviter is not None:
            transaction.on_commit(
                partial(
                    notifications.send_invitation_accepted,
                    inviter=inviter,
                    person=person,
                    invitation=invitation,
                )
            )
    return JoinResult(JoinOutcome.JOINED, user=person, invitation=invitation)
