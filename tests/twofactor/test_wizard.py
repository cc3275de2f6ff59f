"""The five-step setup wizard and mandatory setup at sign-in."""

import base64
import re
import time
from urllib.parse import parse_qs, unquote, urlparse

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD, code_for
from tests.twofactor.test_totp import needs_zbarimg, scanned
from twofactor import qr, totp
from twofactor.models import Activity, Authenticator
from twofactor.views.setup import WIZARD_KEY

SETUP = reverse("twofactor:setup")
APP = reverse("twofactor:setup_app")
SCAN = reverse("twofactor:setup_scan")
VERIFY = reverse("twofactor:setup_verify")
NAME = reverse("twofactor:setup_name")


def sign_in(client, email, password=PASSWORD, next_url=None):
    url = reverse("accounts:sign_in") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"email": email, "password": password})


def key_groups_on(page: str) -> list[str]:
    """The groups of the key under "Set up manually", each in its own element."""
    code = re.search(r'<code id="setup-key"[^>]*>(.*?)</code>', page, re.S).group(1)
    groups = re.findall(r'<span class="manual__group">([A-Z2-7]+)</span>', code)
    assert re.sub(r"<[^>]+>", "", code) == " ".join(groups)  # nothing else in the key
    return groups


def key_from_page(page: str) -> bytes:
    """The key as a person copies it from "Set up manually"."""
    base32 = "".join(key_groups_on(page))
    return base64.b32decode(base32 + "=" * (-len(base32) % 8))


def go_to_scan(client):
    client.post(SETUP, {"password": PASSWORD})
    client.post(APP)
    return client.get(SCAN)


@pytest.fixture
def wizard_client(client, member, clock):
    sign_in(client, member.email)
    return client


def test_new_user_is_forced_through_setup_and_lands_where_they_wanted(client, member, clock):
    response = sign_in(client, member.email, next_url="/preferences/?tab=security")
    assert response.url.startswith(SETUP)
    # Every page but setup sends them back to the wizard.
    assert client.get(reverse("accounts:preferences")).url.startswith(SETUP)

    page = client.get(response.url).content.decode()
    assert 'name="password"' in page and "Continue" in page
    assert client.post(SETUP, {"password": PASSWORD}).url == APP
    page = client.get(APP).content.decode()
    for text in ("Google Authenticator", "Microsoft Authenticator", "Google Play", "App Store"):
        assert text in page
    assert client.post(APP).url == SCAN
    scan = client.get(SCAN)
    page = scan.content.decode()
    assert 'alt="QR code' in page and "Set up manually" in page
    key = key_from_page(page)
    assert len(key) == 20
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()

    assert client.post(SCAN).url == VERIFY
    clock.shift(20)
    response = client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    assert response.url == NAME
    device = Authenticator.objects.get(user=member)
    assert device.confirmed
    response = client.post(NAME, {"name": "  My   personal phone "})
    # The first setup ends on its recovery codes, which go on where the person was going.
    assert response.status_code == 200
    assert response.context["continue_url"] == "/preferences/?tab=security"
    device.refresh_from_db()
    assert device.name == "My personal phone"
    assert client.get("/preferences/?tab=security").status_code == 200
    assert WIZARD_KEY not in client.session
    kinds = set(Activity.objects.filter(subject=member).values_list("kind", flat=True))
    assert {Activity.Kind.TWO_FACTOR_ENABLED, Activity.Kind.AUTHENTICATOR_ADDED} <= kinds
    assert Activity.Kind.BROWSER_TRUSTED in kinds


def test_qr_code_holds_the_same_key_as_the_manual_entry(wizard_client, member):
    page = go_to_scan(wizard_client).content.decode()
    uri = "otpauth://totp/AxurOne:alice@acme.test"
    device = Authenticator.objects.get(user=member)
    expected = totp.provisioning_uri(device.key, member.email)
    assert expected.startswith(uri)
    assert key_from_page(page) == device.key
    params = parse_qs(urlparse(expected).query)
    assert params["issuer"] == ["AxurOne"]
    assert unquote(urlparse(expected).path) == "/AxurOne:alice@acme.test"


def test_wrong_password_at_step_one_keeps_the_user_there(wizard_client):
    response = wizard_client.post(SETUP, {"password": "not mine"})
    assert response.status_code == 200
    assert "That is not your password" in response.content.decode()
    assert wizard_client.get(APP).url == SETUP


