"""Passkeys and security keys: added from Manage Access behind the step-up, named, listed,
removed; offered at the code step and on "Confirm it's you", where an answer is checked for the
person whose password was right, under their back-off and lock. Every bad answer (origin,
relying party, challenge, someone else's key, a counter going back, a malformed body) is
refused with a clear message, never a 500."""

import json
import time
from datetime import timedelta

import cbor2
import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from tests.conftest import (
    PASSWORD,
    code_failures,
    code_for,
    lock_code_entry,
    recent,
    sign_in_verified,
    sign_in_with_code,
    stepped_up,
)
from tests.twofactor.soft_authenticator import SoftAuthenticator, add_soft_passkey, from_b64url
from twofactor import app_settings, passkeys
from twofactor.models import Activity, Passkey, RefusedAttempts, TrustedBrowser
from twofactor.selectors import two_factor_summary
from twofactor.services.activity import RequestMeta
from twofactor.services.resets import reset_two_factor
from twofactor.status import (
    TwoFactorStatus,
    status_of_annotated,
    two_factor_since_of,
    with_two_factor_facts,
    with_two_factor_status,
)

MANAGE = reverse("twofactor:manage")
ADD = reverse("twofactor:add_passkey")
REGISTER_BEGIN = reverse("twofactor:passkey_registration_begin")
REGISTER_COMPLETE = reverse("twofactor:passkey_registration_complete")
SIGN_IN_BEGIN = reverse("twofactor:passkey_sign_in_begin")
SIGN_IN_COMPLETE = reverse("twofactor:passkey_sign_in_complete")
CONFIRM_BEGIN = reverse("twofactor:passkey_confirmation_begin")
CONFIRM_COMPLETE = reverse("twofactor:passkey_confirmation_complete")
CODE = reverse("twofactor:code")


def post_json(client, url, body=None, **extra):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **extra)


@pytest.fixture
def key():
    return SoftAuthenticator()


@pytest.fixture
def signed_in(member, member_device, clock):
    """Alice, signed in with her app's code just now (password and second factor recent)."""
    client = sign_in_with_code(Client(), member, member_device)
    recent(client)
    return client


def register(client, key, **wrong):
    """Begin and complete a registration with ``key``; the completion's response."""
    options = post_json(client, REGISTER_BEGIN).json()
    return post_json(client, REGISTER_COMPLETE, key.create(options, **wrong))


# Adding one.


def test_a_passkey_is_added_then_named_and_listed_with_its_kind(signed_in, member, key):
    page = signed_in.get(MANAGE)
    assert "Add a passkey or security key" in page.content.decode()

    add_page = signed_in.get(ADD)
    assert add_page.status_code == 200
    assert "no-store" in add_page["Cache-Control"]

    options = post_json(signed_in, REGISTER_BEGIN).json()
    assert options["rp"] == {"name": "Axur One", "id": "testserver"}
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["attestation"] == "none"
    response = post_json(signed_in, REGISTER_COMPLETE, key.create(options))

    assert response.status_code == 200, response.content
    assert response.json() == {"redirect_url": reverse("twofactor:name_passkey")}
    passkey = Passkey.objects.get(user=member)
    assert bytes(passkey.credential_id) == key.credential_id
    assert Activity.objects.filter(kind=Activity.Kind.PASSKEY_ADDED, subject=member).exists()
    assert mail.outbox[-1].subject == "A passkey or security key was added to your account"

    named = signed_in.post(reverse("twofactor:name_passkey"), {"name": "  MacBook   Touch ID "})
    assert named.url == MANAGE
    passkey.refresh_from_db()
    assert passkey.name == "MacBook Touch ID"
    listing = signed_in.get(MANAGE).content.decode()
    assert "MacBook Touch ID" in listing and "Passkey or security key" in listing


def test_the_name_step_needs_a_name(signed_in, member, key):
    register(signed_in, key)
    response = signed_in.post(reverse("twofactor:name_passkey"), {"name": " "})
    assert "Give the passkey or security key a name" in response.content.decode()
    assert Passkey.objects.get(user=member).name == Passkey.DEFAULT_NAME


