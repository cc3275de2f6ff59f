"""Step-up: adding or removing an authenticator needs the password and a second factor, both
within the last 10 minutes, once the person has an authenticator."""

import time
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import (
    PASSWORD,
    code_failures,
    code_for,
    lock_code_entry,
    recent,
    sign_in_with_code,
)
from tests.twofactor.test_wizard import key_from_page
from twofactor import totp
from twofactor.models import Activity, Authenticator

MANAGE = reverse("twofactor:manage")
SETUP = reverse("twofactor:setup")
CONFIRM_CODE = reverse("twofactor:confirm_code")
ADD = f"{SETUP}?next={MANAGE}"


def sign_in(client, user):
    return client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})


@pytest.fixture
def device(member, add_authenticator):
    return add_authenticator(member, name="Work phone")


@pytest.fixture
def tablet(member, add_authenticator):
    return add_authenticator(member, name="Tablet")


@pytest.fixture
def trusted_session(member, device, clock):
    """A session that signed in from a trusted browser: the password only, no second factor."""
    client = sign_in_with_code(Client(), member, device)
    client.post(reverse("accounts:sign_out"))
    clock.shift(30)
    response = sign_in(client, member)
    assert response.url == reverse("accounts:preferences")  # no code asked
    recent(client)  # the password is recent: only the second factor is missing
    return client


def confirm_url(back: str) -> str:
    return f"{CONFIRM_CODE}?{urlencode({'next': back})}"


def test_a_trusted_browser_session_is_asked_for_a_code_before_adding(trusted_session, member):
    response = trusted_session.get(ADD)
    assert response.status_code == 302 and response.url == confirm_url(ADD)
    response = trusted_session.post(SETUP, {"password": PASSWORD})
    assert response.url == confirm_url(SETUP)
    for step in ("setup_app", "setup_scan", "setup_verify"):
        response = trusted_session.get(reverse(f"twofactor:{step}"))
        assert response.url.startswith(CONFIRM_CODE), step
    assert not Authenticator.objects.filter(user=member, confirmed=False).exists()


def test_a_trusted_browser_session_is_asked_for_a_code_before_removing(
    trusted_session, member, tablet
):
    url = reverse("twofactor:remove_authenticator", args=[tablet.pk])
    response = trusted_session.get(url)
    assert response.url == confirm_url(url)
    response = trusted_session.post(url)
    assert response.url == confirm_url(url)
    assert Authenticator.objects.filter(pk=tablet.pk).exists()


def test_a_correct_code_on_the_step_up_page_goes_back_and_allows_the_removal(
    trusted_session, member, device, tablet, clock
):
    url = reverse("twofactor:remove_authenticator", args=[tablet.pk])
    clock.shift(30)  # the code of the sign-in is used; the next one
    response = trusted_session.post(confirm_url(url), {"code": code_for(device)})
    assert response.status_code == 302 and response.url == url
    assert trusted_session.get(url).status_code == 200
    response = trusted_session.post(url)
    assert response.url == MANAGE
    assert not Authenticator.objects.filter(pk=tablet.pk).exists()
    assert Activity.objects.filter(kind=Activity.Kind.CODE_ACCEPTED, subject=member).count() == 2


def test_the_step_up_page_shows_its_labels_and_is_not_cached(trusted_session):
    response = trusted_session.get(confirm_url(MANAGE))
    page = response.content.decode()
    assert "<h1>Confirm it’s you</h1>" in page
    assert ">Security code</label>" in page and ">Authenticate</button>" in page
    assert 'autocomplete="one-time-code"' in page
    assert f'name="next" value="{MANAGE}"' in page
    assert "no-store" in response["Cache-Control"]


def test_the_step_up_page_needs_a_csrf_token(member, device, clock):
    client = sign_in_with_code(Client(), member, device)
    client.handler.enforce_csrf_checks = True
    clock.shift(30)
    response = client.post(CONFIRM_CODE, {"code": code_for(device)})
    assert response.status_code == 403


def test_the_step_up_page_needs_a_verified_session(client, member, device):
    assert client.get(CONFIRM_CODE).url.startswith(reverse("accounts:sign_in"))
    client.force_login(member)  # password only, no code in this session
    assert client.get(CONFIRM_CODE).url.startswith(reverse("twofactor:code"))


def test_a_code_at_sign_in_counts_as_the_second_factor(member, device, tablet, clock):
    client = sign_in_with_code(Client(), member, device)
    recent(client)
    url = reverse("twofactor:remove_authenticator", args=[tablet.pk])
    assert client.get(url).status_code == 200
    assert client.get(ADD).status_code == 200


