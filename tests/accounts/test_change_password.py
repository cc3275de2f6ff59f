"""Changing the password signs out every other session and forgets every trusted browser."""

from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, code_for, sign_in_verified
from twofactor.models import Activity, TrustedBrowser

CHANGE = reverse("accounts:change_password")
NEW = "a much longer new passphrase"


def test_password_change_ends_other_sessions_and_voids_trusted_browsers(
    client, member, add_authenticator, clock
):
    device = add_authenticator(member)
    other = Client()
    other.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    other.post(reverse("twofactor:code"), {"code": code_for(device)})
    assert TrustedBrowser.objects.filter(user=member).count() == 1
    sign_in_verified(client, member, device)

    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    )
    assert response.url == reverse("accounts:preferences")
    assert client.get(reverse("accounts:preferences")).status_code == 200  # this one stays
    assert other.get(reverse("accounts:preferences")).status_code == 302
    assert SESSION_KEY not in other.session
    assert not TrustedBrowser.objects.filter(user=member).exists()
    member.refresh_from_db()
    assert member.check_password(NEW)
    record = Activity.objects.get(kind=Activity.Kind.PASSWORD_CHANGED)
    assert NEW not in str(record.detail) and PASSWORD not in str(record.detail)
    # The browser that was trusted is asked for a code again.
    response = other.post(reverse("accounts:sign_in"), {"email": member.email, "password": NEW})
    assert response.url.startswith(reverse("twofactor:code"))


def test_wrong_old_password_or_weak_new_one_changes_nothing(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    page = client.post(
        CHANGE, {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}
    ).content.decode()
    assert "Your old password was entered incorrectly" in page
    page = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
    ).content.decode()
    assert "This password is too short" in page
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_old_password_guesses_are_throttled(client, member, add_authenticator, settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 2
    sign_in_verified(client, member, add_authenticator(member))
    for _ in range(2):
        client.post(CHANGE, {"old_password": "guess", "new_password1": NEW, "new_password2": NEW})
    page = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW}
    ).content.decode()
    assert "Too many failed sign-in attempts" in page
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_change_password_needs_a_verified_session(client, member, add_authenticator):
    assert client.get(CHANGE).status_code == 302
    add_authenticator(member)
    client.force_login(member)
    assert client.get(CHANGE).url.startswith(reverse("twofactor:code"))
