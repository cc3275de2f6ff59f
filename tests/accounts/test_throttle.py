"""The password step's throttle: failures per account and per address, in the shared cache."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts import throttle
from tests.conftest import PASSWORD
from twofactor.flows import PENDING_KEY
from twofactor.models import Activity, RefusedAttempts

SIGN_IN = reverse("accounts:sign_in")
LOCKED = "Too many failed sign-in attempts. Wait 15 minutes, then try again."
WRONG = "The email or password is not correct."


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 5
    settings.SIGN_IN_FAILURE_WINDOW_SECONDS = 15 * 60


def without_token(page, email):
    """The page with the email and the per-response CSRF token taken out."""
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", page.replace(email, "EMAIL"))


def post(client, email, password, address="203.0.113.7"):
    return client.post(SIGN_IN, {"email": email, "password": password}, REMOTE_ADDR=address)


def fail(client, email, times, address="203.0.113.7"):
    for _ in range(times):
        assert WRONG in post(client, email, "not the password", address).content.decode()


# The counter on its own -------------------------------------------------------------------------


@pytest.fixture
def counter(settings, clock):
    settings.CACHES = {
        "default": settings.CACHES["default"],
        "throttle-test": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    return throttle.FailureCounter(
        scope="test", limit=3, window_seconds=60, cache_alias="throttle-test"
    )


def test_counter_blocks_at_the_limit_and_counts_each_identity_apart(counter):
    for expected in (1, 2):
        assert counter.add_failure("a@acme.test") == expected
        assert not counter.is_blocked("a@acme.test")
    assert counter.add_failure("a@acme.test") == 3
    assert counter.is_blocked("a@acme.test")
    assert counter.count("b@acme.test") == 0 and not counter.is_blocked("b@acme.test")


def test_counter_starts_afresh_in_the_next_window(counter, clock):
    for _ in range(3):
        counter.add_failure("a@acme.test")
    assert counter.is_blocked("a@acme.test")
    clock.shift(60)
    assert not counter.is_blocked("a@acme.test")
    assert counter.add_failure("a@acme.test") == 1


def test_counter_keys_hold_no_email(counter):
    assert "a@acme.test" not in counter.key("a@acme.test")


def test_counter_clear_forgets_the_failures(counter):
    counter.add_failure("a@acme.test")
    counter.clear("a@acme.test")
    assert counter.count("a@acme.test") == 0


# The password step ------------------------------------------------------------------------------


def test_account_is_locked_after_its_limit_even_for_the_right_password(client, member):
    fail(client, member.email, 3)
    response = post(client, member.email, PASSWORD)
    assert LOCKED in response.content.decode()
    assert SESSION_KEY not in client.session and PENDING_KEY not in client.session


def test_lock_message_is_the_same_for_an_unknown_email(client, member):
    fail(client, member.email, 3, address="203.0.113.7")
    fail(client, "nobody@acme.test", 3, address="198.51.100.9")
    known = post(client, member.email, "guess", address="203.0.113.7").content.decode()
    unknown = post(client, "nobody@acme.test", "guess", address="198.51.100.9").content.decode()
    assert LOCKED in known and LOCKED in unknown
    assert without_token(known, member.email) == without_token(unknown, "nobody@acme.test")


def test_account_lock_holds_from_another_address(client, member):
    fail(client, member.email, 3, address="203.0.113.7")
    assert LOCKED in post(client, member.email, PASSWORD, "198.51.100.9").content.decode()


def test_account_lock_matches_the_email_however_it_is_typed(client, member):
    fail(client, member.email, 3)
    assert LOCKED in post(client, "  ALICE@Acme.Test ", PASSWORD).content.decode()


def test_address_is_locked_after_its_limit_whatever_the_account(client, member, manager):
    fail(client, "one@acme.test", 3)
    fail(client, "two@acme.test", 2)
    assert LOCKED in post(client, manager.email, PASSWORD).content.decode()
    response = post(client, manager.email, PASSWORD, address="198.51.100.9")
    assert response.status_code == 302  # another address is not affected


def test_lock_ends_when_the_window_ends(client, member, clock):
    fail(client, member.email, 3)
    assert LOCKED in post(client, member.email, PASSWORD).content.decode()
    clock.shift(15 * 60)
    assert post(client, member.email, PASSWORD).status_code == 302


def test_correct_password_clears_the_account_count_but_not_the_address_count(client, member):
    fail(client, member.email, 2)
    assert post(client, member.email, PASSWORD).status_code == 302
    client.post(reverse("accounts:sign_out"))
    assert throttle.per_account().count(member.email) == 0
    assert throttle.per_address().count("203.0.113.7") == 2


def test_refused_attempt_is_counted_not_recorded_as_a_wrong_password(client, member):
    fail(client, member.email, 3)
    post(client, member.email, "hunter2-wrong")
    assert Activity.objects.filter(kind=Activity.Kind.PASSWORD_FAILED, subject=member).count() == 3
    refused = RefusedAttempts.objects.get()
    assert refused.kind == RefusedAttempts.Kind.PASSWORD_THROTTLED
    assert (refused.subject, refused.actor, refused.team) == (member, None, member.team)
    assert refused.origin == Activity.Origin.NOT_SIGNED_IN
    assert (refused.count, refused.ip_address) == (1, "203.0.113.7")
    assert "hunter2-wrong" not in str(snapshot(refused))


def snapshot(row) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def test_a_refused_attempt_keeps_no_typed_text_that_is_not_an_address(client, member):
    """While the address is locked, whatever is typed as the email is refused unchecked; a
    password typed into the email field must not end up in the count of refused attempts."""
    fail(client, "one@acme.test", 3)  # the address's limit of 5, over two accounts
    fail(client, "two@acme.test", 2)
    post(client, "hunter2 typed in the wrong field", "x")
    refused = RefusedAttempts.objects.get()
    assert refused.subject is None and refused.email == ""
    assert refused.ip_address == "203.0.113.7"
    assert "hunter2" not in str(snapshot(refused))
    assert not any("hunter2" in str(record.detail) for record in Activity.objects.all())


def test_a_refused_attempt_of_nobody_known_keeps_a_well_formed_email(client, member):
    fail(client, "one@acme.test", 3)
    fail(client, "two@acme.test", 2)
    post(client, "Nobody@Acme.test", "x")
    refused = RefusedAttempts.objects.get()
    assert (refused.subject, refused.team, refused.email) == (None, None, "nobody@acme.test")


def test_malformed_input_does_not_count_as_a_failure(client, member):
    for _ in range(5):
        client.post(SIGN_IN, {"email": "not-an-email", "password": ""})
    assert post(client, member.email, PASSWORD).status_code == 302


# Recent authentication: the password typed again is no side door --------------------------------


def test_password_typed_again_is_throttled_like_the_sign_in(client, member, add_authenticator):
    from tests.conftest import sign_in_verified

    sign_in_verified(client, member, add_authenticator(member))
    confirm = reverse("accounts:confirm_password")
    for _ in range(3):
        page = client.post(confirm, {"password": "guess"}, REMOTE_ADDR="203.0.113.9").content
        assert b"That is not your password" in page
    response = client.post(confirm, {"password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    assert LOCKED in response.content.decode()
    assert "twofactor_password_at" not in client.session
    # The same account is locked at the sign-in too, from anywhere.
    assert LOCKED in post(Client(), member.email, PASSWORD, address="198.51.100.1").content.decode()
    assert Activity.objects.filter(kind=Activity.Kind.PASSWORD_FAILED, subject=member).count() == 3
    refused = RefusedAttempts.objects.filter(subject=member)
    # Typed again by the signed-in person, then at the sign-in by someone not signed in.
    assert sorted(refused.values_list("origin", "actor", "count")) == [
        (Activity.Origin.NOT_SIGNED_IN, None, 1),
        (Activity.Origin.SIGNED_IN, member.pk, 1),
    ]


def test_wizard_password_step_is_throttled(client, member):
    client.force_login(member)
    for _ in range(3):
        client.post(reverse("twofactor:setup"), {"password": "guess"})
    response = client.post(reverse("twofactor:setup"), {"password": PASSWORD})
    assert LOCKED in response.content.decode()
    assert client.get(reverse("twofactor:setup_app")).url == reverse("twofactor:setup")