def test_a_code_typed_eleven_minutes_ago_is_asked_again(member, device, tablet, clock):
    client = sign_in_with_code(Client(), member, device)
    url = reverse("twofactor:remove_authenticator", args=[tablet.pk])
    clock.shift(9 * 60)
    recent(client)
    assert client.get(url).status_code == 200
    clock.shift(2 * 60)
    recent(client)  # the password is recent; the code is not
    assert client.get(url).url == confirm_url(url)
    assert client.get(ADD).url == confirm_url(ADD)
    clock.shift(30)
    client.post(confirm_url(url), {"code": code_for(device)})
    assert client.get(url).status_code == 200


def test_the_step_up_needs_the_password_too(member, device, tablet, clock):
    client = sign_in_with_code(Client(), member, device)
    url = reverse("twofactor:remove_authenticator", args=[tablet.pk])
    clock.shift(11 * 60)
    response = client.get(url)
    assert response.url.startswith(reverse("accounts:confirm_password"))
    client.post(response.url, {"password": PASSWORD})
    assert client.get(url).url == confirm_url(url)


def test_a_wrong_code_on_the_step_up_page_is_refused_and_counted(
    trusted_session, member, device, tablet
):
    url = reverse("twofactor:remove_authenticator", args=[tablet.pk])
    wrong = "000000" if code_for(device) != "000000" else "111111"
    response = trusted_session.post(confirm_url(url), {"code": wrong})
    assert response.status_code == 200
    assert "That code is not correct" in response.content.decode()
    assert code_failures(member) == 1
    assert trusted_session.get(url).url == confirm_url(url)
    failed = Activity.objects.filter(kind=Activity.Kind.CODE_FAILED, subject=member)
    assert failed.count() == 1


def test_the_sign_in_code_replayed_at_once_on_the_step_up_page_is_refused(
    trusted_session, member, device
):
    """The code that signed in a browser, typed again on the step-up page in the same time
    step: refused as used."""
    other = Client()
    sign_in(other, member)
    code = code_for(device)
    other.post(reverse("twofactor:code"), {"code": code})
    response = trusted_session.post(confirm_url(MANAGE), {"code": code})
    assert "already been used" in response.content.decode()
    assert code_failures(member) == 1


def test_the_step_up_page_keeps_the_persons_back_off_and_lock(trusted_session, member, device):
    lock_code_entry(member)
    response = trusted_session.post(confirm_url(MANAGE), {"code": code_for(device)})
    assert "Code entry is locked" in response.content.decode()
    url = reverse("twofactor:remove_authenticator", args=[device.pk])
    assert trusted_session.get(url).url == confirm_url(url)


@pytest.mark.parametrize(
    "bad_next",
    ["https://evil.test/", "//evil.test/", "http://testserver.evil.test/", "javascript:alert(1)"],
)
def test_the_step_up_page_goes_back_only_to_this_site(trusted_session, device, clock, bad_next):
    page = trusted_session.get(CONFIRM_CODE, {"next": bad_next}).content.decode()
    assert bad_next not in page
    clock.shift(30)
    response = trusted_session.post(
        CONFIRM_CODE + "?next=" + bad_next, {"code": code_for(device), "next": bad_next}
    )
    assert response.status_code == 302 and response.url == reverse("accounts:preferences")


def test_a_malformed_code_on_the_step_up_page_gets_a_message_and_is_not_counted(
    trusted_session, member
):
    response = trusted_session.post(CONFIRM_CODE, {"code": "12a"})
    assert response.status_code == 200
    assert "Enter the 6-digit code" in response.content.decode()
    assert code_failures(member) == 0


def test_the_first_setup_is_not_asked_for_a_code(client, member, clock):
    """No authenticator yet: the wizard needs the password only."""
    client.force_login(member)
    assert client.get(SETUP).status_code == 200
    client.post(SETUP, {"password": PASSWORD})
    client.post(reverse("twofactor:setup_app"))
    scan = client.get(reverse("twofactor:setup_scan"))
    assert scan.status_code == 200
    key = key_from_page(scan.content.decode())
    client.post(reverse("twofactor:setup_scan"))
    response = client.post(
        reverse("twofactor:setup_verify"), {"code": totp.code_at(key, time.time())}
    )
    assert response.url == reverse("twofactor:setup_name")
    assert Authenticator.objects.filter(user=member, confirmed=True).count() == 1


def test_adding_after_the_step_up_completes_the_wizard(trusted_session, member, device, clock):
    clock.shift(30)
    response = trusted_session.post(confirm_url(ADD), {"code": code_for(device)})
    assert response.url == ADD
    trusted_session.get(ADD)
    trusted_session.post(SETUP, {"password": PASSWORD})
    trusted_session.post(reverse("twofactor:setup_app"))
    assert trusted_session.get(reverse("twofactor:setup_scan")).status_code == 200
