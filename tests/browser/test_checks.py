"""The checks every journey relies on do fail: axe-core finds a violation, with JavaScript on
or off, a colour contrast it cannot measure is refused, and so is a page wider than the screen.
And the portal's error pages, which no journey opens, pass them."""

import pytest

from . import pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNLABELLED_INPUT = (
    '<!doctype html><html lang="en"><title>Broken</title>'
    "<main><h1>Broken</h1><input type=text></main></html>"
)
# Text over a gradient: axe-core cannot tell its contrast and says so ("incomplete").
OVER_A_GRADIENT = (
    '<!doctype html><html lang="en"><title>Gradient</title>'
    '<main><h1>Gradient</h1><p style="background: linear-gradient(#fff, #777)">Faint?</p>'
    "</main></html>"
)
TOO_WIDE = (
    '<!doctype html><html lang="en"><title>Wide</title>'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<main><h1>Wide</h1><div style="width: 2000px">wide</div></main></html>'
)


@pytest.fixture
def broken_page(open_browser):
    """A page served at /broken/ with the given HTML; its checks stay out of the run's report."""
    checks_before = len(pages.report.checks)

    def open_(html, *, javascript=True):
        page = open_browser(javascript=javascript)
        page.route("**/broken/", lambda route: route.fulfill(body=html, content_type="text/html"))
        page.goto("/broken/")
        return page

    yield open_
    del pages.report.checks[checks_before:]


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_violation_fails_the_check(broken_page, javascript):
    page = broken_page(UNLABELLED_INPUT, javascript=javascript)
    with pytest.raises(AssertionError, match=r"(?s)axe-core .*label"):
        pages.check(page)
    pages.pages[page].unchecked.clear()


def test_a_colour_contrast_axe_cannot_measure_fails_the_check(broken_page):
    page = broken_page(OVER_A_GRADIENT)
    with pytest.raises(AssertionError, match="could not measure the colour contrast"):
        pages.check(page)
    pages.pages[page].unchecked.clear()


def test_a_page_wider_than_the_screen_fails_the_check(broken_page):
    page = broken_page(TOO_WIDE)
    with pytest.raises(AssertionError, match="px wide"):
        pages.check(page)
    pages.pages[page].unchecked.clear()


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_error_page_passes_the_checks(open_browser, javascript):
    page = open_browser(javascript=javascript)
    page.goto("/no-such-page/")
    pages.check(page, screenshot="not-found" if javascript else None)
    pages.heading(page, "Page not found")
    # Chromium reports the page's own status in the console; nothing else may be there.
    state = pages.pages[page]
    assert state.errors == [
        "/no-such-page/: Failed to load resource: the server responded with a status of 404 "
        "(Not Found)"
    ]
    state.errors.clear()
