"""The password step's throttle: slots taken per account and per address before the password is
checked, in Redis or in a table of the database."""

import hashlib
import os
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import reverse

from accounts import throttle
from accounts.forms import SignInForm
from accounts.models import ThrottleCount
from tests.conftest import PASSWORD, sign_in_verified
from tests.production import manage
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


# The counter on its own, on each store ----------------------------------------------------------


@pytest.fixture(params=["cache", "database"])
def store(request, settings):
    if request.param == "database":
        request.getfixturevalue("db")
        return throttle.DatabaseStore()
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):  # `make test-services`
        return throttle.CacheStore("default")
    settings.CACHES = {
        "default": settings.CACHES["default"],
        "throttle-test": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle-test",
        },
    }
    caches["throttle-test"].clear()  # the local-memory cache outlives the test
    return throttle.CacheStore("throttle-test")


@pytest.fixture
def counter(store, clock):
    return throttle.AttemptCounter(scope="test", limit=3, window_seconds=60, store=store)


def test_slots_are_numbered_in_order_past_the_limit_and_apart_for_each_identity(counter):
    slots = [counter.take("a@acme.test") for _ in range(4)]
    assert [slot.number for slot in slots] == [1, 2, 3, 4]
    assert [counter.is_past_limit(slot) for slot in slots] == [False, False, False, True]
    assert counter.count("a@acme.test") == 4
    assert counter.count("b@acme.test") == 0
    assert counter.take("b@acme.test").number == 1


def test_counter_starts_afresh_in_the_next_window(counter, clock):
    for _ in range(3):
        counter.take("a@acme.test")
    clock.shift(59)
    assert counter.count("a@acme.test") == 3
    clock.shift(1)
    assert counter.count("a@acme.test") == 0
    assert counter.take("a@acme.test").number == 1


def test_counter_keys_hold_no_email_nor_a_hash_anyone_could_compute(counter):
    """Whoever reads the store (Redis, the table) cannot tell which addresses were tried by
    hashing a list of them: the key's digest is keyed with the portal's secret."""
    key = counter.key("a@acme.test")
    assert "a@acme.test" not in key
    assert hashlib.sha256(b"a@acme.test").hexdigest()[:32] not in key
    with override_settings(SECRET_KEY="another secret key of fifty characters or more......"):
        assert counter.key("a@acme.test") != key


def test_a_slot_given_back_frees_its_place_and_never_below_zero(counter):
    first = counter.take("a@acme.test")
    second = counter.take("a@acme.test")
    counter.give_back(second)
    assert counter.count("a@acme.test") == 1
    assert counter.take("a@acme.test").number == 2  # the freed place is taken again
    for slot in (first, second, second):
        counter.give_back(slot)
    assert counter.count("a@acme.test") == 0
    assert counter.take("a@acme.test").number == 1


def test_reset_takes_off_the_slots_up_to_its_own_and_keeps_those_taken_since(counter):
    counter.take("a@acme.test")
    right = counter.take("a@acme.test")
    counter.take("a@acme.test")  # an attempt still in flight
    counter.reset(right)
    assert counter.count("a@acme.test") == 1
    assert counter.take("a@acme.test").number == 2


def test_two_resets_racing_stop_at_zero(counter):
    first, second = counter.take("a@acme.test"), counter.take("a@acme.test")
    counter.reset(second)
    counter.reset(first)
    assert counter.count("a@acme.test") == 0
    assert counter.take("a@acme.test").number == 1


def test_a_slot_taken_before_the_window_ended_can_still_be_given_back(counter, clock):
    counter.take("a@acme.test")
    slot = counter.take("a@acme.test")
    clock.shift(60)  # the attempt was in flight when its window ended
    counter.give_back(slot)
    assert counter.store.get(slot.key) == 1


def test_rows_of_ended_windows_are_deleted_when_a_count_starts(clock, db):
    counter = throttle.AttemptCounter(
        scope="test", limit=3, window_seconds=600, store=throttle.DatabaseStore()
    )
    for identity in ("a@acme.test", "b@acme.test", "a@acme.test"):
        counter.take(identity)
    clock.shift(600 + throttle.GRACE_SECONDS - 1)
    counter.take("c@acme.test")  # a count starts; those of a and b may still be given back to
    assert ThrottleCount.objects.count() == 3
    clock.shift(1)
    counter.take("c@acme.test")  # no count starts: nothing is deleted
    assert ThrottleCount.objects.count() == 3
    counter.take("d@acme.test")
    assert set(ThrottleCount.objects.values_list("key", flat=True)) == {
        counter.key("c@acme.test"),
        counter.key("d@acme.test"),
    }


