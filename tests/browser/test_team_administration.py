"""The teammate's page with "Make Manager" and "Deactivate" / "Reactivate": a Manager
deactivates a Member, whose open session ends and whose sign-in says to contact a Manager; My
Team lists and filters the deactivated person; every page passes the checks at both widths."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

from .pages import follow, heading, sign_in, sign_in_with_code, submit, take_screenshot, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def confirm_password(page) -> None:
    heading(page, "Confirm your password")  # recent authentication
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Continue")


def test_a_manager_deactivates_and_reactivates_a_member(
    open_browser, member, member_device, manager, manager_device
):
    alice = open_browser()
    sign_in_with_code(alice, member.email, member_device)
    heading(alice, "My Preferences")

    marta = open_browser()
    sign_in_with_code(marta, manager.email, manager_device, start="/team/")
    heading(marta, "My Team")
    follow(marta, marta.get_by_role("link", name=member.get_full_name(), exact=True))
    heading(marta, member.get_full_name())
    administration = marta.get_by_role("region", name="Role and access")
    expect(administration.get_by_role("link", name="Make Manager")).to_be_visible()
    expect(administration.get_by_role("link", name="Deactivate")).to_be_visible()
    take_screenshot(marta, "my-team-person-administration")

    follow(marta, administration.get_by_role("link", name="Deactivate"))
    confirm_password(marta)
    heading(marta, "Deactivate Alice?")
    submit(marta, "Deactivate")
    heading(marta, member.get_full_name())
    expect(marta.get_by_role("status")).to_contain_text("Alice was deactivated")
    expect(administration.get_by_role("link", name="Reactivate")).to_be_visible()

    # Alice's open session has ended; the right password tells her to contact a Manager.
    visit(alice, "/preferences/")
    heading(alice, "Sign in")
    sign_in(alice, member.email)
    heading(alice, "Sign in")
    expect(alice.get_by_role("alert")).to_contain_text(
        "Your account is deactivated. Contact a Manager of your team"
    )

    # My Team lists her as deactivated, and the filter finds her.
    follow(marta, "My Team")
    row = marta.get_by_role("row").filter(has_text=member.email)
    expect(row).to_contain_text("Deactivated")
    take_screenshot(marta, "my-team-deactivated")
    marta.get_by_label("2FA status").select_option(label="Deactivated")
    submit(marta, "Search")
    expect(marta.get_by_role("row").filter(has_text=member.email)).to_be_visible()
    expect(marta.get_by_role("row").filter(has_text=manager.email)).to_have_count(0)

    follow(marta, marta.get_by_role("link", name=member.get_full_name(), exact=True))
    follow(marta, "Reactivate")
    heading(marta, "Reactivate Alice?")
    submit(marta, "Reactivate")
    expect(marta.get_by_role("status")).to_contain_text("Alice was reactivated.")


def test_a_manager_makes_a_member_a_manager(open_browser, member, manager, manager_device):
    marta = open_browser()
    sign_in_with_code(marta, manager.email, manager_device, start="/team/")
    follow(marta, marta.get_by_role("link", name=member.get_full_name(), exact=True))
    follow(marta, "Make Manager")
    confirm_password(marta)
    heading(marta, "Make Alice a Manager?")
    submit(marta, "Make Manager")
    expect(marta.get_by_role("status")).to_contain_text("Alice is now a Manager.")
    expect(marta.get_by_role("link", name="Make Member")).to_be_visible()
