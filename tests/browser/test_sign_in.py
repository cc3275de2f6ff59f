"""Signing in: a trusted browser needs only the password, a new one a code; the code form's
hint, its button, and the form without JavaScript."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .pages import (
    allow_another_code,
    check,
    code_now,
    enter_code,
    heading,
    save_recovery_codes,
    set_up_with_manual_key,
    sign_in,
    sign_out,
    submit,
    visit,
    wrong_code,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REVOKE_ONE = re.compile(r"^Revoke (?!all other browsers$)")  # "Revoke <browser>"
CLOCK_HINT = "Check that your phone sets its date and time automatically"


@pytest.fixture
def device(member, add_authenticator):
    return add_authenticator(member, name="Alice's phone")


def test_the_browser_that_set_up_2fa_signs_in_again_with_the_password_only(open_browser, member):
    page = open_browser()
    visit(page, "/")
    sign_in(page, member.email)
    set_up_with_manual_key(page)
    save_recovery_codes(page)
    heading(page, "My Preferences")
    sign_out(page)

    sign_in(page, member.email)

    heading(page, "My Preferences")
    expect(page.get_by_role("link", name="My Preferences")).to_be_visible()


def test_another_browser_is_asked_for_a_code(open_browser, member):
    first = open_browser()
    visit(first, "/")
    sign_in(first, member.email)
    key = set_up_with_manual_key(first)

    second = open_browser()  # another device
    visit(second, "/2fa/manage/")
    sign_in(second, member.email)
    heading(second, "Two-factor authentication")
    expect(second.get_by_role("link", name="Lost your phone?")).to_be_visible()
    check(second, screenshot="code-page")
    allow_another_code(member.authenticator_set.get())
    enter_code(second, code_now(key))

    assert urlsplit(second.url).path == "/2fa/manage/"
    heading(second, "Manage Access")
    expect(second.get_by_text("This browser", exact=True)).to_have_count(1)
    expect(second.get_by_role("button", name=REVOKE_ONE)).to_have_count(2)  # two browsers


def test_a_wrong_code_shows_the_clock_hint(open_browser, member, device):
    page = open_browser()
    visit(page, "/")
    sign_in(page, member.email)

    enter_code(page, wrong_code(device.key), screenshot="code-page-wrong-code")

    heading(page, "Two-factor authentication")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(CLOCK_HINT)
    field = page.get_by_label("Security code")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(CLOCK_HINT))
    expect(field).to_be_focused()


def test_authenticate_is_enabled_only_at_six_digits(open_browser, member, device):
    page = open_browser()
    visit(page, "/")
    sign_in(page, member.email)
    field = page.get_by_label("Security code")
    button = page.get_by_role("button", name="Authenticate")
    expect(button).to_be_disabled()

    code = code_now(device.key)
    for digit in code[:5]:
        field.press_sequentially(digit)
        expect(button).to_be_disabled()
    field.press_sequentially(code[5])
    expect(button).to_be_enabled()
    field.press("Backspace")
    expect(button).to_be_disabled()
    field.fill(f"{code[:3]} {code[3:]}")  # as the app shows it
    expect(button).to_be_enabled()

    submit(page, "Authenticate")
    heading(page, "My Preferences")


def test_the_code_form_works_without_javascript(open_browser, member, device):
    page = open_browser(javascript=False)
    visit(page, "/preferences/")
    sign_in(page, member.email)
    heading(page, "Two-factor authentication")
    expect(page.get_by_role("button", name="Authenticate")).to_be_enabled()

    enter_code(page, code_now(device.key))

    heading(page, "My Preferences")
