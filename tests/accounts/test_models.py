"""Users and teams: emails without regard to case, Argon2 passwords, the security stamp, roles."""

import pytest
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.urls import reverse

import axur_portal.settings as project_settings
from accounts.models import Team, User
from tests.conftest import PASSWORD, sign_in_verified

ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"


@pytest.fixture
def argon2_hashers(settings):
    """The project's real hashers, instead of the fast one the tests use elsewhere."""
    settings.PASSWORD_HASHERS = list(project_settings.PASSWORD_HASHERS)


# Emails -----------------------------------------------------------------------------------------


def test_email_is_stored_in_lower_case_without_surrounding_spaces(make_user):
    user = make_user("  Bob@Example.TEST ")

    user.refresh_from_db()
    assert user.email == "bob@example.test"


def test_manager_create_user_stores_the_email_in_lower_case(db):
    user = User.objects.create_user("Bob@Example.TEST", PASSWORD)

    assert User.objects.get(pk=user.pk).email == "bob@example.test"


def test_create_user_without_email_is_refused(db):
    with pytest.raises(ValueError, match="needs an email"):
        User.objects.create_user("", PASSWORD)

    assert not User.objects.exists()


def test_second_user_with_the_same_email_in_other_case_is_refused(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("ALICE@ACME.TEST", PASSWORD)

    assert User.objects.filter(email__iexact="alice@acme.test").count() == 1


def test_database_refuses_an_email_differing_only_in_case_even_bypassing_save(member, make_user):
    # ``save`` lower-cases; the case-insensitive constraint guards writes that skip it.
    other = make_user("someone@acme.test")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=other.pk).update(email="Alice@Acme.Test")

    assert User.objects.get(pk=other.pk).email == "someone@acme.test"


def test_user_is_found_by_email_in_any_case(member):
    assert User.objects.get_by_natural_key("  ALICE@acme.TEST ") == member


def test_team_names_are_unique_without_regard_to_case(acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(name="ACME")

    assert Team.objects.count() == 1


# Passwords --------------------------------------------------------------------------------------


def test_argon2_is_the_first_password_hasher_and_pbkdf2_is_still_accepted():
    assert project_settings.PASSWORD_HASHERS[0] == ARGON2
    assert PBKDF2 in project_settings.PASSWORD_HASHERS


def test_set_password_stores_an_argon2id_hash(make_user, argon2_hashers):
    user = make_user("bob@example.test")

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "x")


def test_existing_pbkdf2_hash_still_checks_and_is_upgraded_to_argon2(make_user, argon2_hashers):
    user = make_user("bob@example.test")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")

    assert user.check_password(PASSWORD)

    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(PASSWORD)


def test_wrong_password_against_a_pbkdf2_hash_fails_and_keeps_the_hash(make_user, argon2_hashers):
    user = make_user("bob@example.test")
    old_hash = make_password(PASSWORD, hasher="pbkdf2_sha256")
    User.objects.filter(pk=user.pk).update(password=old_hash)
    user.refresh_from_db()

    assert not user.check_password("not the password")

    user.refresh_from_db()
    assert user.password == old_hash


def test_hash_upgrade_on_check_password_keeps_memory_and_database_in_step(
    make_user, argon2_hashers
):
    user = make_user("bob@example.test")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    user.refresh_from_db()

    assert user.check_password(PASSWORD)

    stored = User.objects.get(pk=user.pk)
    assert stored.security_stamp == user.security_stamp
    assert stored.get_session_auth_hash() == user.get_session_auth_hash()


def test_signing_in_with_an_old_pbkdf2_hash_keeps_the_user_signed_in(
    client, member, argon2_hashers
):
    User.objects.filter(pk=member.pk).update(
        password=make_password(PASSWORD, hasher="pbkdf2_sha256")
    )

    response = client.post(
        reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("twofactor:setup"))

    # Still signed in: the wizard shows, rather than sending the user back to sign in.
    assert client.get(reverse("twofactor:setup")).status_code == 200


# Security stamp ---------------------------------------------------------------------------------


def test_changing_the_password_changes_the_security_stamp_and_session_hash(member):
    old_stamp = member.security_stamp
    old_session_hash = member.get_session_auth_hash()

    member.set_password("a brand new passphrase")
    member.save()

    member.refresh_from_db()
    assert member.security_stamp != old_stamp
    assert member.get_session_auth_hash() != old_session_hash


def test_rotating_the_security_stamp_alone_changes_the_session_hash(member):
    old_password_hash = member.password
    old_session_hash = member.get_session_auth_hash()

    member.rotate_security_stamp()
    member.save()

    member.refresh_from_db()
    assert member.password == old_password_hash
    assert member.get_session_auth_hash() != old_session_hash


def test_saving_without_a_change_keeps_the_session_hash(member):
    old_session_hash = member.get_session_auth_hash()

    member.full_name = "Alice Liddell"
    member.save()

    member.refresh_from_db()
    assert member.get_session_auth_hash() == old_session_hash


def test_each_user_gets_a_different_security_stamp(member, manager):
    assert len(member.security_stamp) == 32
    assert member.security_stamp != manager.security_stamp


def test_password_change_ends_the_old_sessions(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    preferences = reverse("accounts:preferences")
    assert client.get(preferences).status_code == 200

    member.set_password("a brand new passphrase")
    member.save()

    response = client.get(preferences)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign_in"))


def test_stamp_rotation_ends_the_old_sessions(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    preferences = reverse("accounts:preferences")
    assert client.get(preferences).status_code == 200

    member.rotate_security_stamp()
    member.save()

    response = client.get(preferences)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign_in"))


# Roles ------------------------------------------------------------------------------------------


def test_manager_of_a_team_is_a_manager(manager):
    assert manager.is_manager


def test_member_of_a_team_is_not_a_manager(member):
    assert not member.is_manager


def test_manager_role_without_a_team_is_not_a_manager(make_user):
    administrator = make_user("root@axur.test", role=User.Role.MANAGER, is_staff=True)

    assert not administrator.is_manager


def test_new_user_is_a_member_by_default(acme):
    assert User(email="new@acme.test", team=acme).role == User.Role.MEMBER


def test_user_shows_as_full_name_or_else_email(member, make_user):
    nameless = make_user("anon@acme.test")

    assert str(member) == "Alice"
    assert str(nameless) == "anon@acme.test"
    assert member.get_short_name() == "Alice"
    assert nameless.get_full_name() == "anon@acme.test"