def test_adding_needs_a_second_factor_passed_recently(member, member_device, clock, key):
    client = sign_in_with_code(Client(), member, member_device)
    recent(client)
    clock.shift(app_settings.step_up_seconds() + 1)
    recent(client)  # the password is recent, the second factor is not

    assert signed_page_redirects_to_confirm(client)
    begun = post_json(client, REGISTER_BEGIN)
    assert begun.status_code == 403
    assert begun.json()["code"] == "step_up_needed"
    assert not Passkey.objects.exists()


def signed_page_redirects_to_confirm(client) -> bool:
    response = client.get(ADD)
    return response.status_code == 302 and reverse("twofactor:confirm_code") in response.url


def test_adding_needs_the_password_typed_recently(member, member_device, clock):
    client = sign_in_with_code(Client(), member, member_device)
    clock.shift(11 * 60)
    stepped_up(client)  # a second factor just now, but the password is old
    begun = post_json(client, REGISTER_BEGIN)
    assert begun.status_code == 403
    assert client.get(ADD).url.startswith(reverse("accounts:confirm_password"))


@pytest.mark.parametrize(
    ("wrong", "status"),
    [
        ({"origin": "https://evil.example"}, 422),
        ({"rp_id": "evil.example"}, 422),
        ({"challenge": "AAAAAAAAAAAAAAAAAAAAAA"}, 422),
    ],
    ids=["origin", "relying-party", "challenge"],
)
def test_a_registration_for_another_site_or_challenge_is_refused(signed_in, key, wrong, status):
    response = register(signed_in, key, **wrong)
    assert response.status_code == status
    assert "could not be added" in response.json()["detail"]
    assert not Passkey.objects.exists()


def test_a_registration_answer_is_used_once(signed_in, key):
    options = post_json(signed_in, REGISTER_BEGIN).json()
    answer = key.create(options)
    assert post_json(signed_in, REGISTER_COMPLETE, answer).status_code == 200
    again = post_json(signed_in, REGISTER_COMPLETE, answer)
    assert again.status_code == 400
    assert again.json()["code"] == "expired"
    assert Passkey.objects.count() == 1


def test_a_registration_answered_too_late_is_refused(signed_in, key, clock):
    options = post_json(signed_in, REGISTER_BEGIN).json()
    clock.shift(app_settings.passkey_ceremony_seconds() + 1)
    stepped_up(signed_in)
    recent(signed_in)
    response = post_json(signed_in, REGISTER_COMPLETE, key.create(options))
    assert response.status_code == 400
    assert response.json()["code"] == "expired"
    assert not Passkey.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"id": 1}', b'{"response": {"clientDataJSON": "%%%"}}', b"{}"],
    ids=["not-json", "a-list", "wrong-types", "bad-base64", "empty"],
)
def test_a_malformed_registration_body_gets_a_clear_answer(signed_in, body):
    post_json(signed_in, REGISTER_BEGIN)
    response = signed_in.post(REGISTER_COMPLETE, body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    assert not Passkey.objects.exists()


def test_the_same_key_cannot_be_added_twice(signed_in, member, key):
    register(signed_in, key)
    options = post_json(signed_in, REGISTER_BEGIN).json()
    excluded = [from_b64url(item["id"]) for item in options["excludeCredentials"]]
    assert excluded == [key.credential_id]  # the browser is told not to make it again
    response = post_json(signed_in, REGISTER_COMPLETE, key.create(options))
    assert response.status_code == 409
    assert response.json()["code"] == "already_added"
    assert Passkey.objects.filter(user=member).count() == 1


def test_ceremonies_need_the_csrf_token(member, member_device, clock):
    client = sign_in_verified(Client(enforce_csrf_checks=True), member, member_device)
    recent(client)
    stepped_up(client)
    assert post_json(client, REGISTER_BEGIN).status_code == 403
    assert "otp_webauthn_register_state" not in client.session
    client.get(ADD)  # the page sets the CSRF cookie its script sends back
    token = client.cookies["csrftoken"].value
    assert post_json(client, REGISTER_BEGIN, HTTP_X_CSRFTOKEN=token).status_code == 200


# Signing in with one.


def password_step(client, user):
    response = client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})
    assert response.url.startswith(CODE)
    return client


