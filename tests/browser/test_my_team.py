"""My Team: a Manager's reset signs the Member out everywhere, and a lost phone's request
reaches the Managers."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

from .pages import follow, heading, sign_in, sign_in_with_code, submit, take_screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reset_signs_out_the_members_open_session(
    open_browser, member, member_device, manager, manager_device, make_user, acme
):
    make_user("bob@acme.test", team=acme, full_name="Bob")  # not set up yet
    alice = open_browser()
    sign_in_with_code(alice, member.email, member_device)
    heading(alice, "My Preferences")

    marta = open_browser()
    sign_in_with_code(marta, manager.email, manager_device, start="/team/")
    heading(marta, "My Team")
    row = marta.get_by_role("row").filter(has_text=member.email)
    expect(row).to_contain_text("Member")
    expect(row).to_contain_text(re.compile(r"On since"))
    take_screenshot(marta, "my-team")
    follow(marta, row.get_by_role("link", name="Reset 2FA"))
    heading(marta, "Confirm your password")  # recent authentication
    marta.get_by_label("Password").fill(PASSWORD)
    submit(marta, "Continue")
    heading(marta, "Reset 2FA of Alice?")
    submit(marta, "Reset 2FA")
    heading(marta, "My Team")
    expect(marta.get_by_role("status")).to_contain_text(
        "Two-factor authentication of Alice was reset."
    )
    expect(row).to_contain_text("Not set up")

    # Alice's open session has ended: her next page is the sign-in, then setup again.
    visit(alice, "/preferences/")
    heading(alice, "Sign in")
    sign_in(alice, member.email)
    assert urlsplit(alice.url).path == "/2fa/setup/"
    heading(alice, "Confirm your password")


def test_a_lost_phone_request_reaches_my_team(
    open_browser, member, member_device, manager, manager_device
):
    alice = open_browser()
    visit(alice, "/")
    sign_in(alice, member.email)
    heading(alice, "Two-factor authentication")
    follow(alice, "Lost your phone?")
    heading(alice, "Lost your phone?")
    submit(alice, "Ask my Managers for a reset")
    expect(alice.get_by_role("status")).to_contain_text(
        "Your request was sent to the Managers of your team."
    )

    marta = open_browser()
    sign_in_with_code(marta, manager.email, manager_device, start="/team/")
    heading(marta, "My Team")
    requests = marta.get_by_role("region", name="Reset requests")
    expect(requests).to_contain_text("Alice")
    expect(requests).to_contain_text(member.email)
    expect(requests.get_by_role("link", name="Reset 2FA")).to_be_visible()


def assert_tables_stack_on_a_phone(page, viewport) -> int:
    """Each table fits its box (nothing scrolls sideways inside the page) and, on a phone, shows
    its rows as blocks. Returns how many tables there are."""
    tables = page.locator("table")
    expected = "block" if viewport == "phone" else "table-cell"
    for index in range(tables.count()):
        table = tables.nth(index)
        assert table.locator("xpath=..").evaluate("e => e.scrollWidth <= e.clientWidth"), index
        assert table.locator("td").first.evaluate("e => getComputedStyle(e).display") == expected
    return tables.count()


def test_a_persons_page_and_the_team_activity_fit_the_screen(
    open_browser, viewport, member, member_device, manager, manager_device
):
    """The person's page and the activity log pass the checks (axe, no sideways scrolling), and
    on a phone their tables stack each row as a block, as My Team's list does."""
    alice = open_browser()
    sign_in_with_code(alice, member.email, member_device)  # activity and a trusted browser
    heading(alice, "My Preferences")

    marta = open_browser()
    sign_in_with_code(marta, manager.email, manager_device, start="/team/")
    heading(marta, "My Team")
    follow(marta, marta.get_by_role("link", name=member.get_full_name(), exact=True))
    heading(marta, member.get_full_name())
    assert assert_tables_stack_on_a_phone(marta, viewport) == 3  # apps, browsers, activity
    take_screenshot(marta, "my-team-person")
    follow(marta, "All activity of this person")
    heading(marta, "Team activity")
    assert assert_tables_stack_on_a_phone(marta, viewport) == 1
