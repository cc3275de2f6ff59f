"""Manage Access: revoking a trusted browser makes it ask for a code again."""

import pytest
from playwright.sync_api import expect

from .pages import heading, sign_in, sign_in_with_code, sign_out, submit, visit

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
    expect(laptop.get_by_role("status")).to_contain_text("The browser was revoked")
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
