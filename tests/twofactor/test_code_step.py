"""The code step of sign-in (rules 3 and 5) and its security requirements."""

import time

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, code_failures, code_for, lock_code_entry, sign_in_verified
from twofactor import app_settings, flows
from twofactor.models import Activity, Authenticator, TrustedBrowser
from twofactor.services.activity import RequestMeta
from twofactor.services.resets import reset_two_factor
from twofactor.tokens import trusted_browser_tokens

CODE = reverse("twofactor:code")
PREFERENCES = reverse("accounts:preferences")
COOKIE = app_settings.trusted_browser_cookie_name()


def sign_in(client, user, password=PASSWORD, next_url=None):
    url = reverse("accounts:sign_in") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": user.email, "password": password})


def enter_code(client, code, next_url=None):
    return client.post(CODE + (f"?next={next_url}" if next_url else ""), {"code": code})


@pytest.fixture
def device(member, add_authenticator):
    return add_authenticator(member)


@pytest.fixture
def pending(client, member, device, clock):
    """A browser that has passed the password step and owes a code."""
    response = sign_in(client, member)
    assert response.url.startswith(CODE)
    return client


def test_code_page_shows_the_labels_and_is_not_cached(pending):
    response = pending.get(CODE)
    page = response.content.decode()
    assert "<h1>Two-factor authentication</h1>" in page
    assert ">Security code</label>" in page and "Authenticate" in page
    assert 'inputmode="numeric"' in page and 'autocomplete="one-time-code"' in page
    assert "no-store" in response["Cache-Control"]


def test_correct_code_signs_in_rotates_the_session_and_trusts_the_browser(pending, member, device):
    before = pending.session.session_key
    response = enter_code(pending, code_for(device), next_url="/preferences/")
    assert response.status_code == 302 and response.url == "/preferences/"
    assert pending.session[SESSION_KEY] == str(member.pk)
    assert pending.session.session_key != before
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    browser = TrustedBrowser.objects.get(user=member)
    assert cookie.value.split(".", 1)[1] not in browser.token_hash
    assert pending.get(PREFERENCES).status_code == 200


def test_the_session_key_before_the_code_is_dead_after_it(pending, member, device):
    """Session fixation: whoever holds the key of the pending sign-in gets nothing once the code
    is accepted (the session moves to a new key and the old key's row is deleted)."""
    fixated = Client()
    fixated.cookies[settings.SESSION_COOKIE_NAME] = pending.session.session_key
    enter_code(pending, code_for(device))
    response = fixated.get(PREFERENCES)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:sign_in"))
    assert fixated.get(CODE).url.startswith(reverse("accounts:sign_in"))
    assert pending.get(PREFERENCES).status_code == 200


def test_same_browser_signs_in_with_the_password_only(pending, member, device):
    enter_code(pending, code_for(device))
    pending.post(reverse("accounts:sign_out"))
    response = sign_in(pending, member, next_url="/preferences/")
    assert response.url == "/preferences/"
    assert pending.get(PREFERENCES).status_code == 200


def test_a_new_browser_is_asked_for_a_code(pending, member, device):
    enter_code(pending, code_for(device))
    other_browser = Client()
    response = sign_in(other_browser, member)
    assert response.url.startswith(CODE)
    assert other_browser.get(PREFERENCES).status_code == 302


def test_wrong_code_is_refused_with_the_clock_hint(pending, member, device):
    response = enter_code(pending, code_for(device, offset_steps=10))
    page = response.content.decode()
    assert response.status_code == 200
    assert "That code is not correct" in page
    assert "sets its date and time automatically" in page
    assert SESSION_KEY not in pending.session
    assert Activity.objects.filter(kind=Activity.Kind.CODE_FAILED, subject=member).count() == 1


@pytest.mark.parametrize("bad", ["12345", "1234567", "12a456", "", "1" * 10_000])
def test_malformed_codes_are_refused_with_a_message_and_not_counted(pending, device, bad):
    response = enter_code(pending, bad)
    assert response.status_code == 200
    assert SESSION_KEY not in pending.session
    assert code_failures(device.user) == 0


def test_code_with_spaces_is_accepted(pending, device):
    code = code_for(device)
    response = enter_code(pending, f" {code[:3]} {code[3:]} ")
    assert response.status_code == 302 and SESSION_KEY in pending.session


def test_code_one_step_old_is_accepted(pending, device):
    response = enter_code(pending, code_for(device, offset_steps=-1))
    assert SESSION_KEY in pending.session, response.content.decode()


def test_code_two_steps_old_is_refused(pending, device):
    enter_code(pending, code_for(device, offset_steps=-2))
    assert SESSION_KEY not in pending.session


