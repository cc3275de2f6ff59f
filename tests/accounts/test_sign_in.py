"""Sign in, sign out and My Preferences (the password step; the code step is in twofactor)."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.urls import reverse

from tests.conftest import PASSWORD, sign_in_verified
from twofactor.flows import PENDING_KEY
from twofactor.models import Activity, RefusedAttempts

SIGN_IN = reverse("accounts:sign_in")
PREFERENCES = reverse("accounts:preferences")
SAME_MESSAGE = "The email or password is not correct."


def post_sign_in(client, email, password, next_url=None):
    url = SIGN_IN + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": email, "password": password})


def test_sign_in_page_shows_the_labels(client, db):
    page = client.get(SIGN_IN).content.decode()
    assert "<h1>Sign in</h1>" in page
    assert ">Email</label>" in page and ">Password</label>" in page
    assert 'type="submit" class="button button--primary">Sign in</button>' in page


def test_correct_password_without_authenticator_signs_in_and_goes_to_setup(client, member):
    response = post_sign_in(client, "alice@acme.test", PASSWORD)
    assert response.status_code == 302
    assert response.url.startswith(reverse("twofactor:setup"))
    assert client.session[SESSION_KEY] == str(member.pk)


def test_email_is_matched_without_regard_to_case(client, member):
    response = post_sign_in(client, "  ALICE@Acme.Test ", PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(member.pk)


def test_correct_password_with_authenticator_only_leaves_a_pending_state(
    client, member, add_authenticator
):
    add_authenticator(member)
    response = post_sign_in(client, "alice@acme.test", PASSWORD)
    assert response.url.startswith(reverse("twofactor:code"))
    assert SESSION_KEY not in client.session
    assert client.session[PENDING_KEY]["user"] == member.pk
    assert client.get(PREFERENCES).status_code == 302


@pytest.mark.parametrize(
    "email, password",
    [("alice@acme.test", "wrong password"), ("nobody@acme.test", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_wrong_password_and_unknown_email_get_the_same_message(client, member, email, password):
    response = post_sign_in(client, email, password)
    assert response.status_code == 200
    assert SAME_MESSAGE in response.content.decode()
    assert SESSION_KEY not in client.session
    assert PENDING_KEY not in client.session


def test_the_sign_in_error_describes_both_fields_for_screen_readers(client, member):
    page = post_sign_in(client, member.email, "wrong password").content.decode()
    assert '<div class="form-errors" id="form-errors" role="alert">' in page
    for name in ("email", "password"):
        field = re.search(rf'<input [^>]*name="{name}"[^>]*>', page).group(0)
        assert 'aria-describedby="form-errors"' in field, field
    # a page without the error points at nothing
    fresh = client.get(SIGN_IN).content.decode()
    assert "form-errors" not in fresh


def test_failed_password_is_recorded_without_the_password(client, member):
    post_sign_in(client, "alice@acme.test", "hunter2-wrong")
    record = Activity.objects.get(kind=Activity.Kind.PASSWORD_FAILED)
    assert record.subject == member
    assert "hunter2-wrong" not in str(record.detail)


@pytest.mark.parametrize("typed", ["hunter2 typed in the email field", "hunter2@", "a@hunter2"])
def test_a_password_typed_into_the_email_field_never_lands_in_a_record(client, member, typed):
    post_sign_in(client, typed, "also wrong")
    post_sign_in(client, member.email, "wrong")  # a wrong password is recorded, as ever

    assert Activity.objects.filter(kind=Activity.Kind.PASSWORD_FAILED).count() == 1
    assert not any("hunter2" in str(record.detail) for record in Activity.objects.all())
    assert not RefusedAttempts.objects.exists()


def test_a_wrong_password_keeps_the_email_only_if_it_is_a_well_formed_address(rf, member):
    """Whoever announces a failed sign-in (Django's ``user_login_failed``), the record keeps
    the typed email only when it is an address, and never the password."""
    request = rf.post(SIGN_IN)
    for typed in ("hunter2 typed in the email field", "nobody@acme.test"):
        user_login_failed.send(
            sender=None, credentials={"email": typed, "password": "hunter2"}, request=request
        )

    details = [record.detail for record in Activity.objects.order_by("pk")]
    assert details == [{}, {"email": "nobody@acme.test"}]


def test_empty_and_malformed_input_get_field_messages_not_errors(client, db):
    response = client.post(SIGN_IN, {"email": "not-an-email", "password": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "This field is required." in page


def test_oversized_password_is_refused_with_a_message(client, member):
    response = post_sign_in(client, "alice@acme.test", "x" * 5000)
    assert response.status_code == 200
    assert "at most 4096 characters" in response.content.decode()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/steal", "//evil.example/", "/\\evil.example", "javascript:alert(1)"],
)
def test_next_to_another_site_is_ignored(client, member, next_url):
    response = post_sign_in(client, "alice@acme.test", PASSWORD, next_url)
    assert "evil.example" not in response.url
    assert "javascript" not in response.url


def test_next_on_this_site_is_kept(client, member):
    response = post_sign_in(client, "alice@acme.test", PASSWORD, "/preferences/")
    assert "next=%2Fpreferences%2F" in response.url


def test_sign_out_ends_the_server_side_session(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    old_key = client.session.session_key
    response = client.post(reverse("accounts:sign_out"))
    assert response.status_code == 302
    from django.contrib.sessions.models import Session

    assert not Session.objects.filter(session_key=old_key).exists()
    assert client.get(PREFERENCES).status_code == 302


def test_sign_out_by_get_is_refused(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    assert client.get(reverse("accounts:sign_out")).status_code == 405
    assert client.get(PREFERENCES).status_code == 200


def test_preferences_requires_sign_in(client, db):
    response = client.get(PREFERENCES)
    assert response.status_code == 302
    assert response.url == f"{SIGN_IN}?next={PREFERENCES}"


def test_preferences_shows_profile_and_two_factor_section(client, manager, add_authenticator):
    sign_in_verified(client, manager, add_authenticator(manager))
    page = client.get(PREFERENCES).content.decode()
    assert "<h1>My Preferences</h1>" in page
    for text in ("Marta", "marta@acme.test", "Acme", "Manager", "Two-Factor Authentication"):
        assert text in page
    assert page.index("Profile") < page.index("Two-Factor Authentication")


def test_preferences_summarises_the_persons_own_two_factor_state(
    client, member, manager, add_authenticator, clock, django_assert_num_queries
):
    """One query tells: how many confirmed authenticators, since when, the status and an open
    request."""
    from twofactor.models import ResetRequest
    from twofactor.selectors import two_factor_summary

    first = add_authenticator(member)
    clock.shift(86400)
    add_authenticator(member, name="Work phone")
    add_authenticator(member, name="Unfinished", confirmed=False)
    add_authenticator(manager, name="Marta phone")
    with django_assert_num_queries(1):
        summary = two_factor_summary(member)
    assert (summary.enabled, summary.authenticators, summary.status) == (True, 2, "on")
    assert summary.since == first.created_at and summary.reset_requested_at is None
    request = ResetRequest.objects.create(user=member, team=member.team)
    assert two_factor_summary(member).reset_requested_at == request.created_at
    assert two_factor_summary(manager).reset_requested_at is None
    sign_in_verified(client, member, first)
    page = client.get(PREFERENCES).content.decode()
    assert "2 authenticator apps." in page and "You asked for a reset on" in page


def test_preferences_summary_of_a_person_without_authenticators(member):
    from twofactor.selectors import two_factor_summary

    summary = two_factor_summary(member)
    assert (summary.enabled, summary.authenticators, summary.since) == (False, 0, None)


# Session time-outs (NIST SP 800-63B AAL2) --------------------------------------------------------


def test_session_ends_after_thirty_idle_minutes(client, member, add_authenticator, clock):
    sign_in_verified(client, member, add_authenticator(member))
    assert client.get(PREFERENCES).status_code == 200
    clock.shift(29 * 60)
    assert client.get(PREFERENCES).status_code == 200
    clock.shift(29 * 60)  # active a minute ago: still in
    assert client.get(PREFERENCES).status_code == 200
    clock.shift(30 * 60)
    assert client.get(PREFERENCES).status_code == 302
    assert SESSION_KEY not in client.session


def test_session_ends_after_twelve_hours_however_active(client, member, add_authenticator, clock):
    sign_in_verified(client, member, add_authenticator(member))
    for _ in range(12 * 60 // 20 - 1):
        clock.shift(20 * 60)
        assert client.get(PREFERENCES).status_code == 200
    clock.shift(20 * 60)
    assert client.get(PREFERENCES).status_code == 302
