"""A new Member is forced into the setup wizard and comes out where they were going (rules 1, 2
and 4), reading the key from "Set up manually" or from the QR code."""

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from playwright.sync_api import expect

from twofactor.models import Authenticator

from .pages import (
    check,
    code_now,
    decode_qr,
    enter_code,
    heading,
    key_from_text,
    save_recovery_codes,
    set_up_with_manual_key,
    sign_in,
    submit,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_new_member_sets_up_with_the_manual_key_and_lands_where_they_wanted(open_browser, member):
    page = open_browser()
    visit(page, "/2fa/manage/")  # where they want to go
    sign_in(page, member.email)
    assert urlsplit(page.url).path == "/2fa/setup/"

    # Forced: no other page opens until setup is done.
    for path in ("/2fa/manage/", "/preferences/", "/2fa/manage/"):
        visit(page, path)
        assert urlsplit(page.url).path == "/2fa/setup/"
    heading(page, "Confirm your password")

    key = set_up_with_manual_key(page, screenshots=True)
    expect(page.locator(".messages")).to_contain_text("Two-factor authentication is on.")
    save_recovery_codes(page)

    assert urlsplit(page.url).path == "/2fa/manage/"
    heading(page, "Manage Access")
    expect(page.get_by_role("cell", name="My personal phone", exact=True)).to_be_visible()
    device = Authenticator.objects.get(user=member, confirmed=True)
    assert device.key == key


def test_new_member_sets_up_by_scanning_the_qr_code(open_browser, member):
    page = open_browser()
    visit(page, "/preferences/")
    sign_in(page, member.email)
    page.get_by_label("Password").fill("correct horse battery staple")
    submit(page, "Continue")
    submit(page, "Continue")
    heading(page, "Scan the QR code")

    qr = page.get_by_role("img", name=re.compile(r"^QR code"))
    expect(qr).to_have_attribute("alt", f"QR code to add {member.email} to your authenticator app")
    uri = decode_qr(qr.screenshot())
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == f"/AxurOne:{member.email}"
    query = parse_qs(parts.query)
    assert query["issuer"] == ["AxurOne"]
    key = key_from_text(query["secret"][0])
    # The same key as the one written out for typing by hand.
    page.get_by_text("Set up manually").click()
    assert key_from_text(page.locator("code").inner_text()) == key
    check(page)

    submit(page, "Continue")
    enter_code(page, code_now(key))
    heading(page, "Name this device")
    page.get_by_label("Device name").fill("Work phone")
    submit(page, "Done")
    save_recovery_codes(page)
    heading(page, "My Preferences")
    expect(page.get_by_text(re.compile(r"^On since"))).to_be_visible()
    assert Authenticator.objects.get(user=member, confirmed=True).name == "Work phone"
