"""Keyboard only: the setup wizard and signing in complete with Tab, typing and Enter alone (the
wizard's Back, Copy key and Open in authenticator app included), the activity log's "Download CSV"
is reached and used with them, and the focused control always shows a visible focus indicator."""

import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD
from twofactor import totp

from .pages import (
    allow_another_code,
    check,
    code_now,
    heading,
    key_from_text,
    let_the_back_off_pass,
    sign_in_with_code,
    visit,
    wrong_code,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page: Page, target: Locator, *, limit: int = 25) -> None:
    """Press Tab until ``target`` has the focus (or it has it already, by autofocus)."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            assert_focus_is_visible(page)
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def assert_focus_is_visible(page: Page) -> None:
    style = page.evaluate(
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            return {
                visible: element.matches(":focus-visible"),
                outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
                ring: style.boxShadow !== "none",
            };
        }"""
    )
    assert style["visible"] and (style["outline"] or style["ring"]), style


def press_enter_and_check(page: Page) -> None:
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check(page)


def type_into(page: Page, field: Locator, text: str) -> None:
    tab_to(page, field)
    page.keyboard.type(text)


def sign_in_by_keyboard(page: Page, email: str) -> None:
    heading(page, "Sign in")
    type_into(page, page.get_by_label("Email"), email)
    type_into(page, page.get_by_label("Password"), PASSWORD)
    press_enter_and_check(page)


def test_the_wizard_and_sign_in_complete_with_the_keyboard_alone(open_browser, member):
    page = open_browser()
    visit(page, "/2fa/manage/")
    sign_in_by_keyboard(page, member.email)

    heading(page, "Confirm your password")  # step 1
    type_into(page, page.get_by_label("Password"), PASSWORD)
    press_enter_and_check(page)

    heading(page, "Install an authenticator app")  # step 2
    tab_to(page, page.get_by_role("button", name="Continue"))
    press_enter_and_check(page)

    heading(page, "Scan the QR code")  # step 3
    tab_to(page, page.get_by_text("Set up manually"))
    page.keyboard.press("Enter")
    key = page.locator("code")
    expect(key).to_be_visible()
    check(page)
    secret = key_from_text(key.inner_text())
    tab_to(page, page.get_by_role("button", name="Continue"))
    press_enter_and_check(page)

    heading(page, "Enter the code")  # step 4
    type_into(page, page.get_by_label("Security code"), code_now(secret))
    press_enter_and_check(page)

    heading(page, "Name this device")  # step 5
    type_into(page, page.get_by_label("Device name"), "My personal phone")
    press_enter_and_check(page)

    heading(page, "Recovery codes")  # the first setup's codes
    tab_to(page, page.get_by_role("link", name="I have saved them"))
    press_enter_and_check(page)

    heading(page, "Manage Access")
    assert urlsplit(page.url).path == "/2fa/manage/"

    # Signing in on another device, with a code, by keyboard too.
    other = open_browser()
    visit(other, "/")
    sign_in_by_keyboard(other, member.email)
    heading(other, "Two-factor authentication")
    allow_another_code(member.authenticator_set.get())
    type_into(other, other.get_by_label("Security code"), code_now(secret))
    press_enter_and_check(other)
    heading(other, "My Preferences")


def test_the_skip_link_is_the_first_stop_and_leads_to_the_content(
    open_browser, member, add_authenticator
):
    page = open_browser()
    sign_in_with_code(page, member.email, add_authenticator(member))
    heading(page, "My Preferences")

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert_focus_is_visible(page)
    page.keyboard.press("Enter")
    assert page.url.endswith("/preferences/#main")
    check(page)


def test_the_footer_language_picker_works_with_the_keyboard_alone(open_browser):
    page = open_browser()
    visit(page, "/")
    heading(page, "Sign in")
    picker = page.get_by_label("Language")
    tab_to(page, picker)
    page.keyboard.press("ArrowDown")  # the next language: Português (Brasil)
    expect(picker).to_have_value("pt-br")
    tab_to(page, page.get_by_role("button", name="Change"))
    press_enter_and_check(page)

    heading(page, "Entrar")
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    expect(page.get_by_label("Idioma")).to_have_value("pt-br")
    expect(page.get_by_label("Idioma").locator("option:checked")).to_have_text("Português (Brasil)")


