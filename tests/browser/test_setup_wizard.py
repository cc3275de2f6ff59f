"""A new Member is forced into the setup wizard and comes out where they were going (rules 1, 2
and 4), reading the key from "Set up manually" or from the QR code; moving back keeps the key;
"Copy key" and "Open in authenticator app"; adding another authenticator."""

import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from twofactor import totp
from twofactor.models import Authenticator

from .pages import (
    check,
    code_now,
    decode_qr,
    enter_code,
    follow,
    heading,
    key_from_text,
    save_recovery_codes,
    set_up_with_manual_key,
    sign_in,
    sign_in_with_code,
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


def own_images_only(page) -> None:
    """Every image of the page comes from the portal itself or is a data: URI."""
    sources = page.evaluate("() => Array.from(document.images, image => image.currentSrc)")
    origin = page.evaluate("() => location.origin")
    assert sources
    assert all(src.startswith((origin + "/", "data:image/")) for src in sources), sources


def to_the_qr_step(page, email: str) -> None:
    visit(page, "/preferences/")
    sign_in(page, email)
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Continue")
    heading(page, "Install an authenticator app")
    own_images_only(page)
    submit(page, "Continue")
    heading(page, "Scan the QR code")
    own_images_only(page)


def qr_code_of(page) -> str:
    return decode_qr(page.get_by_role("img", name=re.compile(r"^QR code")).screenshot())


def test_back_from_the_qr_code_and_forth_again_shows_the_same_key(open_browser, member, viewport):
    page = open_browser()
    to_the_qr_step(page, member.email)
    expect(page.get_by_text("Step 3 of 5")).to_be_visible()
    steps = page.get_by_role("list", name="Steps of the setup")
    expect(steps.locator("[aria-current=step]")).to_have_text("Scan")
    uri = qr_code_of(page)

    # On a phone the app can take the entry from a link: the QR code's URI itself.
    open_in_app = page.locator('a[href^="otpauth:"]')
    assert open_in_app.get_attribute("href") == uri
    if viewport == "phone":
        expect(page.get_by_role("link", name="Open in authenticator app")).to_be_visible()
    else:
        expect(open_in_app).to_be_hidden()

    follow(page, "Back")
    heading(page, "Install an authenticator app")
    submit(page, "Continue")
    assert qr_code_of(page) == uri

    # Back twice, to the password, and on again: still the same key.
    follow(page, "Back")
    follow(page, "Back")
    heading(page, "Confirm your password")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Continue")
    submit(page, "Continue")
    assert qr_code_of(page) == uri
    page.get_by_text("Set up manually").click()
    key = key_from_text(page.locator("code").inner_text())
    assert parse_qs(urlsplit(uri).query)["secret"] == [totp.key_to_base32(key)]
    check(page)
    submit(page, "Continue")
    enter_code(page, code_now(key))
    heading(page, "Name this device")
    own_images_only(page)
    assert Authenticator.objects.get(user=member, confirmed=True).key == key


def test_copy_key_puts_the_key_on_the_clipboard_and_says_so(open_browser, member, live_server):
    page = open_browser()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    to_the_qr_step(page, member.email)
    page.get_by_text("Set up manually").click()
    key = key_from_text(page.locator("code").inner_text())

    page.get_by_role("button", name="Copy key").click()

    expect(page.get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == totp.key_to_base32(key)
    check(page)


def test_without_javascript_copy_key_is_not_offered(open_browser, member):
    page = open_browser(javascript=False)
    to_the_qr_step(page, member.email)
    page.get_by_text("Set up manually").click()
    expect(page.locator("code")).to_be_visible()
    expect(page.get_by_role("button", name="Copy key")).to_have_count(0)
    check(page)


def test_no_group_of_the_key_is_split_across_lines(open_browser, member, viewport):
    page = open_browser()
    to_the_qr_step(page, member.email)
    page.get_by_text("Set up manually").click()
    groups = page.locator(".manual__group")
    expect(groups).to_have_count(8)
    boxes = groups.evaluate_all(
        """groups => groups.map(group => {
            const lines = group.getClientRects();
            return {lines: lines.length, top: lines[0].top, height: lines[0].height};
        })"""
    )
    line_height = boxes[0]["height"]
    assert all(box["lines"] == 1 and box["height"] == line_height for box in boxes), boxes
    if viewport == "phone":  # too long for one line there: it wraps, between groups only
        assert len({box["top"] for box in boxes}) > 1, boxes


def test_adding_another_authenticator_asks_only_to_open_the_app(
    open_browser, member, add_authenticator
):
    old = add_authenticator(member, name="Old phone")
    page = open_browser()
    sign_in_with_code(page, member.email, old)
    visit(page, "/2fa/manage/")
    follow(page, "Add another authenticator")
    heading(page, "Confirm your password")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Continue")

    heading(page, "Open your authenticator app")
    expect(page.get_by_text("Open your authenticator app and add a new entry.")).to_be_visible()
    expect(page.get_by_text("Step 2 of 5")).to_be_visible()
    steps = page.get_by_role("list", name="Steps of the setup")
    expect(steps.locator("[aria-current=step]")).to_have_text("Open app")
    expect(page.get_by_role("heading", name="Google Authenticator")).to_be_hidden()
    page.get_by_text("Setting up a new phone? Install an app").click()
    badge = page.get_by_role("link", name="Get it on Google Play (Google Authenticator)")
    expect(badge).to_be_visible()
    check(page)
    own_images_only(page)
    submit(page, "Continue")

    heading(page, "Scan the QR code")
    page.get_by_text("Set up manually").click()
    key = key_from_text(page.locator("code").inner_text())
    check(page)
    submit(page, "Continue")
    enter_code(page, code_now(key))
    page.get_by_label("Device name").fill("New phone")
    submit(page, "Done")
    heading(page, "Manage Access")
    expect(page.get_by_role("cell", name="New phone", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Old phone", exact=True)).to_be_visible()
