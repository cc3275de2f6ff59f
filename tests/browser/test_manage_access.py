"""Manage Access: revoking a trusted browser makes it ask for a code again; removing an
authenticator after a trusted-browser sign-in asks for a code first; "Sign out everywhere else"."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

from .pages import (
    allow_another_code,
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


def test_manage_access_revokes_a_browser(open_browser, member, add_authenticator):
    device = add_authenticator(member, name="Alice's phone")
    laptop, tablet = open_browser(), open_browser()
    sign_in_with_code(tablet, member.email, device)
    sign_in_with_code(laptop, member.email, device)

    visit(laptop, "/2fa/manage/", screenshot="manage-access")
    heading(laptop, "Manage Access")
    expect(laptop.get_by_role("cell", name="Alice's phone", exact=True)).to_be_visible()
    expect(laptop.get_by_role("link", name="Remove Alice's phone")).to_be_visible()
    expect(laptop.get_by_role("link", name="Add another authenticator")).to_be_visible()
    rows = laptop.get_by_role("row").filter(has=laptop.get_by_role("button", name="Revoke"))
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="This browser")).to_have_count(1)
    other = rows.filter(has_not_text="This browser")
    submit(laptop, other.get_by_role("button", name="Revoke"))
    expect(laptop.get_by_role("status")).to_contain_text("Chrome on Linux was revoked")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("This browser")

    # The revoked browser still has its session; at its next sign-in it is asked for a code.
    sign_out(tablet)
    sign_in(tablet, member.email)
    heading(tablet, "Two-factor authentication")
    # The browser that stayed trusted is not.
    sign_out(laptop)
    sign_in(laptop, member.email)
    heading(laptop, "My Preferences")


def test_a_trusted_browser_confirms_a_code_before_removing_then_signs_out_everywhere_else(
    open_browser, member, add_authenticator
):
    phone_app = add_authenticator(member, name="Alice's phone")
    add_authenticator(member, name="Alice's tablet")
    laptop, tablet = open_browser(), open_browser()
    sign_in_with_code(tablet, member.email, phone_app)
    sign_in_with_code(laptop, member.email, phone_app)
    sign_out(laptop)
    sign_in(laptop, member.email)  # a trusted browser: the password only, no second factor
    heading(laptop, "My Preferences")

    visit(laptop, "/2fa/manage/")
    follow(laptop, laptop.get_by_role("link", name="Remove Alice's tablet"))
    heading(laptop, "Confirm your password")
    laptop.get_by_label("Password").fill(PASSWORD)
    submit(laptop, "Continue")
    heading(laptop, "Confirm it’s you")
    take_screenshot(laptop, "step-up")
    allow_another_code(phone_app)
    enter_code(laptop, code_now(phone_app.key))
    heading(laptop, "Remove “Alice's tablet”?")
    submit(laptop, "Remove")
    expect(laptop.get_by_role("status")).to_contain_text("The authenticator was removed")

    # The last one is a Member's to keep: the page says to ask a Manager.
    follow(laptop, laptop.get_by_role("link", name="Remove Alice's phone"))
    expect(laptop.get_by_text("ask a Manager of your team to reset")).to_be_visible()
    expect(laptop.get_by_role("button", name="Remove", exact=True)).to_have_count(0)
    expect(laptop.get_by_role("button", name="Request a reset")).to_be_visible()
    follow(laptop, "Cancel")

    submit(laptop, "Sign out everywhere else")
    expect(laptop.get_by_role("status")).to_contain_text("You were signed out everywhere else")
    heading(laptop, "Manage Access")
    # The other browser's session ended, and it is no longer trusted.
    visit(tablet, "/2fa/manage/")
    sign_in(tablet, member.email)
    heading(tablet, "Two-factor authentication")
    # This one still is.
    sign_out(laptop)
    sign_in(laptop, member.email)
    heading(laptop, "My Preferences")