def test_an_unknown_store_is_refused_by_name(settings):
    settings.SIGN_IN_THROTTLE_STORE = "memcached"
    with pytest.raises(ImproperlyConfigured, match="SIGN_IN_THROTTLE_STORE"):
        throttle.per_account()


def store_setting(**environment) -> str:
    """SIGN_IN_THROTTLE_STORE as the portal's settings derive it from ``environment`` (the
    embedded default plus these variables), or the error that stops them."""
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "SIGN_IN_"))
    }
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SIGN_IN_THROTTLE_STORE)",
        environment=base | environment,
    )
    return (result.stdout + result.stderr).strip().splitlines()[-1]


def test_the_store_follows_redis_and_never_uses_the_database_cache():
    assert store_setting() == "database"
    assert store_setting(REDIS_URL="redis://127.0.0.1:6379/9") == "cache"
    assert (
        store_setting(REDIS_URL="redis://127.0.0.1:6379/9", SIGN_IN_THROTTLE_STORE="database")
        == "database"
    )
    refused = store_setting(SIGN_IN_THROTTLE_STORE="cache")
    assert (
        refused.startswith("django.core.exceptions.ImproperlyConfigured: ")
        and "REDIS_URL" in refused
    )


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


def test_text_that_is_no_address_is_no_attempt_and_ends_up_in_no_record(client, member):
    """While the address is locked, text typed as the email that is no address (a password
    typed into the wrong field) is no attempt: the form asks for an address, no password is
    checked or counted, and the text ends up in no record nor count."""
    fail(client, "one@acme.test", 3)  # the address's limit of 5, over two accounts
    fail(client, "two@acme.test", 2)
    records = Activity.objects.count()
    page = post(client, "hunter2 typed in the wrong field", "x").content.decode()
    assert "Enter a valid email address." in page and LOCKED not in page
    assert Activity.objects.count() == records
    assert not RefusedAttempts.objects.exists()
    assert throttle.per_address().count("203.0.113.7") == 5


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


class CountingHasher(MD5PasswordHasher):
    """The tests' fast hasher, counting the hashes it computes."""

    computed = 0

    def encode(self, password, salt):
        CountingHasher.computed += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    """How many passwords are hashed from now on (the test's fast hasher does the work)."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.computed = 0
    return lambda: CountingHasher.computed


def test_a_refused_attempt_hashes_no_password(client, member, hashes):
    fail(client, member.email, 3)
    fail(client, "nobody@acme.test", 2)  # the address's limit of 5 is reached too
    assert hashes() == 5
    assert LOCKED in post(client, member.email, PASSWORD).content.decode()
    # authenticate() hashes for an unknown email too, to take as long: not when refused.
    assert LOCKED in post(client, "another@acme.test", "guess").content.decode()
    assert hashes() == 5


def test_refused_attempts_give_their_slots_back(client, member):
    fail(client, member.email, 3)
    for _ in range(4):
        assert LOCKED in post(client, member.email, "guess").content.decode()
    assert throttle.per_account().count(member.email) == 3
    assert throttle.per_address().count("203.0.113.7") == 3


def test_an_attempt_refused_for_its_address_leaves_the_account_count_alone(client, member):
    fail(client, "one@acme.test", 3)
    fail(client, "two@acme.test", 2)
    assert LOCKED in post(client, member.email, PASSWORD).content.decode()
    assert throttle.per_account().count(member.email) == 0
    response = post(client, member.email, PASSWORD, address="198.51.100.9")
    assert response.status_code == 302


def test_a_password_form_checked_outside_the_throttle_refuses_to_check(member):
    form = SignInForm(None, data={"email": member.email, "password": PASSWORD})
    with pytest.raises(RuntimeError, match="check_password_form"):
        form.is_valid()


def test_an_attempt_takes_its_slots_once(db):
    attempt = throttle.PasswordAttempt(email="a@acme.test", address="203.0.113.7")
    assert attempt.take_slots() is None
    with pytest.raises(RuntimeError):
        attempt.take_slots()


# Recent authentication: the password typed again is no side door --------------------------------


def test_password_typed_again_is_throttled_like_the_sign_in(client, member, add_authenticator):
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


def test_right_old_password_with_a_weak_new_one_gives_its_slots_back(
    client, member, add_authenticator
):
    sign_in_verified(client, member, add_authenticator(member))
    change = reverse("accounts:change_password")
    client.post(change, {"old_password": "guess", "new_password1": "x", "new_password2": "x"})
    page = client.post(
        change, {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
    ).content.decode()
    assert "This password is too short" in page
    # The wrong guess stays counted; the right password with a weak new one is no failure.
    assert throttle.per_account().count(member.email) == 1
    assert throttle.per_address().count("127.0.0.1") == 1
