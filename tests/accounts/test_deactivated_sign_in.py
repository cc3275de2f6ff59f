"""A deactivated person cannot sign in, whatever the step: "deactivated" is said only after the
right password, a wrong one gets the ordinary message, the throttle counts both, a pending
sign-in and a trusted browser are void, an open session ends at once; reactivated, they sign
in as before."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from team.services import administration as services
from tests.conftest import PASSWORD, code_for, sign_in_with_code
from twofactor import app_settings
from twofactor.flows import PENDING_KEY
from twofactor.models import Activity, RefusedAttempts
from twofactor.services.activity import RequestMeta

SIGN_IN = reverse("accounts:sign_in")
CODE = reverse("twofactor:code")
PREFERENCES = reverse("accounts:preferences")
WRONG = "The email or password is not correct."
DEACTIVATED = "Your account is deactivated. Contact a Manager of your team to have it reactivated."
LOCKED = "Too many failed sign-in attempts."


def post(client, email, password, address="203.0.113.7"):
    return client.post(SIGN_IN, {"email": email, "password": password}, REMOTE_ADDR=address)


def deactivate(manager, person):
    services.deactivate_teammate(actor=manager, person=person, request_meta=RequestMeta())
    person.refresh_from_db()


def without_token(page, email):
    return re.sub(r'value="[A-Za-z0-9]{64}"', "", page.replace(email, "EMAIL"))


@pytest.fixture
def device(member, add_authenticator):
    return add_authenticator(member)


def test_right_password_of_a_deactivated_person_says_to_contact_a_manager(
    client, manager, member, device
):
    deactivate(manager, member)
    response = post(client, member.email, PASSWORD)
    assert response.status_code == 200
    page = response.content.decode()
    assert DEACTIVATED in page and WRONG not in page
    assert SESSION_KEY not in client.session and PENDING_KEY not in client.session
    record = Activity.objects.get(kind=Activity.Kind.SIGN_IN_REFUSED_DEACTIVATED)
    assert record.subject == member
    assert not Activity.objects.filter(kind=Activity.Kind.PASSWORD_ACCEPTED).exists()


def test_wrong_password_of_a_deactivated_person_looks_like_any_wrong_password(
    client, manager, member, make_user, acme
):
    active = make_user("bob@acme.test", team=acme, full_name="Bob")
    deactivate(manager, member)
    deactivated_page = post(client, member.email, "not the password").content.decode()
    active_page = post(client, active.email, "not the password").content.decode()
    unknown_page = post(client, "nobody@acme.test", "not the password").content.decode()
    assert WRONG in deactivated_page and DEACTIVATED not in deactivated_page
    assert without_token(deactivated_page, member.email) == without_token(active_page, active.email)
    assert without_token(deactivated_page, member.email) == without_token(
        unknown_page, "nobody@acme.test"
    )
    assert Activity.objects.filter(kind=Activity.Kind.PASSWORD_FAILED, subject=member).exists()


def test_the_throttle_counts_the_attempts_on_a_deactivated_account(
    client, manager, member, settings, clock
):
    """Wrong and right passwords alike take slots that stay: past the limit the password is
    not checked, and the page no longer says "deactivated" even for the right one."""
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    deactivate(manager, member)
    assert WRONG in post(client, member.email, "wrong").content.decode()
    assert DEACTIVATED in post(client, member.email, PASSWORD).content.decode()
    assert DEACTIVATED in post(client, member.email, PASSWORD).content.decode()
    page = post(client, member.email, PASSWORD).content.decode()
    assert LOCKED in page and DEACTIVATED not in page
    assert RefusedAttempts.objects.filter(
        kind=RefusedAttempts.Kind.PASSWORD_THROTTLED, subject=member
    ).exists()


def test_a_pending_sign_in_at_the_code_step_is_sent_back(client, manager, member, device, clock):
    response = post(client, member.email, PASSWORD)
    assert response.url.startswith(CODE)
    deactivate(manager, member)

    response = client.post(CODE, {"code": code_for(device)})
    assert response.url.startswith(SIGN_IN)
    assert SESSION_KEY not in client.session and PENDING_KEY not in client.session
    assert client.get(CODE).url.startswith(SIGN_IN)


def test_a_trusted_browser_skips_nothing_for_a_deactivated_person(
    client, manager, member, device, clock
):
    sign_in_with_code(client, member, device)
    client.post(reverse("accounts:sign_out"))
    assert app_settings.trusted_browser_cookie_name() in client.cookies
    deactivate(manager, member)
    sign_ins = Activity.objects.filter(kind=Activity.Kind.SIGNED_IN, subject=member).count()

    page = post(client, member.email, PASSWORD).content.decode()
    assert DEACTIVATED in page
    assert SESSION_KEY not in client.session and PENDING_KEY not in client.session
    assert client.get(PREFERENCES).url.startswith(SIGN_IN)
    assert Activity.objects.filter(kind=Activity.Kind.SIGNED_IN, subject=member).count() == sign_ins


def test_an_open_session_ends_at_once(client, manager, member, device, clock):
    sign_in_with_code(client, member, device)
    assert client.get(PREFERENCES).status_code == 200
    deactivate(manager, member)
    response = client.get(PREFERENCES)
    assert response.status_code == 302 and response.url.startswith(SIGN_IN)


def test_reactivated_they_sign_in_again_with_a_code_on_a_once_trusted_browser(
    client, manager, member, device, clock
):
    """Reactivation brings back the account with its 2FA as it was; the trusted browsers
    were forgotten by the deactivation, so the code is asked again."""
    sign_in_with_code(client, member, device)
    client.post(reverse("accounts:sign_out"))
    deactivate(manager, member)
    services.reactivate_teammate(actor=manager, person=member, request_meta=RequestMeta())

    response = post(client, member.email, PASSWORD)
    assert response.url.startswith(CODE)
    clock.shift(60)  # the code of the first sign-in cannot be used twice
    client.post(CODE, {"code": code_for(device)})
    assert client.session[SESSION_KEY] == str(member.pk)
    assert client.get(PREFERENCES).status_code == 200


def test_a_deactivated_person_without_an_authenticator_is_not_signed_into_setup(manager, member):
    deactivate(manager, member)
    browser = Client()
    assert DEACTIVATED in post(browser, member.email, PASSWORD).content.decode()
    assert browser.get(reverse("twofactor:setup")).url.startswith(SIGN_IN)