def test_the_wizards_back_copy_key_and_open_in_app_are_reached_by_keyboard(
    open_browser, member, live_server, viewport
):
    page = open_browser()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    visit(page, "/preferences/")
    sign_in_by_keyboard(page, member.email)
    type_into(page, page.get_by_label("Password"), PASSWORD)
    press_enter_and_check(page)

    heading(page, "Install an authenticator app")
    tab_to(page, page.get_by_role("link", name="Back"))
    press_enter_and_check(page)
    heading(page, "Confirm your password")
    type_into(page, page.get_by_label("Password"), PASSWORD)
    press_enter_and_check(page)
    tab_to(page, page.get_by_role("button", name="Continue"))
    press_enter_and_check(page)

    heading(page, "Scan the QR code")
    open_in_app = page.get_by_role("link", name="Open in authenticator app")
    if viewport == "phone":
        tab_to(page, open_in_app)  # not followed: no app here takes otpauth: links
    else:
        expect(open_in_app).to_be_hidden()
    tab_to(page, page.get_by_text("Set up manually"))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("button", name="Copy key"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Copied")
    key = key_from_text(page.locator("code").inner_text())
    assert page.evaluate("() => navigator.clipboard.readText()") == totp.key_to_base32(key)
    check(page)
    tab_to(page, page.get_by_role("link", name="Back"))
    press_enter_and_check(page)
    heading(page, "Install an authenticator app")


def test_a_teammates_reset_and_its_steps_are_reached_with_the_keyboard(
    open_browser, manager, manager_device, member, member_device
):
    """My Team's "Reset 2FA" row action, then the confirmation's disclosure of the app's steps,
    by Tab and Enter alone."""
    page = open_browser()
    sign_in_with_code(page, manager.email, manager_device, start="/team/")
    heading(page, "My Team")
    row = page.get_by_role("row").filter(has_text=member.email)
    tab_to(page, row.get_by_role("link", name="Reset 2FA"), limit=40)
    press_enter_and_check(page)

    heading(page, "Confirm your password")  # recent authentication
    type_into(page, page.get_by_label("Password"), PASSWORD)
    press_enter_and_check(page)

    heading(page, f"Reset 2FA of {member.get_full_name()}?")
    steps = page.get_by_text("On Android", exact=True)
    expect(steps).to_be_hidden()
    tab_to(page, page.get_by_text("How to remove an entry, on Android and on iPhone"))
    page.keyboard.press("Enter")
    expect(steps).to_be_visible()
    check(page)
    tab_to(page, page.get_by_role("button", name="Reset 2FA"))


def test_after_a_wrong_password_or_code_the_keyboard_goes_on_in_the_field(
    open_browser, member, add_authenticator
):
    device = add_authenticator(member)
    page = open_browser()
    visit(page, "/")
    heading(page, "Sign in")
    type_into(page, page.get_by_label("Email"), member.email)
    type_into(page, page.get_by_label("Password"), "not the password")
    press_enter_and_check(page)

    password = page.get_by_label("Password")
    expect(password).to_be_focused()  # the email stays as typed
    page.keyboard.type(PASSWORD)
    press_enter_and_check(page)

    heading(page, "Two-factor authentication")
    now = time.time()
    page.clock.set_fixed_time(now)
    type_into(page, page.get_by_label("Security code"), wrong_code(device.key))
    press_enter_and_check(page)

    field = page.get_by_label("Security code")
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    page.keyboard.type(code_now(device.key))
    button = page.get_by_role("button", name="Authenticate")
    expect(button).to_be_disabled()  # the back-off's moment
    page.clock.set_fixed_time(now + 1)
    expect(button).to_be_enabled()
    let_the_back_off_pass(member, 1)
    press_enter_and_check(page)
    heading(page, "My Preferences")


def test_the_reset_section_of_my_preferences_is_reached_by_keyboard(
    open_browser, member, manager, add_authenticator
):
    page = open_browser()
    sign_in_with_code(page, manager.email, add_authenticator(manager))
    heading(page, "My Preferences")
    tab_to(page, page.get_by_role("link", name="Reset", exact=True))
    press_enter_and_check(page)
    assert urlsplit(page.url).path != "/preferences/"

    other = open_browser()
    sign_in_with_code(other, member.email, add_authenticator(member))
    heading(other, "My Preferences")
    tab_to(other, other.get_by_role("button", name="Request a reset"))
    press_enter_and_check(other)
    expect(other.get_by_role("region", name="Lost or replaced phone")).to_contain_text(
        "it is pending"
    )


def test_the_activity_download_is_reached_and_used_with_the_keyboard(
    open_browser, manager, manager_device
):
    page = open_browser()
    sign_in_with_code(page, manager.email, manager_device, start="/team/activity/")
    heading(page, "Team activity")

    type_into(page, page.get_by_label("Person (email)"), manager.email)
    press_enter_and_check(page)  # the filter form, sent from its field
    download = page.get_by_role("button", name="Download CSV")
    tab_to(page, download)
    with page.expect_download() as started:
        page.keyboard.press("Enter")

    assert started.value.suggested_filename.startswith("team-activity-")
    assert urlsplit(page.url).path == "/team/activity/"  # the page stays
