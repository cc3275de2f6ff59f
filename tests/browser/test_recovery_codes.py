"""Recovery codes from end to end: the first setup shows them and "Download" saves them; on
another device one of them, typed as a person might, signs in once in place of the app's code,
and the same code is refused after that."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .pages import (
    check,
    enter_recovery_code,
    follow,
    heading,
    recovery_codes_shown,
    set_up_with_manual_key,
    sign_in,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECOVERY_CODE_PATH = "/2fa/code/recovery/"


def sign_in_to_the_recovery_code_page(page, email, *, screenshot=None):
    """A browser not trusted yet: the password, then "Use a recovery code" on the code page."""
    visit(page, "/")
    sign_in(page, email)
    heading(page, "Two-factor authentication")
    follow(page, "Use a recovery code", screenshot=screenshot)
    assert urlsplit(page.url).path == RECOVERY_CODE_PATH


def test_a_downloaded_recovery_code_signs_in_on_another_device_once(open_browser, member, tmp_path):
    first = open_browser()
    visit(first, "/")
    sign_in(first, member.email)
    set_up_with_manual_key(first)
    check(first, screenshot="recovery-codes")
    shown = recovery_codes_shown(first)
    assert len(shown) == 10
    assert len(set(shown)) == 10

    with first.expect_download() as download:
        first.get_by_role("link", name="Download", exact=True).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert [line for line in saved.read_text().splitlines() if line in shown] == shown

    follow(first, "I have saved them")
    heading(first, "My Preferences")

    # Another device: one of the saved codes, typed in upper case and without its dash.
    second = open_browser()
    sign_in_to_the_recovery_code_page(second, member.email, screenshot="recovery-code-page")
    typed = shown[3].replace("-", "").upper()
    assert typed != shown[3]
    enter_recovery_code(second, typed)
    heading(second, "My Preferences")
    expect(second.get_by_role("button", name="Sign out", exact=True)).to_be_visible()

    # A third device with the same code, typed as shown: refused, still the recovery code page.
    third = open_browser()
    sign_in_to_the_recovery_code_page(third, member.email)
    enter_recovery_code(third, shown[3], screenshot="recovery-code-page-used-code")
    assert urlsplit(third.url).path == RECOVERY_CODE_PATH
    heading(third, "Two-factor authentication")
    expect(third.get_by_role("alert")).to_contain_text("That recovery code has already been used")
    field = third.get_by_label("Recovery code")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
