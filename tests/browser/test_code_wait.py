"""The code page's back-off in the browser: the button waits with a countdown, the field is
empty and focused after an error, and without JavaScript the message alone tells, while the
server refuses early codes all the same. The page's time is Playwright's clock, which stands
still (its timers run) until the test sets it later."""

import time

import pytest
from playwright.sync_api import expect

from tests.conftest import lock_code_entry

from .pages import (
    allow_another_code,
    check,
    code_now,
    enter_code,
    heading,
    let_the_back_off_pass,
    sign_in,
    submit,
    visit,
    wrong_code,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def device(member, add_authenticator):
    return add_authenticator(member, name="Alice's phone")


def test_the_button_waits_out_the_back_off_with_a_countdown(open_browser, member, device):
    page = open_browser()
    visit(page, "/")
    sign_in(page, member.email)
    heading(page, "Two-factor authentication")
    lock_code_entry(member, failures=5)  # a back-off of 16 seconds from now
    now = time.time()
    page.clock.set_fixed_time(now)

    enter_code(page, code_now(device.key), screenshot="code-page-wait")

    field = page.get_by_label("Security code")
    button = page.get_by_role("button", name="Authenticate")
    wait = int(field.get_attribute("data-wait-seconds"))  # what was left at the server
    assert 14 <= wait <= 16
    expect(page.get_by_role("alert")).to_contain_text(
        f"Too many wrong codes. Wait {wait} seconds, then try again."
    )
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    expect(button).to_be_disabled()
    countdown = button.locator("[data-countdown]")
    expect(countdown).to_have_text(f"0:{wait}")
    expect(button).to_have_accessible_name("Authenticate")  # the alert says the wait in words

    allow_another_code(device)
    field.fill(code_now(device.key))
    page.clock.set_fixed_time(now + wait - 6)
    expect(countdown).to_have_text("0:06")
    expect(button).to_be_disabled()  # six digits, but the wait is not over
    page.clock.set_fixed_time(now + wait)
    expect(countdown).to_have_count(0)
    expect(button).to_be_enabled()
    check(page)

    let_the_back_off_pass(member, 16)
    submit(page, "Authenticate")
    heading(page, "My Preferences")


def test_a_wrong_code_waits_a_moment_then_the_field_takes_the_next(open_browser, member, device):
    page = open_browser()
    visit(page, "/")
    sign_in(page, member.email)
    now = time.time()
    page.clock.set_fixed_time(now)

    enter_code(page, wrong_code(device.key))

    field = page.get_by_label("Security code")
    button = page.get_by_role("button", name="Authenticate")
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    field.fill(code_now(device.key))
    expect(button).to_be_disabled()
    expect(button.locator("[data-countdown]")).to_have_text("0:01")
    page.clock.set_fixed_time(now + 1)
    expect(button).to_be_enabled()

    let_the_back_off_pass(member, 1)
    submit(page, "Authenticate")
    heading(page, "My Preferences")


def test_without_javascript_the_message_tells_and_the_server_refuses(open_browser, member, device):
    page = open_browser(javascript=False)
    visit(page, "/")
    sign_in(page, member.email)
    lock_code_entry(member, failures=5)

    enter_code(page, code_now(device.key))

    expect(page.get_by_role("alert")).to_contain_text("Wait 16 seconds, then try again.")
    button = page.get_by_role("button", name="Authenticate")
    expect(button).to_be_enabled()
    expect(button.locator("[data-countdown]")).to_have_count(0)
    enter_code(page, code_now(device.key))  # too early: refused again, unchecked
    expect(page.get_by_role("alert")).to_contain_text("Too many wrong codes.")
    heading(page, "Two-factor authentication")

    let_the_back_off_pass(member, 16)
    allow_another_code(device)
    enter_code(page, code_now(device.key))
    heading(page, "My Preferences")
