import logging
from collections.abc import Callable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from . import throttle
from .models import Team, User
from .password_reset import password_reset_tokens, reset_link_later
from .signals import password_changed

logger = logging.getLogger(__name__)


def get_or_create_team(*, name: str) -> Team:
    name = " ".join(name.split())
    if not name:
        raise ValidationError("A team needs a name.", code="team_name")
    team = Team.objects.filter(name__iexact=name).first()
    return team or Team.objects.create(name=name)


def add_member(
    *, email: str, team_name: str, password: str, full_name: str = "", manager: bool = False
) -> User:
    """Create a user in a team (the team too, if new), all or nothing."""
    email = User.objects.normalize_email(email)
    validate_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError(f"A user with the email {email} already exists.", code="exists")
    with transaction.atomic():
        team = get_or_create_team(name=team_name)
        user = User(
            email=email,
            full_name=" ".join(full_name.split()),
            team=team,
            role=User.Role.MANAGER if manager else User.Role.MEMBER,
        )
        validate_password(password, user)
        user.set_password(password)
        user.save()
    return user


def update_preferences(*, user: User, language: str | None = None, time_zone: str | None = None):
    """Save the person's language and/or time zone (None leaves one as it is)."""
    fields = []
    if language is not None:
        user.language = language
        fields.append("language")
    if time_zone is not None:
        user.time_zone = time_zone
        fields.append("time_zone")
    if fields:
        user.save(update_fields=fields)


def change_password(*, user: User, new_password: str, actor: User, request) -> None:
    """Save a new password: its new security stamp signs the person out everywhere else, and
    the apps that keep state tied to the old password (``signals.password_changed``) react in
    the same transaction."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password", "security_stamp"])
        password_changed.send(sender=User, user=user, actor=actor, request=request)


class InvalidResetLink(Exception):
    """The reset link expired, was used, was made for an older state of the account, or names
    nobody who may use it."""


def reset_forgotten_password(*, user: User, token: str, new_password: str, request) -> User:
    """Save the password chosen through the emailed link, if the link still works.

    The person's row is locked and the link checked again inside the transaction, so two
    submissions of one link save one password. Its new security stamp ends every session and
    voids the link; ``signals.password_changed`` (``through_reset_link``) lets other apps react in
    the same transaction. Nobody is signed in."""
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=user.pk)
        if not person.is_active or not password_reset_tokens.check_token(person, token):
            raise InvalidResetLink
        person.set_password(new_password)
        person.save(update_fields=["password", "security_stamp"])
        password_changed.send(
            sender=User, user=person, actor=person, request=request, through_reset_link=True
        )
    return person


class ResetLinksThrottled(Exception):
    """Too many reset links were asked for this email or from this address in the window."""

    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope


def ask_for_reset_link(*, email: str, ip_address: str, language: str) -> Callable[[], None]:
    """Count one request for a reset link to ``email`` from ``ip_address`` and return what is
    left to do once the answer has gone: find the active person with that email and send the
    link. Nothing here depends on whether the email has an account, so the answer cannot tell.
    ``ResetLinksThrottled`` past a limit (the email's or the address's)."""
    email = User.objects.normalize_email(email)
    refused_by = throttle.take_reset_request_slots(email=email, address=ip_address)
    if refused_by:
        logger.warning("Reset link refused: too many requests for this %s", refused_by)
        raise ResetLinksThrottled(refused_by)
    return reset_link_later(email=email, language=language, ip_address=ip_address)
