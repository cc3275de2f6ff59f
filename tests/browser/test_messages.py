"""The messages after actions as a person sees them, and the pages they appear on checked at
both widths: signing out, a pending reset request on "Lost your phone?" and My Preferences,
the reset's own section for Managers, and Manage Access with one trusted browser."""

import re

import pytest
from playwright.sync_api import expect

from .pages import (
    check,
    follow,
    heading,
    sign_in,
    sign_in_with_code,
    sign_out,
    submit,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def device(member, add_authenticator):
    return add_authenticator(member, name="Alice's phone")


def test_sign_out_says_so(open_browser, member, device):
    page = open_browser()
    sign_in_with_code(page, member.email, device)
    sign_out(page)
    expect(page.get_by_role("status")).to_have_text("You are signed out.")


def test_a_wrong_password_leaves_the_email_and_focuses_the_password(open_browser, member):
    page = open_browser()
    visit(page, "/")
    sign_in(page, member.email, "not the password")
    heading(page, "Sign in")
    expect(page.get_by_label("Email")).to_have_value(member.email)
    expect(page.get_by_label("Password")).to_be_focused()
    expect(page.get_by_label("Password")).to_have_value("")


def test_a_members_reset_request_is_said_pending_everywhere(open_browser, member, device, manager):
    page = open_browser()
    sign_in_with_code(page, member.email, device)
    heading(page, "My Preferences")
    section = page.get_by_role("region", name="Lost or replaced phone")
    submit(page, section.get_by_role("button", name="Request a reset"))
    expect(page.get_by_role("status").first).to_contain_text("Your request was sent")
    expect(section).to_contain_text("it is pending and the Managers of your team have been told")
    expect(section.get_by_role("button", name="Request a reset")).to_have_count(0)

    other = open_browser()  # another browser, at the code step: the phone is gone
    visit(other, "/")
    sign_in(other, member.email)
    follow(other, "Lost your phone?")
    heading(other, "Lost your phone?")
    expect(other.get_by_text("it is pending and the Managers of your team")).to_be_visible()
    expect(other.get_by_role("button", name="Ask my Managers for a reset")).to_have_count(0)


def test_a_managers_reset_has_its_own_quiet_section(open_browser, manager, manager_device):
    page = open_browser()
    sign_in_with_code(page, manager.email, manager_device)
    heading(page, "My Preferences")
    check(page, screenshot="preferences-manager")
    section = page.get_by_role("region", name="Lost or replaced phone")
    expect(section).to_contain_text("A reset removes your authenticators")
    reset = section.get_by_role("link", name="Reset", exact=True)
    expect(reset).to_be_visible()
    expect(reset).not_to_have_class(re.compile(r"\bbutton--danger\b"))
    expect(page.get_by_role("link", name="Manage Access")).to_be_visible()


def test_one_trusted_browser_is_not_offered_to_revoke_the_others(open_browser, member, device):
    page = open_browser()
    sign_in_with_code(page, member.email, device, start="/2fa/manage/")
    heading(page, "Manage Access")
    expect(page.get_by_text("This browser", exact=True)).to_have_count(1)
    expect(page.get_by_role("button", name="Revoke all other browsers")).to_have_count(0)
    check(page)
