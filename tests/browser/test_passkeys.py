"""Passkeys and security keys from end to end, with Chromium's virtual authenticator: added
from Manage Access and named; on another browser (its authenticator holding the same
credential) "Use a passkey or security key" passes the code step after the password; a prompt
that finds no passkey says so in the page and leaves the code field usable; the passkey is
removed from Manage Access after "Confirm it's you" with the passkey itself."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from twofactor.models import Passkey

from .pages import (
    allow_another_code,
    check,
    code_now,
    enter_code,
    follow,
    heading,
    sign_in,
    sign_in_with_code,
    sign_out,
    submit,
    take_screenshot,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSKEY_KIND = "Passkey or security key"
NAME = "MacBook Touch ID"
# A passkey on the computer itself, unlocked by its owner (fingerprint, face or PIN), that
# answers every prompt as if touched.
PLATFORM_AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
    "automaticPresenceSimulation": True,
}


class VirtualAuthenticator:
    """Chromium's virtual authenticator in one page (its DevTools session), in place of the
    computer's fingerprint reader or a security key."""

    def __init__(self, page: Page):
        self.session = page.context.new_cdp_session(page)
        self.session.send("WebAuthn.enable", {"enableUI": False})
        self.id = self.session.send(
            "WebAuthn.addVirtualAuthenticator", {"options": PLATFORM_AUTHENTICATOR}
        )["authenticatorId"]

    def credentials(self) -> list[dict]:
        return self.session.send("WebAuthn.getCredentials", {"authenticatorId": self.id})[
            "credentials"
        ]

    def add(self, credential: dict) -> None:
        self.session.send(
            "WebAuthn.addCredential", {"authenticatorId": self.id, "credential": credential}
        )


def authenticator_row(page: Page, name: str):
    return page.get_by_role("row").filter(has=page.get_by_role("cell", name=name, exact=True))


def confirm_it_is_you(page: Page, app) -> None:
    """The step-up before a change of authenticators: the password and the app's code, each
    asked only if it was not passed in the last minutes."""
    if page.get_by_role("heading", level=1, name="Confirm your password").count():
        page.get_by_label("Password").fill(PASSWORD)
        submit(page, "Continue")
    if page.get_by_role("heading", level=1, name="Confirm it’s you").count():
        allow_another_code(app)
        enter_code(page, code_now(app.key))


def use_passkey(page: Page, *, screenshot: str | None = None) -> None:
    """Press "Use a passkey or security key" and follow the page the portal opens after it."""
    with page.expect_navigation():
        page.get_by_role("button", name="Use a passkey or security key", exact=True).click()
    check(page, screenshot=screenshot)


def test_a_passkey_is_added_signs_in_another_browser_and_is_removed(
    open_browser, member, add_authenticator
):
    app = add_authenticator(member, name="Alice's phone")

    # 1. Added from Manage Access, right after a sign-in with a code (nothing more to confirm).
    laptop = open_browser()
    sign_in_with_code(laptop, member.email, app)
    heading(laptop, "My Preferences")
    follow(laptop, "Manage Access")
    follow(laptop, "Add a passkey or security key")
    confirm_it_is_you(laptop, app)
    heading(laptop, "Add a passkey or security key")
    touch_id = VirtualAuthenticator(laptop)
    take_screenshot(laptop, "passkey-add")
    submit(laptop, "Add a passkey or security key", screenshot="passkey-name")
    heading(laptop, "Name your passkey or security key")
    laptop.get_by_label("Name", exact=True).fill(NAME)
    submit(laptop, "Save")
    heading(laptop, "Manage Access")
    expect(laptop.get_by_role("status")).to_contain_text(f"“{NAME}” was added")
    row = authenticator_row(laptop, NAME)
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell", name=PASSKEY_KIND, exact=True)).to_be_visible()
    take_screenshot(laptop, "manage-access-passkey")
    [credential] = touch_id.credentials()
    sign_out(laptop)

    # 2. Another browser, not trusted: the password, then the passkey in place of a code.
    other = open_browser()
    VirtualAuthenticator(other).add(credential)
    visit(other, "/")
    sign_in(other, member.email)
    heading(other, "Two-factor authentication")
    expect(other.get_by_label("Security code")).to_be_empty()
    take_screenshot(other, "code-page-passkey")
    use_passkey(other)
    heading(other, "My Preferences")
    follow(other, "Manage Access")
    last_used = authenticator_row(other, NAME).get_by_role("cell").nth(3)
    expect(last_used).not_to_have_text("Never")
    browsers = other.get_by_role("row").filter(has=other.get_by_role("button", name="Revoke"))
    expect(browsers.filter(has_text="This browser")).to_have_count(1)

    # 3. A browser whose authenticator holds no passkey of this person: the prompt fails, the
    # page says so, and the app's code still signs in.
    third = open_browser()
    VirtualAuthenticator(third)
    visit(third, "/")
    sign_in(third, member.email)
    heading(third, "Two-factor authentication")
    third.get_by_role("button", name="Use a passkey or security key", exact=True).click()
    status = third.locator("[data-passkey]").get_by_role("status")
    expect(status).to_have_text(
        "The prompt was closed before your passkey or security key answered. Try again, "
        "or use another way on this page."
    )
    field = third.get_by_label("Security code")
    expect(field).to_be_focused()
    expect(field).to_be_editable()
    expect(third.get_by_role("button", name="Use a passkey or security key")).to_be_enabled()
    check(third, screenshot="code-page-passkey-cancelled")
    assert urlsplit(third.url).path == "/2fa/code/"
    allow_another_code(app)
    enter_code(third, code_now(app.key))
    heading(third, "My Preferences")

    # 4. Removed from Manage Access. This browser is trusted now, so its next sign-in passes
    # no second factor: the removal asks for the password and then the passkey itself.
    sign_out(other)
    sign_in(other, member.email)
    heading(other, "My Preferences")
    follow(other, "Manage Access")
    row = authenticator_row(other, NAME)
    follow(other, row.get_by_role("link", name=f"Remove {NAME}"))
    heading(other, "Confirm your password")
    other.get_by_label("Password").fill(PASSWORD)
    submit(other, "Continue")
    heading(other, "Confirm it’s you")
    take_screenshot(other, "step-up-passkey")
    use_passkey(other)
    heading(other, f"Remove “{NAME}”?")
    submit(other, "Remove")
    expect(other.get_by_role("status")).to_contain_text("The authenticator was removed")
    expect(authenticator_row(other, NAME)).to_have_count(0)
    expect(authenticator_row(other, "Alice's phone")).to_have_count(1)
    assert not Passkey.objects.filter(user=member).exists()