@pytest.fixture
def pending(member, member_device, key, clock):
    """Alice with an app and a passkey, past the password in a new browser, owing a factor."""
    add_soft_passkey(member, key)
    return password_step(Client(), member)


def passkey_sign_in(client, key, *, next_url="", **answer):
    suffix = f"?next={next_url}" if next_url else ""
    options = post_json(client, SIGN_IN_BEGIN + suffix).json()
    return post_json(client, SIGN_IN_COMPLETE + suffix, key.get(options, **answer))


def test_the_code_page_offers_the_passkey(pending):
    page = pending.get(CODE).content.decode()
    assert "Use a passkey or security key" in page
    assert "js/passkeys.js" in page
    assert 'name="code"' in page  # the app's code stays usable beside it


def test_the_code_page_offers_no_passkey_to_a_person_without_one(member, member_device, clock):
    client = password_step(Client(), member)
    assert "Use a passkey or security key" not in client.get(CODE).content.decode()
    assert post_json(client, SIGN_IN_BEGIN).json()["code"] == "no_passkey"


def test_a_passkey_signs_in_like_a_correct_code(pending, member, key):
    key_before = pending.session.session_key
    options = post_json(pending, SIGN_IN_BEGIN).json()
    assert options["rpId"] == "testserver"
    assert options["userVerification"] == "preferred"
    allowed = [from_b64url(item["id"]) for item in options["allowCredentials"]]
    assert allowed == [key.credential_id]
    response = post_json(pending, SIGN_IN_COMPLETE + "?next=/team/", key.get(options))

    assert response.status_code == 200, response.content
    assert response.json() == {"redirect_url": "/team/"}
    session = pending.session
    assert session[SESSION_KEY] == str(member.pk)
    assert session.session_key != key_before
    assert session[DEVICE_ID_SESSION_KEY].startswith("twofactor.passkey/")
    assert response.cookies[app_settings.trusted_browser_cookie_name()].value
    assert TrustedBrowser.objects.filter(user=member).count() == 1
    passkey = Passkey.objects.get(user=member)
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    assert Activity.objects.filter(kind=Activity.Kind.PASSKEY_USED, subject=member).exists()
    assert "passkey or security key “YubiKey 5C”" in mail.outbox[-1].body  # the new browser
    assert pending.get(reverse("accounts:preferences")).status_code == 200


@pytest.mark.parametrize(
    "wrong",
    [
        {"origin": "https://evil.example"},
        {"rp_id": "evil.example"},
        {"challenge": "AAAAAAAAAAAAAAAAAAAAAA"},
        {"sign_count": 0},  # the counter did not move on: a cloned key
    ],
    ids=["origin", "relying-party", "challenge", "counter"],
)
def test_a_wrong_answer_is_refused_and_counted(pending, member, key, wrong):
    key.sign_count = 5
    Passkey.objects.filter(user=member).update(sign_count=5)
    response = passkey_sign_in(pending, key, **wrong)

    assert response.status_code == 403
    assert response.json()["code"] == "wrong"
    assert "was not accepted" in response.json()["detail"]
    assert SESSION_KEY not in pending.session
    assert code_failures(member) == 1  # the person's back-off, shared with the app's codes
    assert Activity.objects.filter(kind=Activity.Kind.PASSKEY_FAILED, subject=member).exists()
    assert Passkey.objects.get(user=member).sign_count == 5


def test_a_counter_that_goes_back_is_refused(pending, member, key):
    Passkey.objects.filter(user=member).update(sign_count=10)
    key.sign_count = 3
    response = passkey_sign_in(pending, key)
    assert response.status_code == 403
    assert code_failures(member) == 1