@pytest.mark.parametrize("step", [APP, SCAN, VERIFY, NAME])
def test_later_steps_cannot_be_reached_before_the_password(wizard_client, member, step):
    assert wizard_client.get(step).status_code == 302
    response = wizard_client.post(step, {"code": "123456", "name": "x"})
    assert response.status_code == 302
    assert response.url == SETUP
    assert not Authenticator.objects.filter(user=member).exists()


def test_code_step_cannot_be_posted_before_the_key_is_shown(wizard_client, member):
    wizard_client.post(SETUP, {"password": PASSWORD})
    wizard_client.post(APP)
    response = wizard_client.post(VERIFY, {"code": "123456"})
    assert response.url == SCAN
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


def test_naming_step_cannot_be_reached_before_a_correct_code(wizard_client, member):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    response = wizard_client.post(NAME, {"name": "Sneaky"})
    assert response.url == VERIFY
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


@pytest.mark.parametrize(
    "bad_code, message",
    [
        ("12345", "Enter the 6-digit code"),
        ("1234567", "Enter the 6-digit code"),
        ("abcdef", "Enter the 6-digit code"),
        ("9" * 500, "Enter the 6-digit code"),
        ("", "This field is required."),
    ],
    ids=["short", "long", "letters", "oversized", "empty"],
)
def test_malformed_codes_get_a_clear_message(wizard_client, member, bad_code, message):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    response = wizard_client.post(VERIFY, {"code": bad_code})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


def test_wrong_code_reminds_about_the_phone_clock(wizard_client, member):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    device = Authenticator.objects.get(user=member)
    wrong = code_for(device, offset_steps=5)
    response = wizard_client.post(VERIFY, {"code": wrong})
    assert "That code is not correct" in response.content.decode()
    assert "sets its date and time automatically" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_code_with_a_space_is_accepted(wizard_client, member, clock):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    code = code_for(Authenticator.objects.get(user=member))
    assert wizard_client.post(VERIFY, {"code": f"{code[:3]} {code[3:]}"}).url == NAME


def test_code_of_another_users_key_is_refused(wizard_client, member, manager, add_authenticator):
    other = add_authenticator(manager)
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    response = wizard_client.post(VERIFY, {"code": code_for(other)})
    assert response.status_code == 200
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


def qr_from_page(page: str) -> str:
    """The QR code's image as the page embeds it (a data: URI)."""
    return re.search(r'<img[^>]* src="(data:image/png;base64,[^"]+)"', page).group(1)


def test_reloading_the_qr_step_keeps_the_same_key_and_image(wizard_client, member):
    first = go_to_scan(wizard_client).content.decode()
    second = wizard_client.get(SCAN).content.decode()
    assert key_from_page(first) == key_from_page(second)
    assert Authenticator.objects.filter(user=member).count() == 1
    device = Authenticator.objects.get(user=member)
    image = qr.qr_png_data_uri(totp.provisioning_uri(device.key, member.email))
    assert qr_from_page(first) == qr_from_page(second) == image


def test_a_reload_of_the_qr_step_encodes_the_image_again(wizard_client, monkeypatch):
    """The image holds the key: nothing keeps it from one request to the next."""
    encoded = []
    encode = qr.png_of_matrix
    monkeypatch.setattr(qr, "png_of_matrix", lambda *a, **kw: encoded.append(a) or encode(*a, **kw))
    go_to_scan(wizard_client)
    wizard_client.get(SCAN)
    assert len(encoded) == 2


@needs_zbarimg
def test_the_qr_code_of_a_reload_scans_to_the_key_shown(wizard_client, member, tmp_path):
    go_to_scan(wizard_client)
    page = wizard_client.get(SCAN).content.decode()
    uri = totp.provisioning_uri(key_from_page(page), member.email)
    assert scanned(qr_from_page(page), tmp_path) == uri


def test_restarting_the_wizard_discards_the_abandoned_key(wizard_client, member):
    first = key_from_page(go_to_scan(wizard_client).content.decode())
    wizard_client.get(SETUP)
    second = key_from_page(go_to_scan(wizard_client).content.decode())
    assert first != second
    assert Authenticator.objects.filter(user=member).count() == 1
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()


