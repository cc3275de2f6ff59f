"""My Team: a Manager's reset signs the Member out everywhere, and a lost phone's request
reaches the Managers."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from team.models import Invitation
from tests.conftest import PASSWORD, add_sign_ins, lock_code_entry
from twofactor.services import recovery_codes, resets
from twofactor.services.activity import RequestMeta

from .pages import (
    VIEWPORTS,
    check,
    follow,
    heading,
    sign_in,
    sign_in_with_code,
    submit,
    take_screenshot,
    visit,
)

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


# Sixty characters each: the longest a row of My Team must hold without widening its table.
LONG_NAME = "Maria Aparecida Wolfeschlegelsteinhausen-Bergerdorff da Cruz"
LONG_EMAIL = "maria.aparecida.wolfeschlegelsteinhausen.bergerdor@acme.test"


@pytest.fixture
def demo_team(acme, manager, manager_device, member, member_device, make_user, add_authenticator):
    """The team of the demo and the tests, in every 2FA state, with a teammate whose name and
    email are sixty characters long (2FA on, a reset request open), pending invitations and
    a reset request: everything My Team lists."""
    assert len(LONG_NAME) == len(LONG_EMAIL) == 60
    meta = RequestMeta("203.0.113.5", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Firefox/133.0")
    make_user("bob@acme.test", team=acme, full_name="Bob")  # not set up
    carol = make_user("carol@acme.test", team=acme, full_name="Carol")
    add_authenticator(carol)
    lock_code_entry(carol)
    long = make_user(LONG_EMAIL, team=acme, full_name=LONG_NAME, role=User.Role.MANAGER)
    add_authenticator(long, name="A phone with a rather long name given at setup, sixty chars")
    add_sign_ins(long, 3)
    User.objects.filter(pk=long.pk).update(last_login=timezone.now() - timedelta(days=3))
    resets.request_reset(user=long, request_meta=meta)
    recovery_codes.create_recovery_codes(user=member, request_meta=meta)
    now = timezone.now()
    for n, email in enumerate([LONG_EMAIL.replace("maria.", "maria+"), "dora@acme.test"]):
        Invitation.objects.create(
            team=acme,
            email=email,
            invited_by=long,
            token_hash=f"{n:064}",
            sent_at=now - timedelta(days=8 * n),
            expires_at=now + timedelta(days=7 - 8 * n),  # the second one expired
        )
    return long


def assert_fits(page, width: int) -> None:
    """Nothing scrolls sideways: not the document, which is exactly as wide as the window, nor
    any table within its box, and nothing in the page reaches past the window's right edge."""
    sizes = page.evaluate(
        """() => {
          // Visually hidden text (clipped to nothing) is for screen readers: not in sight.
          const clipped = [...document.querySelectorAll("main *")]
            .filter(e => getComputedStyle(e).clip.startsWith("rect"));
          return {
            document: document.documentElement.scrollWidth,
            window: window.innerWidth,
            scrolling: [...document.querySelectorAll(".table-wrap, table")]
                .filter(box => box.scrollWidth > box.clientWidth)
                .map(box => `${box.className}: ${box.scrollWidth} in ${box.clientWidth}`),
            beyond: [...document.querySelectorAll("main *")]
                .filter(e => e.getClientRects().length)
                .filter(e => !clipped.some(box => box.contains(e)))
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
                .map(e => `${e.tagName}.${e.className}: ${e.getBoundingClientRect().right}`),
          };
        }"""
    )
    where = f"at {width} px on {page.url}"
    assert sizes["window"] == width, where
    assert sizes["document"] == width, f"the document is {sizes['document']} px wide {where}"
    assert not sizes["scrolling"], f"boxes scroll sideways {where}: {sizes['scrolling']}"
    assert not sizes["beyond"], f"elements pass the right edge {where}: {sizes['beyond']}"


def assert_fits_every_width(page, viewport) -> None:
    """At the viewport's width, and on a desktop at 1024 px too (then back to 1280 px)."""
    desktop = VIEWPORTS[viewport]["viewport"]
    assert_fits(page, desktop["width"])
    if viewport == "desktop":
        page.set_viewport_size({"width": 1024, "height": desktop["height"]})
        assert_fits(page, 1024)
        page.set_viewport_size(desktop)


def test_my_team_the_teammates_page_and_the_reset_confirmation_fit_every_width(
    open_browser, viewport, demo_team, manager, manager_device
):
    marta = open_browser()
    sign_in_with_code(marta, manager.email, manager_device, start="/team/")
    heading(marta, "My Team")
    assert_fits_every_width(marta, viewport)
    take_screenshot(marta, "my-team-long-names")

    people = marta.get_by_role("region", name="People")
    long_row = people.get_by_role("row").filter(has_text=LONG_EMAIL)
    expect(long_row).to_contain_text(LONG_NAME)
    expect(long_row).to_contain_text("Reset requested")
    expect(people.get_by_role("row").filter(has_text="bob@acme.test")).to_contain_text("Not set up")
    # "Reset 2FA" on the rows of people with 2FA set up or a request open, as a quiet action.
    for email, offered in [
        (LONG_EMAIL, True),
        ("alice@acme.test", True),
        ("carol@acme.test", True),
        ("bob@acme.test", False),
    ]:
        reset = (
            people.get_by_role("row").filter(has_text=email).get_by_role("link", name="Reset 2FA")
        )
        expect(reset).to_have_count(1 if offered else 0)
    for action in marta.locator("main .button").all():
        assert "button--danger" not in (action.get_attribute("class") or "")
    last_sign_in = long_row.locator("time")
    expect(last_sign_in.last).to_have_attribute("title", re.compile(r"\d{4}"))

    follow(marta, people.get_by_role("link", name=LONG_NAME, exact=True))
    heading(marta, LONG_NAME)
    expect(marta.get_by_text("Reset requested on")).to_be_visible()
    assert_fits_every_width(marta, viewport)
    take_screenshot(marta, "my-team-person-long-name")

    follow(marta, marta.get_by_role("link", name="Reset 2FA", exact=True))
    heading(marta, "Confirm your password")  # recent authentication
    marta.get_by_label("Password").fill(PASSWORD)
    submit(marta, "Continue")
    heading(marta, f"Reset 2FA of {LONG_NAME}?")
    expect(
        marta.get_by_role("region", name="The old entries in the authenticator app")
    ).to_contain_text(
        f"Ask {LONG_NAME} to remove “AxurOne: {LONG_EMAIL}” from their authenticator app"
    )
    assert_fits_every_width(marta, viewport)
    steps = marta.get_by_text("How to remove an entry, on Android and on iPhone")
    expect(marta.get_by_text("On Android", exact=True)).to_be_hidden()
    steps.click()
    expect(marta.get_by_text("On Android", exact=True)).to_be_visible()
    check(marta, screenshot="my-team-reset-long-name")  # with the steps shown
    assert_fits_every_width(marta, viewport)