def test_replayed_code_is_refused(pending, member, device, clock):
    code = code_for(device)
    enter_code(pending, code)
    other_browser = Client()
    sign_in(other_browser, member)
    clock.shift(2)  # past the one-second back-off of nothing: no failure yet
    response = enter_code(other_browser, code)
    assert "already been used" in response.content.decode()
    assert SESSION_KEY not in other_browser.session


def test_code_of_another_user_is_refused(pending, manager, add_authenticator):
    other = add_authenticator(manager)
    enter_code(pending, code_for(other))
    assert SESSION_KEY not in pending.session


def test_any_of_the_users_authenticators_is_accepted(pending, member, device, add_authenticator):
    second = add_authenticator(member, name="Tablet")
    enter_code(pending, code_for(second))
    assert SESSION_KEY in pending.session
    second.refresh_from_db()
    assert second.last_used_at is not None


def test_back_off_refuses_even_a_correct_code_until_it_has_passed(pending, device, clock):
    enter_code(pending, code_for(device, offset_steps=10))
    response = enter_code(pending, code_for(device))
    assert "Too many wrong codes. Wait a moment and try again." in response.content.decode()
    assert SESSION_KEY not in pending.session
    clock.shift(1)
    enter_code(pending, code_for(device))
    assert SESSION_KEY in pending.session


def test_back_off_grows_exponentially(pending, device, clock):
    for _ in range(4):
        enter_code(pending, "000000" if code_for(device) != "000000" else "111111")
        clock.shift(2 ** (code_failures(device.user) - 1))
    assert code_failures(device.user) == 4
    enter_code(pending, "000000" if code_for(device) != "000000" else "111111")
    response = enter_code(pending, code_for(device))
    assert "Wait 16 seconds, then try again." in response.content.decode()


def wrong_code(device):
    right = code_for(device)
    return "000000" if right != "000000" else "111111"


def fail_until_locked(client, device, clock):
    # The back-off outlasts the 5-minute pending sign-in, so the password is typed again.
    for _ in range(app_settings.lock_after_failures()):
        sign_in(client, device.user)
        enter_code(client, wrong_code(device))
        clock.shift(2 ** (code_failures(device.user) - 1))


def test_code_entry_locks_after_ten_consecutive_failures(pending, member, device, clock):
    fail_until_locked(pending, device, clock)
    assert code_failures(device.user) == 10
    assert Activity.objects.filter(kind=Activity.Kind.CODE_LOCKED, subject=member).exists()
    clock.shift(30)
    sign_in(pending, member)
    response = enter_code(pending, code_for(device))
    assert "Code entry is locked" in response.content.decode()
    assert "ask a Manager" in response.content.decode()
    assert SESSION_KEY not in pending.session


def test_a_reset_lifts_the_lock_of_code_entry(
    client, member, manager, device, add_authenticator, clock
):
    """Locked until an hour passes or a Manager resets: after the reset, the new
    authenticator's first code is not refused by the old lock."""
    sign_in(client, member)
    fail_until_locked(client, device, clock)
    reset_two_factor(actor=manager, member=member, request_meta=RequestMeta())
    assert code_failures(member) == 0
    fresh = add_authenticator(member, name="New phone")  # set up again after the reset
    clock.shift(30)
    sign_in(client, member)
    response = enter_code(client, code_for(fresh))
    assert response.status_code == 302 and SESSION_KEY in client.session


def test_lock_ends_after_an_hour(client, member, device, clock):
    sign_in(client, member)
    fail_until_locked(client, device, clock)
    clock.shift(app_settings.lock_seconds() + 1)
    sign_in(client, member)  # the pending sign-in itself expired meanwhile
    enter_code(client, code_for(device))
    assert SESSION_KEY in client.session
    assert code_failures(device.user) == 0


def test_nine_failures_then_success_resets_the_count(pending, device, clock):
    for _ in range(9):
        sign_in(pending, device.user)
        enter_code(pending, wrong_code(device))
        clock.shift(2 ** (code_failures(device.user) - 1))
    sign_in(pending, device.user)
    enter_code(pending, code_for(device))
    assert code_failures(device.user) == 0


def test_failures_count_per_user_across_authenticators(pending, member, device, add_authenticator):
    second = add_authenticator(member, name="Tablet")
    enter_code(pending, wrong_code(device))
    response = enter_code(pending, code_for(second))
    assert "Too many wrong codes" in response.content.decode()


def test_pending_sign_in_expires_after_five_minutes(pending, device, clock):
    clock.shift(5 * 60 + 1)
    response = enter_code(pending, code_for(device))
    assert response.url.startswith(reverse("accounts:sign_in"))
    assert SESSION_KEY not in pending.session