def test_another_persons_passkey_is_refused(pending, member, outsider, add_authenticator):
    someone_else = SoftAuthenticator()
    add_soft_passkey(outsider, someone_else)
    response = passkey_sign_in(pending, someone_else)
    assert response.status_code == 403
    assert SESSION_KEY not in pending.session
    assert code_failures(member) == 1


def test_an_answer_is_used_once(pending, member, key, clock):
    options = post_json(pending, SIGN_IN_BEGIN).json()
    answer = key.get(options)
    other = password_step(Client(), member)  # a second browser replays the same answer
    post_json(other, SIGN_IN_BEGIN)
    replayed = post_json(other, SIGN_IN_COMPLETE, answer)
    assert replayed.status_code == 403  # its own challenge was another
    clock.shift(2)  # past the back-off of that failure
    assert post_json(pending, SIGN_IN_COMPLETE, answer).status_code == 200
    again = post_json(pending, SIGN_IN_COMPLETE, answer)
    assert again.status_code == 403  # signed in now: no sign-in to complete
    assert again.json()["code"] == "sign_in_expired"


def test_an_answer_without_a_challenge_begun_is_refused(pending, key):
    post_json(pending, SIGN_IN_BEGIN)
    answer = key.get({"challenge": "AAAAAAAAAAAAAAAAAAAAAA"})
    post_json(pending, SIGN_IN_COMPLETE, answer)  # uses the challenge up
    response = post_json(pending, SIGN_IN_COMPLETE, answer)
    assert response.status_code == 400
    assert response.json()["code"] == "expired"


