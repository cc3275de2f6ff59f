"""The team's activity log in the browser: it fits the screen at 1280, 1024 and 390 px, also with
a teammate whose name and email are 60 characters long; on a phone each record is a short block,
so a page of 50 records stays a readable length; failures are marked in words; "Download CSV"
gives the file of what the page shows."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import add_sign_ins
from twofactor.models import Activity, RefusedAttempts
from twofactor.services import activity, refusals
from twofactor.services.activity import RequestMeta

from .pages import check, heading, sign_in_with_code, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Maximiliana Bartholomew-Featherstonehaugh de Vasconcelos Lim"  # 60 characters
LONG_EMAIL = "maximiliana.bartholomew-featherstonehaug.vasconcelos@acme.io"  # 60 characters
AT_SIGN_IN = RequestMeta(
    "2001:db8:85a3:1234:5678:8a2e:370:7334",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    Activity.Origin.NOT_SIGNED_IN,
)


@pytest.fixture
def busy_log(make_user, acme, member, manager):
    """More than a page of the team's activity: sign-ins, failures, refusals and a Manager's
    action on a teammate with a 60-character name and email."""
    assert len(LONG_NAME) == len(LONG_EMAIL) == 60
    long = make_user(LONG_EMAIL, team=acme, full_name=LONG_NAME)
    add_sign_ins(member, 45)
    for person in (member, long):
        activity.record_activity(
            kind=Activity.Kind.PASSWORD_FAILED, subject=person, request_meta=AT_SIGN_IN
        )
        refusals.count_refused_attempt(
            kind=RefusedAttempts.Kind.CODE_LOCKED,
            subject=person,
            actor=person,
            request_meta=AT_SIGN_IN,
        )
    activity.record_activity(
        kind=Activity.Kind.RESET, subject=long, actor=manager, request_meta=AT_SIGN_IN
    )
    return long


def no_sideways_scrolling(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= width, width
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), width


def test_the_log_fits_every_width_and_stacks_short_on_a_phone(
    open_browser, viewport, busy_log, manager, manager_device
):
    marta = open_browser()
    sign_in_with_code(marta, manager.email, manager_device, start="/team/activity/")
    heading(marta, "Team activity")
    rows = marta.locator(".activity-table tbody tr")
    expect(rows).to_have_count(50)
    reset = rows.filter(has_text="Two-factor authentication reset")
    expect(reset).to_contain_text(LONG_NAME)
    expect(rows.filter(has_text="Wrong password").first).to_contain_text("Failed")
    expect(rows.filter(has_text="Code refused").first).to_contain_text("Refused")
    expect(rows.filter(has_text="198.51.100.1").first).to_contain_text("Firefox on Linux")

    if viewport == "phone":
        assert reset.evaluate("e => getComputedStyle(e).display") == "flex"
        assert reset.locator("td").first.evaluate("e => getComputedStyle(e).display") == "block"
        heights = rows.evaluate_all("rows => rows.map(row => row.getBoundingClientRect().height)")
        # Three lines a record; a 60-character name and an IPv6 address take a few more.
        assert sum(heights) / len(heights) <= 90, heights
        assert max(heights) <= 200, heights
        assert marta.evaluate("document.documentElement.scrollHeight") < 5_500
        no_sideways_scrolling(marta, 390)
    else:
        assert reset.evaluate("e => getComputedStyle(e).display") == "table-row"
        for width in (1280, 1024):
            no_sideways_scrolling(marta, width)


def test_download_csv_gives_the_file_of_the_filtered_log(
    open_browser, busy_log, manager, manager_device
):
    marta = open_browser()
    sign_in_with_code(marta, manager.email, manager_device, start="/team/activity/")
    marta.get_by_label("Person (email)").fill(LONG_EMAIL)
    with marta.expect_navigation():
        marta.get_by_role("button", name="Filter").click()
    check(marta)

    with marta.expect_download() as started:
        marta.get_by_role("button", name="Download CSV").click()

    download = started.value
    assert download.suggested_filename.startswith("team-activity-")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert {row["Whom"] for row in rows} == {LONG_NAME}
    assert [row["Event"] for row in rows][1:] == [
        "Two-factor authentication reset",
        "Code refused (code entry locked)",
        "Wrong password",
    ]


def test_a_refused_filter_offers_no_download(open_browser, busy_log, manager, manager_device):
    marta = open_browser()
    sign_in_with_code(marta, manager.email, manager_device, start="/team/activity/")
    visit(marta, "/team/activity/?person=charlie%40globex.test")
    expect(marta.get_by_text("Nobody in your team has this email.")).to_be_visible()
    expect(marta.get_by_role("button", name="Download CSV")).to_have_count(0)
