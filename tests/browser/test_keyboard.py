"""Keyboard only: the setup wizard and signing in complete with Tab, typing and Enter alone, the
activity log's "Download CSV" is reached and used with them, and the focused control always
shows a visible focus indicator."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD

from .pages import (
    allow_another_code,
    check,
    code_now,
    heading,
    key_from_text,
    sign_in_with_code,
    visit,
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


def test_the_activity_download_is_reached_and_used_with_the_keyboard(
    open_browser, manager, manager_device
):
    page = open_browser()
    sign_in_with_code(page, manager.email, manager_device, start="/team/activity/")
    heading(page, "Team activity")

    type_into(page, page.get_by_label("Person (email)"), manager.email)
    press_enter_and_check(page)  # the filter form, sent from its field
    download = page.get_by_role("link", name="Download CSV")
    tab_to(page, download)
    with page.expect_download() as started:
        page.keyboard.press("Enter")

    assert started.value.suggested_filename.startswith("team-activity-")
    assert urlsplit(page.url).path == "/team/activity/"  # the page stays