def test_an_answer_after_the_ceremony_time_is_refused(pending, member, key, clock):
    options = post_json(pending, SIGN_IN_BEGIN).json()
    clock.shift(app_settings.passkey_ceremony_seconds() + 1)
    response = post_json(pending, SIGN_IN_COMPLETE, key.get(options))
    assert response.status_code == 400
    assert response.json()["code"] == "expired"
    assert SESSION_KEY not in pending.session


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'"a string"',
        b"[1, 2]",
        b'{"id": "x", "rawId": "x", "type": "public-key", "response": {}}',
        b'{"id": "x", "rawId": "%%", "type": "public-key", "response": {"clientDataJSON": 5}}',
    ],
    ids=["not-json", "a-string", "a-list", "no-response", "bad-values"],
)
def test_a_malformed_answer_gets_a_clear_message(pending, member, body):
    post_json(pending, SIGN_IN_BEGIN)
    response = pending.post(SIGN_IN_COMPLETE, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"]
    assert SESSION_KEY not in pending.session


def test_a_locked_person_is_refused_without_checking(pending, member, key):
    lock_code_entry(member)
    response = passkey_sign_in(pending, key)
    assert response.status_code == 429
    assert response.json()["code"] == "locked"
    assert Passkey.objects.get(user=member).sign_count == 0  # not even verified
    assert RefusedAttempts.objects.get(subject=member).kind == RefusedAttempts.Kind.CODE_LOCKED


def test_failed_passkeys_lock_code_entry_like_wrong_codes(pending, member, member_device, key):
    # One failure short of the lock, the last long enough ago for its back-off to be over.
    lock_code_entry(
        member,
        failures=app_settings.lock_after_failures() - 1,
        at=timezone.now() - timedelta(minutes=30),
    )
    passkey_sign_in(pending, key, origin="https://evil.example")
    assert code_failures(member) == app_settings.lock_after_failures()
    refused = pending.post(CODE, {"code": code_for(member_device)})
    assert "Code entry is locked" in refused.content.decode()  # the app's codes too


def test_the_passkey_needs_the_password_first(member, key, clock):
    add_soft_passkey(member, key)
    client = Client()
    begun = post_json(client, SIGN_IN_BEGIN)
    assert begun.status_code == 403
    assert begun.json()["code"] == "sign_in_expired"
    complete = post_json(client, SIGN_IN_COMPLETE, key.get({"challenge": "AAAA"}))
    assert complete.status_code == 403
    assert SESSION_KEY not in client.session


def test_a_pending_sign_in_that_expired_cannot_use_a_passkey(pending, key, clock):
    options = post_json(pending, SIGN_IN_BEGIN).json()
    clock.shift(app_settings.pending_sign_in_seconds() + 1)
    response = post_json(pending, SIGN_IN_COMPLETE, key.get(options))
    assert response.status_code == 403
    assert SESSION_KEY not in pending.session


# Step-up with one.


def test_confirm_its_you_accepts_a_passkey(member, member_device, key, clock):
    add_soft_passkey(member, key)
    client = sign_in_with_code(Client(), member, member_device)
    clock.shift(app_settings.step_up_seconds() + 1)
    recent(client)
    confirm = client.get(reverse("twofactor:confirm_code") + f"?next={ADD}")
    assert "Use a passkey or security key" in confirm.content.decode()

    options = post_json(client, CONFIRM_BEGIN).json()
    response = post_json(client, CONFIRM_COMPLETE + f"?next={ADD}", key.get(options))
    assert response.json() == {"redirect_url": ADD}
    assert client.get(ADD).status_code == 200


def test_confirm_its_you_refuses_a_wrong_passkey_and_counts_it(member, member_device, key):
    add_soft_passkey(member, key)
    client = sign_in_with_code(Client(), member, member_device)
    options = post_json(client, CONFIRM_BEGIN).json()
    response = post_json(client, CONFIRM_COMPLETE, key.get(options, origin="https://evil.test"))
    assert response.status_code == 403
    assert code_failures(member) == 1


def test_confirm_its_you_needs_a_signed_in_person(key):
    assert post_json(Client(), CONFIRM_BEGIN).status_code == 403


# Listed, removed, reset, and the status.


def test_two_factor_is_on_with_a_passkey_alone(member, key):
    add_soft_passkey(member, key)
    row = with_two_factor_status(type(member).objects.filter(pk=member.pk)).get()
    assert row.two_factor_status == TwoFactorStatus.ON
    assert row.authenticator_count == 1
    assert row.two_factor_since is not None


def test_two_factor_is_on_since_the_first_authenticator_of_any_kind(member, key, add_authenticator):
    app = add_authenticator(member)
    passkey = add_soft_passkey(member, key)
    earlier = app.created_at - timedelta(days=3)
    Passkey.objects.filter(pk=passkey.pk).update(created_at=earlier)
    row = with_two_factor_facts(type(member).objects.filter(pk=member.pk)).get()
    assert status_of_annotated(row) == TwoFactorStatus.ON
    assert row.authenticator_count == 2
    assert two_factor_since_of(row) == earlier
    assert two_factor_summary(member).since == earlier
    sql = with_two_factor_status(type(member).objects.filter(pk=member.pk)).get()
    assert sql.two_factor_since == earlier


def test_a_passkey_is_removed_like_an_app(signed_in, member, key):
    passkey = add_soft_passkey(member, key)
    remove = reverse("twofactor:remove_passkey", args=[passkey.pk])
    assert "It will no longer sign in" in signed_in.get(remove).content.decode()
    response = signed_in.post(remove)
    assert response.url == MANAGE
    assert not Passkey.objects.filter(pk=passkey.pk).exists()
    assert Activity.objects.filter(kind=Activity.Kind.PASSKEY_REMOVED, subject=member).exists()
    assert mail.outbox[-1].subject == "A passkey or security key was removed from your account"


def test_a_members_last_authenticator_may_be_a_passkey_and_stays(member, key, clock):
    passkey = add_soft_passkey(member, key)
    client = password_step(Client(), member)
    options = post_json(client, SIGN_IN_BEGIN).json()
    post_json(client, SIGN_IN_COMPLETE, key.get(options))
    recent(client)
    response = client.post(reverse("twofactor:remove_passkey", args=[passkey.pk]))
    assert response.url == MANAGE
    assert Passkey.objects.filter(pk=passkey.pk).exists()  # a Member asks a Manager instead


def test_someone_elses_passkey_cannot_be_renamed_or_removed(signed_in, outsider):
    theirs = add_soft_passkey(outsider, SoftAuthenticator())
    assert signed_in.get(reverse("twofactor:rename_passkey", args=[theirs.pk])).status_code == 404
    assert signed_in.post(reverse("twofactor:remove_passkey", args=[theirs.pk])).status_code == 404
    assert Passkey.objects.filter(pk=theirs.pk).exists()


def test_a_passkey_is_renamed(signed_in, member, key):
    passkey = add_soft_passkey(member, key)
    rename = reverse("twofactor:rename_passkey", args=[passkey.pk])
    assert "Name" in signed_in.get(rename).content.decode()
    signed_in.post(rename, {"name": "Office key"})
    passkey.refresh_from_db()
    assert passkey.name == "Office key"


def test_a_reset_removes_passkeys(manager, member, key):
    add_soft_passkey(member, key)
    reset_two_factor(actor=manager, member=member, request_meta=RequestMeta())
    assert not Passkey.objects.filter(user=member).exists()


def test_a_teammates_page_lists_passkeys_with_their_kind(manager, manager_device, member, key):
    add_soft_passkey(member, key, name="Alice key")
    manager_client = sign_in_verified(Client(), manager, manager_device)
    page = manager_client.get(reverse("team:member_detail", args=[member.pk])).content.decode()
    assert "Alice key" in page and "Passkey or security key" in page


# Addresses: the relying party.


def test_at_an_ip_address_the_buttons_give_way_to_a_note(member, member_device, clock, key):
    add_soft_passkey(member, key)
    client = Client(HTTP_HOST="127.0.0.1")
    sign_in_with_code(client, member, member_device)
    recent(client)
    page = client.get(MANAGE).content.decode()
    assert "Add a passkey or security key" not in page
    assert "not at an IP address" in page
    response = post_json(client, REGISTER_BEGIN)
    assert response.status_code == 400
    assert response.json()["code"] == "host_name_needed"


def test_in_production_the_relying_party_is_the_portal_address(signed_in, settings):
    settings.TWOFACTOR_PASSKEY_ADDRESS_FROM_PORTAL_URL = True
    settings.PORTAL_URL = "https://portal.example.test"
    options = post_json(signed_in, REGISTER_BEGIN).json()
    assert options["rp"]["id"] == "portal.example.test"
    answer = SoftAuthenticator().create(options)  # the browser at testserver, not the portal
    response = post_json(signed_in, REGISTER_COMPLETE, answer)
    assert response.status_code == 422


def test_a_challenge_is_claimed_once_even_by_two_requests_holding_it(db, clock):
    """Two requests of one session may both have read the state before either removed it."""
    state = {"challenge": "c2FtZS1jaGFsbGVuZ2U", "at": time.time(), "user": 1}
    assert passkeys.check_fresh(dict(state), user_id=1) == state
    with pytest.raises(passkeys.CeremonyExpired):
        passkeys.check_fresh(dict(state), user_id=1)


def test_an_oversized_answer_is_refused_without_a_server_error(pending):
    post_json(pending, SIGN_IN_BEGIN)
    body = b'{"id": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    response = pending.post(SIGN_IN_COMPLETE, body, content_type="application/json")
    assert response.status_code == 400
    assert SESSION_KEY not in pending.session


@pytest.fixture
def passkey_only(member, member_device, key, clock):
    """Alice, whose only authenticator is a passkey (her app removed), past the password."""
    add_soft_passkey(member, key)
    member_device.delete()
    return password_step(Client(), member)


def test_someone_with_passkeys_alone_is_not_asked_for_an_app_code(passkey_only):
    page = passkey_only.get(CODE).content.decode()
    assert 'name="code"' not in page
    assert "Use a passkey or security key" in page


def test_a_code_typed_by_someone_with_passkeys_alone_is_wrong_not_a_new_sign_in(passkey_only):
    response = passkey_only.post(CODE, {"code": "123456"})
    assert response.status_code == 200  # the code page again, not back to sign in
    assert "Use a passkey or security key" in response.content.decode()
    assert SESSION_KEY not in passkey_only.session


def test_someone_with_passkeys_alone_signs_in_with_one(passkey_only, member, key):
    assert passkey_sign_in(passkey_only, key).status_code == 200
    assert passkey_only.session[SESSION_KEY] == str(member.pk)


@pytest.mark.parametrize(
    "body",
    [b'{"a": "\xff"}', b"[" * 100_000, b'{"n": ' + b"9" * 5000 + b"}"],
    ids=["not-utf-8", "nested-too-deep", "number-too-long"],
)
@pytest.mark.parametrize("url", [SIGN_IN_BEGIN, SIGN_IN_COMPLETE, REGISTER_COMPLETE])
def test_bodies_json_cannot_read_get_a_clear_answer(pending, body, url):
    response = pending.post(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "unreadable"


def test_a_body_that_is_not_json_is_refused(pending):
    response = pending.post(SIGN_IN_BEGIN, {"a": "b"})  # a form, not JSON
    assert response.status_code == 400


@pytest.mark.parametrize(
    "change",
    [
        lambda answer: answer["response"].update(authenticatorData="AAAA"),
        lambda answer: answer["response"].update(signature="AAAA"),
        lambda answer: answer["response"].update(clientDataJSON="e30"),
    ],
    ids=["short-authenticator-data", "signature-not-der", "client-data-empty"],
)
def test_a_crafted_answer_is_a_wrong_one(pending, member, key, change):
    options = post_json(pending, SIGN_IN_BEGIN).json()
    answer = key.get(options)
    change(answer)
    response = post_json(pending, SIGN_IN_COMPLETE, answer)
    assert response.status_code == 403
    assert code_failures(member) == 1


@pytest.mark.parametrize(
    "cose",
    [
        {1: 9, 3: -7},  # a key type nobody knows
        [1, 2, 3],  # not a map
    ],
    ids=["unknown-key-type", "a-list"],
)
def test_a_registration_with_a_crafted_key_is_refused(signed_in, key, monkeypatch, cose):
    monkeypatch.setattr(key, "_cose_public_key", lambda: cbor2.dumps(cose))
    response = register(signed_in, key)
    assert response.status_code == 422
    assert not Passkey.objects.exists()


def test_a_credential_id_longer_than_webauthn_allows_is_refused(signed_in, key):
    key.credential_id = b"x" * (passkeys.LARGEST_CREDENTIAL_BYTES + 1)
    response = register(signed_in, key)
    assert response.status_code == 422
    assert not Passkey.objects.exists()


def test_a_person_has_at_most_so_many_passkeys(signed_in, member):
    for _ in range(passkeys.MOST_PASSKEYS):
        add_soft_passkey(member, SoftAuthenticator())
    response = post_json(signed_in, REGISTER_BEGIN)
    assert response.status_code == 400
    assert response.json()["code"] == "too_many"


def test_a_sign_in_challenge_cannot_complete_confirm_its_you(pending, member, key, member_device):
    """A passkey sign-in begun, then the app's code used: that challenge confirms nothing."""
    options = post_json(pending, SIGN_IN_BEGIN).json()
    pending.post(CODE, {"code": code_for(member_device)})
    response = post_json(pending, CONFIRM_COMPLETE, key.get(options))
    assert response.status_code == 400
    assert response.json()["code"] == "expired"


def test_a_challenge_is_bound_to_its_person(db, clock):
    state = {"challenge": "b3RoZXI", "at": time.time(), "user": 1}
    with pytest.raises(passkeys.CeremonyExpired):
        passkeys.check_fresh(state, user_id=2)


@pytest.mark.parametrize(
    ("address", "rp_id", "origin"),
    [
        ("https://Portal.Example.com", "portal.example.com", "https://portal.example.com"),
        ("https://portal.example.com:443/", "portal.example.com", "https://portal.example.com"),
        ("http://localhost:8000", "localhost", "http://localhost:8000"),
    ],
)
def test_the_relying_party_is_written_as_browsers_write_it(address, rp_id, origin):
    assert passkeys.relying_party_of(address) == passkeys.RelyingParty(rp_id, origin)
