from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from .models import Team, User
from .signals import password_changed


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
