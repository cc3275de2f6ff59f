"""The "Recovery codes" page in Chromium, before any view serves it: the template rendered here
and served at the live server's address under the portal's own Content-Security-Policy, so its
static script and stylesheet load as they do in the portal. "Copy" puts the codes on the
clipboard and says so, "Print" shows only the heading and the codes, "Download" saves the file,
and without JavaScript the codes stay selectable text with "Copy" and "Print" out of sight."""

from datetime import UTC, datetime

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from playwright.sync_api import expect

from twofactor.recovery_download import download_file

from .pages import check

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODES = [f"{n}kq4m-x9r2t" for n in range(10)]
PREVIEW = "/recovery-codes-preview/"


def serve_page(page, live_server):
    name, href = download_file(codes=CODES, email="alice@acme.test", created_at=datetime.now(UTC))
    html = render_to_string(
        "twofactor/recovery_codes.html",
        {"codes": CODES, "download_name": name, "download_href": href, "continue_url": "/"},
        request=RequestFactory().get(PREVIEW),
    )
    policy = page.request.get(reverse("accounts:sign_in")).headers["content-security-policy"]
    page.route(
        live_server.url + PREVIEW,
        lambda route: route.fulfill(
            body=html, content_type="text/html", headers={"Content-Security-Policy": policy}
        ),
    )
    page.goto(PREVIEW)
    return name


def test_copy_print_and_download_work_under_the_portal_policy(open_browser, live_server, tmp_path):
    page = open_browser()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    name = serve_page(page, live_server)
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    check(page)

    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == "\n".join(CODES)
    check(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download", exact=True).click()
    assert download.value.suggested_filename == name
    saved = tmp_path / name
    download.value.save_as(saved)
    assert [line for line in saved.read_text().splitlines() if line in CODES] == CODES

    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes")).to_be_visible()
    for label in ("Copy", "Print"):
        expect(page.get_by_role("button", name=label, exact=True)).to_be_hidden()
    for label in ("Download", "I have saved them", "Sign out"):
        expect(page.get_by_role("link", name=label, exact=True)).to_be_hidden()
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    page.emulate_media(media="screen")
    expect(page.get_by_role("button", name="Print", exact=True)).to_be_visible()


def test_without_javascript_the_codes_are_text_and_copy_and_print_are_not_offered(
    open_browser, live_server
):
    page = open_browser(javascript=False)
    serve_page(page, live_server)
    check(page)
    assert page.locator("#recovery-codes code").all_inner_texts() == CODES
    expect(page.get_by_role("button", name="Copy", exact=True)).to_be_hidden()
    expect(page.get_by_role("button", name="Print", exact=True)).to_be_hidden()
    expect(page.get_by_role("link", name="Download", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="I have saved them", exact=True)).to_be_visible()
