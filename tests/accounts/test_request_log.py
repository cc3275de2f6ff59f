"""Logging suited to a service: a request id on every response and log line, one line per
event, and never a password, code, key or session id."""

import io
import logging
import time

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.middleware import ForwardedClientAddressMiddleware, RequestIdMiddleware
from tests.conftest import PASSWORD, code_for
from tests.twofactor.test_wizard import NAME, SCAN, VERIFY, go_to_scan, key_from_page
from twofactor import app_settings, totp
from twofactor.models import Authenticator


@pytest.fixture
def log_output():
    """What the configured console handler writes, at DEBUG, during the test."""
    root = logging.getLogger()
    (handler,) = [h for h in root.handlers if getattr(h, "name", None) == "console"]
    buffer = io.StringIO()
    previous_stream, previous_level = handler.setStream(buffer), root.level
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        handler.setStream(previous_stream)
        root.setLevel(previous_level)


def test_response_carries_a_new_request_id(client, db):
    first = client.get(reverse("accounts:sign_in"))["X-Request-ID"]
    second = client.get(reverse("accounts:sign_in"))["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_sane_incoming_request_id_is_kept(client, db):
    response = client.get(reverse("accounts:sign_in"), HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"


@pytest.mark.parametrize("incoming", ["short", "spaces are not allowed", "x" * 129, 'quote"d<tag>'])
def test_odd_incoming_request_id_is_replaced(client, db, incoming):
    response = client.get(reverse("accounts:sign_in"), HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming and len(response["X-Request-ID"]) == 32


def test_log_lines_of_a_request_carry_its_id_on_one_line(log_output):
    def view(request):
        try:
            raise ValueError("first line\nsecond line")
        except ValueError:
            logging.getLogger("tests.view").exception("Something failed")
        return HttpResponse()

    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="req-0123456789")
    RequestIdMiddleware(view)(request)
    logging.getLogger("tests.view").warning("outside any request")
    lines = log_output.getvalue().splitlines()
    assert len(lines) == 2
    assert "request_id=req-0123456789 Something failed" in lines[0]
    assert "ValueError: first line\\nsecond line" in lines[0]
    assert "request_id=- outside any request" in lines[1]


@pytest.mark.parametrize(
    "hops, forwarded_for, expected",
    [
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "6.6.6.6, 198.51.100.9", "198.51.100.9"),  # the client forged the first entry
        (2, "198.51.100.9, 10.0.0.5", "198.51.100.9"),
        (1, "not-an-address", "10.0.0.1"),
        (2, "198.51.100.9", "10.0.0.1"),  # fewer entries than proxies: keep REMOTE_ADDR
    ],
)
def test_client_address_is_read_behind_trusted_proxies(settings, hops, forwarded_for, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    seen = {}

    def view(request):
        seen["address"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)
    ForwardedClientAddressMiddleware(view)(request)
    assert seen["address"] == expected


def test_no_password_code_key_or_session_id_is_ever_logged(
    client, member, add_authenticator, clock, log_output, caplog
):
    caplog.set_level(logging.DEBUG)
    device = add_authenticator(member)
    wrong_password, wrong_code = "Wr0ng-password-typed", code_for(device, offset_steps=7)
    sign_in = reverse("accounts:sign_in")
    client.post(sign_in, {"email": member.email, "password": wrong_password})
    client.post(sign_in, {"email": member.email, "password": PASSWORD})
    client.post(reverse("twofactor:code"), {"code": wrong_code})
    pending_session = client.session.session_key
    clock.shift(2)  # past the back-off after the wrong code
    right_code = code_for(device)
    response = client.post(reverse("twofactor:code"), {"code": right_code})
    assert response.status_code == 302  # signed in: the whole flow ran
    trusted_cookie = response.cookies[app_settings.trusted_browser_cookie_name()].value

    secrets = {
        "wrong password": wrong_password,
        "password": PASSWORD,
        "wrong code": wrong_code,
        "code": right_code,
        "key (base32)": totp.key_to_base32(device.key),
        "key (hex)": device.key.hex(),
        "encrypted key": device.encrypted_key,
        "session id before the code": pending_session,
        "session id": client.session.session_key,
        "trusted-browser token": trusted_cookie.split(".", 1)[1],
    }
    logged = "\n".join(
        [log_output.getvalue(), caplog.text] + [repr(vars(record)) for record in caplog.records]
    )
    assert [name for name, value in secrets.items() if value in logged] == []


def test_no_key_code_or_password_of_the_setup_wizard_is_ever_logged(
    client, member, clock, log_output, caplog
):
    """The wizard shows the key (the QR code, its groups, the otpauth link for the phone's app)
    and takes the code that proves it: none of them reaches a log line or record."""
    caplog.set_level(logging.DEBUG)
    client.post(reverse("accounts:sign_in"), {"email": member.email, "password": PASSWORD})
    scan = go_to_scan(client).content.decode()
    key = key_from_page(scan)
    client.get(SCAN)  # the step again: the same key, drawn again
    client.post(SCAN)
    wrong_code = totp.code_at(key, time.time() + 7 * 30)
    client.post(VERIFY, {"code": wrong_code})
    clock.shift(2)  # past the back-off after the wrong code
    right_code = totp.code_at(key, time.time())
    assert client.post(VERIFY, {"code": right_code}).url == NAME  # the whole setup ran
    device = Authenticator.objects.get(user=member)

    secrets = {
        "password": PASSWORD,
        "wrong code": wrong_code,
        "code": right_code,
        "key (base32)": totp.key_to_base32(key),
        "key (hex)": key.hex(),
        "otpauth link": totp.provisioning_uri(key, member.email),
        "encrypted key": device.encrypted_key,
    }
    logged = "\n".join(
        [log_output.getvalue(), caplog.text] + [repr(vars(record)) for record in caplog.records]
    )
    assert [name for name, value in secrets.items() if value in logged] == []