def test_a_password_change_voids_a_pending_sign_in(pending, member, device):
    """Whoever passed the old password and waits at the code page is sent back to sign in once
    the password changes (here in another session), even with a valid code."""
    member.set_password("a brand new passphrase")
    member.save()
    response = enter_code(pending, code_for(device))
    assert response.url.startswith(reverse("accounts:sign_in"))
    assert SESSION_KEY not in pending.session
    assert pending.get(CODE).url.startswith(reverse("accounts:sign_in"))


def test_a_password_change_from_another_session_voids_a_pending_sign_in(
    pending, member, device, clock
):
    other = sign_in_verified(Client(), member, device)
    response = other.post(
        reverse("accounts:change_password"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    clock.shift(30)
    response = enter_code(pending, code_for(device))
    assert response.url.startswith(reverse("accounts:sign_in"))
    assert SESSION_KEY not in pending.session


def test_a_reset_voids_a_pending_sign_in(pending, member, manager, add_authenticator):
    """After a reset and a new setup, the sign-in that passed the password before the reset
    does not complete with a code of the new authenticator."""
    reset_two_factor(actor=manager, member=member, request_meta=RequestMeta())
    fresh = add_authenticator(member, name="New phone")
    response = enter_code(pending, code_for(fresh))
    assert response.url.startswith(reverse("accounts:sign_in"))
    assert SESSION_KEY not in pending.session
    assert pending.get(CODE).url.startswith(reverse("accounts:sign_in"))


def test_a_pending_sign_in_without_its_binding_is_void(pending, member, device):
    """A pending state that does not carry the password and stamp it was made with counts for
    nothing."""
    session = pending.session
    session[flows.PENDING_KEY] = {"user": member.pk, "at": time.time()}
    session.save()
    response = enter_code(pending, code_for(device))
    assert response.url.startswith(reverse("accounts:sign_in"))
    assert SESSION_KEY not in pending.session


def test_pending_sign_in_gives_no_access(pending):
    for url in (PREFERENCES, reverse("twofactor:setup"), "/admin/"):
        response = pending.get(url)
        assert response.status_code == 302
        assert "sign-in" in response.url or "login" in response.url


def test_code_page_without_a_password_step_goes_to_sign_in(client, db):
    response = client.get(CODE)
    assert response.url.startswith(reverse("accounts:sign_in"))
    response = client.post(CODE, {"code": "123456"})
    assert response.url.startswith(reverse("accounts:sign_in"))


def test_signed_in_session_without_a_code_is_sent_to_the_code_page(client, member, device):
    client.force_login(member)  # e.g. a session from before 2FA was turned on
    response = client.get(PREFERENCES)
    assert response.url.startswith(CODE)
    enter_code(client, code_for(device))
    assert client.get(PREFERENCES).status_code == 200


def test_user_deactivated_during_the_code_step_is_not_signed_in(pending, member, device):
    member.is_active = False
    member.save()
    enter_code(pending, code_for(device))
    assert SESSION_KEY not in pending.session


# Trusted browsers ------------------------------------------------------------------------------


@pytest.fixture
def trusted(pending, device):
    """The browser after a correct code: it holds a trusted-browser cookie."""
    enter_code(pending, code_for(device))
    pending.post(reverse("accounts:sign_out"))
    return pending


def test_trusted_cookie_of_another_user_does_not_skip_the_code(trusted, manager, add_authenticator):
    add_authenticator(manager)
    response = sign_in(trusted, manager)
    assert response.url.startswith(CODE)


def test_revoked_trusted_browser_asks_for_a_code(trusted, member):
    TrustedBrowser.objects.filter(user=member).delete()
    assert sign_in(trusted, member).url.startswith(CODE)


def test_expired_trusted_browser_asks_for_a_code(trusted, member, clock):
    clock.shift(app_settings.trusted_browser_days() * 24 * 3600 + 1)
    assert sign_in(trusted, member).url.startswith(CODE)


def test_tampered_trusted_cookie_asks_for_a_code(trusted, member):
    browser_id, token = trusted.cookies[COOKIE].value.split(".", 1)
    for value in (
        f"{browser_id}.{token[:-2]}xx",
        f"{int(browser_id) + 1}.{token}",
        "garbage",
        f"\u00b2.{token}",  # a digit to str.isdigit, but no number to int()
        f"{'9' * 30}.{token}",  # past any id the database holds
    ):
        trusted.cookies[COOKIE] = value
        assert sign_in(trusted, member).url.startswith(CODE)
        trusted.session.flush()


def test_new_security_stamp_voids_trusted_browsers(trusted, member):
    member.rotate_security_stamp()
    member.save()
    assert sign_in(trusted, member).url.startswith(CODE)


def test_password_change_voids_trusted_browsers(trusted, member):
    member.set_password("a brand new passphrase")
    member.save()
    assert sign_in(trusted, member, password="a brand new passphrase").url.startswith(CODE)


def test_a_trusted_browser_signs_in_during_a_code_lock_and_is_told_to_change_the_password(
    trusted, member
):
    """The owner's trusted browser still signs in while code entry is locked; the record says
    it happened during the lock, and the landing page warns, with a link to change the
    password."""
    lock_code_entry(member)
    response = sign_in(trusted, member, next_url=PREFERENCES)
    assert response.status_code == 302 and response.url == PREFERENCES
    kinds = Activity.objects.filter(subject=member).values_list("kind", flat=True)
    assert Activity.Kind.SIGNED_IN_DURING_CODE_LOCK in kinds
    assert Activity.Kind.SIGNED_IN not in kinds
    page = trusted.get(PREFERENCES).content.decode()
    assert 'class="message message--warning"' in page
    assert "Someone who knows your password tried wrong security codes" in page
    assert f'<a href="{reverse("accounts:change_password")}">Change your password now</a>' in page
    assert "Someone who knows your password" not in trusted.get(PREFERENCES).content.decode()


def test_a_trusted_browser_sign_in_without_a_lock_is_an_ordinary_sign_in(trusted, member, clock):
    lock_code_entry(member, failures=app_settings.lock_after_failures() - 1)  # back-off only
    clock.shift(60)
    sign_in(trusted, member)
    kinds = Activity.objects.filter(subject=member).values_list("kind", flat=True)
    assert Activity.Kind.SIGNED_IN in kinds
    assert Activity.Kind.SIGNED_IN_DURING_CODE_LOCK not in kinds
    assert "Someone who knows your password" not in trusted.get(PREFERENCES).content.decode()


def test_a_lock_that_has_run_out_gives_an_ordinary_sign_in(trusted, member, clock):
    lock_code_entry(member)
    clock.shift(app_settings.lock_seconds() + 1)
    sign_in(trusted, member)
    kinds = Activity.objects.filter(subject=member).values_list("kind", flat=True)
    assert Activity.Kind.SIGNED_IN in kinds
    assert Activity.Kind.SIGNED_IN_DURING_CODE_LOCK not in kinds


def test_trusted_browser_stores_only_a_hash(trusted, member):
    token = trusted.cookies[COOKIE].value.split(".", 1)[1]
    browser = TrustedBrowser.objects.get(user=member)
    assert token not in browser.token_hash
    assert browser.token_hash == trusted_browser_tokens.hash(member, token)


def test_signing_in_twice_in_one_browser_keeps_one_trusted_browser(trusted, member, device, clock):
    trusted.cookies.pop(COOKIE)
    clock.shift(60)
    sign_in(trusted, member)
    enter_code(trusted, code_for(device))
    assert TrustedBrowser.objects.filter(user=member).count() == 2  # cookie was lost: new one
    trusted.post(reverse("accounts:sign_out"))
    TrustedBrowser.objects.filter(user=member).delete()
    clock.shift(60)
    sign_in(trusted, member)
    enter_code(trusted, code_for(device))
    clock.shift(60)
    trusted.post(reverse("accounts:sign_out"))
    sign_in(trusted, member)
    assert TrustedBrowser.objects.filter(user=member).count() == 1


def test_verified_session_is_not_asked_again(client, member, device):
    sign_in_verified(client, member, device)
    assert client.get(PREFERENCES).status_code == 200
    assert Authenticator.objects.filter(user=member).count() == 1


# django-otp's own helpers go through the same verification ------------------------------------


def test_django_otp_verify_token_uses_the_portal_rules(member, device, clock):
    import django_otp

    code = code_for(device)
    assert django_otp.verify_token(member, device.persistent_id, code) == device
    assert django_otp.verify_token(member, device.persistent_id, code) is None  # replayed
    assert code_failures(device.user) == 1  # counted like a wrong code at sign-in
    clock.shift(30)
    assert django_otp.verify_token(member, device.persistent_id, "12 345x") is None  # malformed
    assert Activity.objects.filter(kind=Activity.Kind.CODE_FAILED, subject=member).count() == 1


def test_django_otp_verify_token_refuses_while_locked(member, device, clock, settings):
    import django_otp

    settings.TWOFACTOR_THROTTLE_FACTOR = 0
    for _ in range(app_settings.lock_after_failures()):
        assert django_otp.verify_token(member, device.persistent_id, wrong_code(device)) is None
    assert django_otp.verify_token(member, device.persistent_id, code_for(device)) is None


def test_trusted_browser_cookie_is_secure_when_https_is_configured(pending, device, settings):
    settings.TWOFACTOR_TRUSTED_BROWSER_COOKIE_SECURE = True
    response = enter_code(pending, code_for(device))
    cookie = response.cookies[COOKIE]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == app_settings.trusted_browser_days() * 24 * 3600