def test_an_abandoned_wizard_leaves_no_active_device_and_still_forces_setup(client, member, clock):
    sign_in(client, member.email)
    go_to_scan(client)
    client.post(reverse("accounts:sign_out"))
    assert not Authenticator.objects.filter(user=member, confirmed=True).exists()
    response = sign_in(client, member.email)
    assert response.url.startswith(SETUP)


def test_steps_after_the_password_need_it_to_be_recent(wizard_client, member, clock):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    clock.shift(11 * 60)
    response = wizard_client.post(VERIFY, {"code": "123456"})
    assert response.url == SETUP
    assert wizard_client.get(SCAN).url == SETUP


def test_key_is_never_shown_again_after_the_code_step(wizard_client, member):
    page = go_to_scan(wizard_client).content.decode()
    key = key_from_page(page)
    wizard_client.post(SCAN)
    wizard_client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    base32 = totp.key_to_base32(key)
    grouped = totp.group_for_reading(base32)
    for url in (SCAN, VERIFY, SETUP, APP):
        response = wizard_client.get(url, follow=True)
        body = response.content.decode()
        assert base32 not in body and grouped not in body
    wizard_client.post(NAME, {"name": "Phone"})
    for url in (SCAN, reverse("accounts:preferences")):
        body = wizard_client.get(url, follow=True).content.decode()
        assert base32 not in body and grouped not in body


def test_no_step_of_the_wizard_is_cached(wizard_client, member):
    """Every step, the app and naming steps too: each carries the wizard's session state, and
    the scan step shows the key."""
    pages = [wizard_client.get(SETUP)]
    wizard_client.post(SETUP, {"password": PASSWORD})
    pages.append(wizard_client.get(APP))
    wizard_client.post(APP)
    pages.append(wizard_client.get(SCAN))
    key = key_from_page(pages[-1].content.decode())
    wizard_client.post(SCAN)
    pages.append(wizard_client.get(VERIFY))
    wizard_client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    pages.append(wizard_client.get(NAME))
    assert [page.status_code for page in pages] == [200] * 5
    assert all("no-store" in page["Cache-Control"] for page in pages)


def test_empty_device_name_is_refused(wizard_client, member):
    key = key_from_page(go_to_scan(wizard_client).content.decode())
    wizard_client.post(SCAN)
    wizard_client.post(VERIFY, {"code": totp.code_at(key, time.time())})
    response = wizard_client.post(NAME, {"name": "   "})
    assert response.status_code == 200
    assert "Give the device a name" in response.content.decode()
    response = wizard_client.post(NAME, {"name": "x" * 65})
    assert "at most 64 characters" in response.content.decode()


def test_setup_code_form_has_the_mobile_input_hints(wizard_client):
    go_to_scan(wizard_client)
    wizard_client.post(SCAN)
    page = wizard_client.get(VERIFY).content.decode()
    assert 'inputmode="numeric"' in page
    assert 'autocomplete="one-time-code"' in page
    assert "Authenticate" in page
    # The button is enabled in the HTML, so the form works without JavaScript.
    button = re.search(r"<button[^>]*data-code-submit[^>]*>", page).group(0)
    assert "disabled" not in button


def test_naming_at_the_end_of_setup_is_recorded_as_named_and_a_later_rename_as_renamed(
    wizard_client, member
):
    key = key_from_page(go_to_scan(wizard_client).content.decode())
    wizard_client.post(SCAN)
    wizard_client.post(VERIFY, {"code": totp.code_at(key, time.time())})

    wizard_client.post(NAME, {"name": "My personal phone"})

    device = Authenticator.objects.get(user=member)
    named = Activity.objects.filter(subject=member, kind=Activity.Kind.AUTHENTICATOR_NAMED)
    assert [record.detail["authenticator"] for record in named] == ["My personal phone"]
    assert not Activity.objects.filter(kind=Activity.Kind.AUTHENTICATOR_RENAMED).exists()

    # Renamed later, from Manage Access.
    wizard_client.post(reverse("twofactor:rename_authenticator", args=[device.pk]), {"name": "Old"})

    renamed = Activity.objects.get(subject=member, kind=Activity.Kind.AUTHENTICATOR_RENAMED)
    assert renamed.detail == {"authenticator": "Old", "previous": "My personal phone"}
    assert named.count() == 1
