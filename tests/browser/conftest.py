"""Browser journeys: Playwright for Python drives Debian's Chromium (headless) against the portal
served by pytest-django's live server; axe-core checks every page at desktop and phone widths.

Run by `make test-browser` (the tests marked ``browser``); plain `make test` deselects them and
needs neither the browser extra nor Chromium.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the browser extra is not installed: nothing here to collect
    collect_ignore_glob = ["test_*.py"]
    pages = None
else:
    from . import pages

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless as root on a closed network: no sandbox, and no background calls to outside hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium():
    if not shutil.which(CHROMIUM):
        pytest.exit(f"{CHROMIUM} is missing: apt-get install chromium", returncode=3)
    # Playwright's sync API keeps an asyncio loop running in this thread, which Django takes
    # for an async context; the tests' own database calls are synchronous all the same.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=["desktop", "phone"])
def viewport(request):
    """Every journey runs twice: at desktop width (1280 px) and at phone width (390 px)."""
    return request.param


@pytest.fixture
def open_browser(chromium, live_server, viewport, request):
    """Opens a new browser (its own cookies: another device) on the live server."""
    contexts = []

    def open_(*, javascript: bool = True):
        context = chromium.new_context(
            base_url=live_server.url,
            locale="en-US",
            java_script_enabled=javascript,
            **pages.VIEWPORTS[viewport],
        )
        context.set_default_timeout(10_000)
        # The portal has no favicon; Chromium's request for one would only log a 404.
        context.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        contexts.append(context)
        page = context.new_page()
        pages.track(page, viewport=viewport, javascript=javascript)
        return page

    yield open_
    states = [pages.pages.pop(page) for context in contexts for page in context.pages]
    for context in contexts:
        context.close()
    if getattr(request.node, "outcome_of_call", None) != "passed":
        return  # the test's own failure says enough
    unchecked = [
        f"{state.viewport}: {pages.path_of(url)}"
        for state in states
        for url in state.unchecked
        if url != "about:blank"
    ]
    assert not unchecked, f"pages loaded but not checked: {unchecked}"
    errors = [error for state in states for error in state.errors]
    assert not errors, f"errors in the browser console: {errors}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.outcome_of_call = report.outcome
    return report


def pytest_sessionfinish(session):
    """A worker of pytest-xdist hands what axe saw to the controller, which prints the summary."""
    if pages is not None and hasattr(session.config, "workeroutput"):
        session.config.workeroutput["browser_checks"] = pages.report.checks
        session.config.workeroutput["browser_screenshots"] = [
            str(path) for path in pages.report.screenshots
        ]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    output = getattr(node, "workeroutput", {})
    if pages is not None:
        pages.report.checks.extend(tuple(check) for check in output.get("browser_checks", []))
        pages.report.screenshots.extend(map(Path, output.get("browser_screenshots", [])))


def pytest_terminal_summary(terminalreporter):
    if pages is None or not pages.report.checks:
        return
    checks = pages.report.checks
    by_width = ", ".join(
        f"{sum(1 for check in checks if check[0] == name)} at {name} width"
        for name in pages.VIEWPORTS
    )
    violations = sum(check[2] for check in checks)
    paths = {re.split(r"[?#]", check[1])[0] for check in checks}
    distinct = sorted({re.sub(r"/\d+/", "/<id>/", path) for path in paths})
    write = terminalreporter.write_line
    write(
        f"axe-core ({', '.join(pages.WCAG_TAGS)}): {len(checks)} page checks "
        f"({by_width}), {violations} violations"
    )
    write(f"pages checked ({len(distinct)}): " + " ".join(distinct))
    if pages.report.screenshots:
        count = len(set(pages.report.screenshots))
        write(f"screenshots ({count}): {pages.SCREENSHOTS}")
