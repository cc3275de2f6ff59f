"""Every page of the portal fits the screen at 1280, 1024 and 390 px: the page never scrolls
sideways and nothing inside it does (a table wider than its box, say), with the demo team and
with a teammate whose name and email are 60 characters long. axe-core checks each page on the
way, colour contrast included."""

import pytest
from playwright.sync_api import Page, expect

from accounts.management.commands.seed_demo import DEMO_PEOPLE
from accounts.services import get_or_create_team
from tests.conftest import PASSWORD

from . import pages
from .pages import (
    enter_code,
    follow,
    heading,
    save_recovery_codes,
    set_up_with_manual_key,
    sign_in,
    sign_out,
    submit,
    take_screenshot,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Maria Aparecida Albuquerque Cavalcanti da Souza Vasconcellos"
LONG_EMAIL = "maria.aparecida.albuquerque.cavalcanti.vasconcelos@acme.test"


@pytest.fixture
def demo_team(make_user, add_authenticator):
    """The team of `make run` (accounts/management/commands/seed_demo.py): its Manager and a
    Member with 2FA on, and a Member who has not set it up yet."""
    team = get_or_create_team(name="Acme")
    people = {
        email: make_user(email, team=team, role=role, full_name=name)
        for email, name, role in DEMO_PEOPLE
    }
    manager = people["manager@acme.test"]
    add_authenticator(manager, name="Marta's phone")
    add_authenticator(people["alice@acme.test"], name="Alice's phone")
    return team, manager, people["bob@acme.test"]


def measured(page: Page) -> Page:
    pages.pages[page].measure_widths = True
    return page


@pytest.mark.parametrize("viewport", ["desktop", "laptop", "phone"])
@pytest.mark.parametrize("teammate", ["demo-team", "long-name"])
def test_no_page_scrolls_sideways(open_browser, viewport, teammate, demo_team, make_user):
    assert len(LONG_NAME) == len(LONG_EMAIL) == 60
    team, manager, newcomer = demo_team
    if teammate == "long-name":
        newcomer = make_user(LONG_EMAIL, team=team, full_name=LONG_NAME)
    screenshots = teammate == "demo-team" and viewport != "laptop"

    # The newcomer: sign-in, the five steps of the wizard, the recovery codes.
    person = measured(open_browser())
    visit(person, "/")
    sign_in(person, newcomer.email)
    set_up_with_manual_key(person)
    save_recovery_codes(person)
    heading(person, "My Preferences")

    # The Manager, in another browser: the code page, then every page a Manager has.
    marta = measured(open_browser())
    visit(marta, "/")
    sign_in(marta, manager.email)
    heading(marta, "Two-factor authentication")
    enter_code(marta, pages.code_now(manager.authenticator_set.get().key))
    heading(marta, "My Preferences")
    follow(marta, "Manage Access")
    heading(marta, "Manage Access")
    follow(marta, "My Team")
    heading(marta, "My Team")
    follow(marta, marta.get_by_role("link", name=newcomer.full_name, exact=True))
    heading(marta, newcomer.full_name)
    follow(marta, marta.get_by_role("link", name="Reset 2FA", exact=True))
    heading(marta, "Confirm your password")
    marta.get_by_label("Password").fill(PASSWORD)
    submit(marta, "Continue")
    expect(marta.get_by_role("heading", level=1)).to_contain_text("Reset 2FA of")
    follow(marta, "Cancel")
    follow(marta, "My Team")
    follow(marta, "Team activity")
    heading(marta, "Team activity")
    if screenshots:
        take_screenshot(marta, "activity-log")
    follow(marta, "My Team")
    follow(marta, "Invite teammates")
    heading(marta, "Invite teammates")
    follow(marta, "My Preferences")
    follow(marta, "Change password")
    heading(marta, "Change password")
    sign_out(marta)
    follow(marta, "Forgot your password?")
    heading(marta, "Forgot your password?")
    visit(marta, "/no-such-page/")
    heading(marta, "Page not found")
    pages.pages[marta].errors.clear()  # the 404's own status, in the console

    seen = pages.pages[person].widths + pages.pages[marta].widths
    problems = [f"{path}: {'; '.join(found)}" for path, found in seen if found]
    assert not problems, f"at {viewport} width:\n" + "\n".join(problems)
    assert len(seen) >= 19, seen


def test_a_box_wider_than_its_content_is_noted(open_browser):
    """The measure notes a table that scrolls inside its box, as well as a page too wide."""
    page = open_browser()
    page.route(
        "**/wide/",
        lambda route: route.fulfill(
            content_type="text/html",
            body='<!doctype html><html lang="en"><title>Wide</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<main><h1>Wide</h1><div class="table-wrap" style="overflow-x: auto">'
            '<table><tr><td style="white-space: nowrap">' + "wide " * 400 + "</td></tr></table>"
            "</div></main></html>",
        ),
    )
    page.goto("/wide/")
    assert [problem.split(":")[0] for problem in pages.sideways_scrolling(page)] == [
        "div.table-wrap scrolls"
    ]
    pages.pages[page].unchecked.clear()
