"""A Manager's administration of their team: roles, deactivation and reactivation.

A team always keeps at least one active Manager. Each action locks the team's row first, so
changes to one team's Managers run one after the other: two Managers demoting each other at the
same moment cannot both succeed, and an actor who has just lost the Manager role (or been
deactivated) by a parallel change acts no more.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Team, User
from accounts.signals import person_deactivated
from twofactor.models import Activity
from twofactor.notifications import notify
from twofactor.services.activity import RequestMeta, record_activity
from twofactor.services.resets import close_reset_requests_of_deactivated


class ChangeRefused(Exception):
    """The change is not allowed; ``message`` tells the Manager why."""

    messages = {
        "last_manager": _(
            "%(name)s is the last active Manager of the team. Make someone else a Manager first."
        ),
        "self_deactivation": _("You cannot deactivate yourself. Ask another Manager."),
        "not_a_manager": _("Only an active Manager of the team can do this."),
    }

    def __init__(self, code: str, **params):
        self.code = code
        self.message = self.messages[code] % params
        super().__init__(code)


ROLE_ACTIVITY = {
    User.Role.MANAGER: Activity.Kind.MADE_MANAGER,
    User.Role.MEMBER: Activity.Kind.MADE_MEMBER,
}


def change_role(*, actor: User, person: User, role: str, request_meta: RequestMeta) -> User:
    """Make ``person`` a Manager or a Member of their team (``role``, a ``User.Role``); no
    change, no record. Refused when it would leave the team without an active Manager."""
    if role not in User.Role.values:
        raise ValueError(f"Unknown role {role!r}")
    with transaction.atomic():
        team, person = _lock(actor=actor, person=person)
        if person.role == role:
            return person
        if role == User.Role.MEMBER and person.is_active:
            _keep_an_active_manager(team, leaving=person)
        person.role = role
        person.save(update_fields=["role"])
        record_activity(
            kind=ROLE_ACTIVITY[role],
            subject=person,
            actor=actor,
            request_meta=request_meta,
        )
        notify(
            event="role_changed",
            to_users=[person],
            request_meta=request_meta,
            actor=actor,
            role=role,
        )
    return person


def deactivate_teammate(*, actor: User, person: User, request_meta: RequestMeta) -> User:
    """``person`` can no longer sign in: the new security stamp ends their sessions and voids
    their trusted browsers, their open reset requests are closed and ``person_deactivated``
    lets other apps withdraw what the person started. Their authenticators, activity and
    history stay. Already deactivated: nothing happens."""
    with transaction.atomic():
        team, person = _lock(actor=actor, person=person)
        if person.pk == actor.pk:
            raise ChangeRefused("self_deactivation")
        if not person.is_active:
            return person
        if person.role == User.Role.MANAGER:
            _keep_an_active_manager(team, leaving=person)
        person.is_active = False
        person.rotate_security_stamp()
        person.save(update_fields=["is_active", "security_stamp"])
        requests_closed = close_reset_requests_of_deactivated(member=person, actor=actor)
        record_activity(
            kind=Activity.Kind.DEACTIVATED,
            subject=person,
            actor=actor,
            request_meta=request_meta,
            reset_requests_closed=requests_closed,
        )
        person_deactivated.send(sender=User, person=person, actor=actor)
        notify(event="deactivated", to_users=[person], request_meta=request_meta, actor=actor)
    return person


def reactivate_teammate(*, actor: User, person: User, request_meta: RequestMeta) -> User:
    """``person`` signs in again as before (their 2FA as it was). Already active: nothing."""
    with transaction.atomic():
        _team, person = _lock(actor=actor, person=person)
        if person.is_active:
            return person
        person.is_active = True
        person.save(update_fields=["is_active"])
        record_activity(
            kind=Activity.Kind.REACTIVATED,
            subject=person,
            actor=actor,
            request_meta=request_meta,
        )
        notify(event="reactivated", to_users=[person], request_meta=request_meta, actor=actor)
    return person


def _lock(*, actor: User, person: User) -> tuple[Team, User]:
    """Lock the team's row, then read the actor and the person again under it: the actor must
    still be an active Manager of the person's team."""
    team = Team.objects.select_for_update().get(pk=person.team_id)
    people = {user.pk: user for user in User.objects.filter(pk__in={actor.pk, person.pk})}
    current_actor, person = people.get(actor.pk), people[person.pk]
    if (
        current_actor is None
        or not current_actor.is_active
        or current_actor.team_id != team.pk
        or current_actor.role != User.Role.MANAGER
    ):
        raise ChangeRefused("not_a_manager")
    if person.team_id != team.pk:  # moved to another team meanwhile
        raise ChangeRefused("not_a_manager")
    return team, person


def _keep_an_active_manager(team: Team, *, leaving: User) -> None:
    others = User.objects.filter(team=team, role=User.Role.MANAGER, is_active=True).exclude(
        pk=leaving.pk
    )
    if not others.exists():
        raise ChangeRefused("last_manager", name=leaving.get_full_name())
