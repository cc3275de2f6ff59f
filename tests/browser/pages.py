"""What a person does in the browser, and the checks made on every page they see.

Every document a page loads must pass through ``check``: axe-core runs on it (WCAG 2.0, 2.1
and 2.2, levels A and AA) and any violation fails the test; ``check`` can also save a
screenshot. The ``open_browser`` fixture fails a test that loaded a page and never checked it.
"""

import base64
import hashlib
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.conftest import PASSWORD
from twofactor import totp
from twofactor.models import Authenticator, CodeThrottle

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    # A small laptop or a tablet held sideways: the width check of every page (test_widths.py).
    "laptop": {"viewport": {"width": 1024, "height": 768}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", ROOT / "var" / "screenshots"))

_axe = Axe()

# Documents that axe-core already passed in this run, by viewport, JavaScript and markup (the
# CSRF token aside, which differs on every load): the same markup at the same width passes
# again, so a journey that comes back to a page in the same state does not pay for the audit
# twice. A page that fails is never kept.
_passed: set[tuple[str, bool, str]] = set()
_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')


@dataclass(frozen=True)
class _AlreadyPassed:
    violations_count: int = 0


@dataclass
class PageState:
    viewport: str
    javascript: bool
    unchecked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # console errors, e.g. CSP refusals
    # With measure_widths, ``check`` also notes what scrolls sideways inside the page (see
    # sideways_scrolling) instead of failing at once, so one run names every page that does.
    measure_widths: bool = False
    widths: list[tuple[str, list[str]]] = field(default_factory=list)  # path, what scrolls


@dataclass
class Report:
    """What axe saw during the run, for the summary at the end."""

    checks: list[tuple[str, str, int]] = field(default_factory=list)  # viewport, path, violations
    screenshots: list[Path] = field(default_factory=list)


report = Report()
pages: dict[Page, PageState] = {}


def track(page: Page, *, viewport: str, javascript: bool) -> None:
    """Note every document the page loads, so that none goes unchecked."""
    state = PageState(viewport=viewport, javascript=javascript)
    pages[page] = state

    def loaded(frame):
        if frame == page.main_frame:
            state.unchecked.append(frame.url)

    def console(message):
        if message.type == "error":
            state.errors.append(f"{path_of(page.url)}: {message.text}")

    page.on("framenavigated", loaded)
    page.on("console", console)
    page.on("pageerror", lambda error: state.errors.append(f"{path_of(page.url)}: {error}"))


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def check(page: Page, *, screenshot: str | None = None) -> None:
    """The page as it is now: zero axe-core violations of WCAG A/AA, and no sideways scrolling
    (reflow) at its width. Then, if named, a screenshot."""
    state = pages[page]
    page.wait_for_load_state()
    where = f"at {state.viewport} width on {path_of(page.url)}"
    markup = _CSRF_VALUE.sub(r'\1"', page.content())
    key = (state.viewport, state.javascript, hashlib.sha256(markup.encode()).hexdigest())
    if key in _passed:
        results = _AlreadyPassed()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
    elif state.javascript:
        results, scroll_width = _audit(page)
    else:
        results, scroll_width = _audit_without_javascript(page)
    report.checks.append((state.viewport, path_of(page.url), results.violations_count))
    assert results.violations_count == 0, f"axe-core {where}:\n" + results.generate_report()
    undetermined = _contrast_left_undetermined(results)
    assert not undetermined, (
        f"axe-core could not measure the colour contrast {where}: {undetermined}"
    )
    if state.measure_widths:
        state.widths.append((path_of(page.url), sideways_scrolling(page)))
    width = VIEWPORTS[state.viewport]["viewport"]["width"]
    assert scroll_width <= width, f"the page is {scroll_width} px wide {where}"
    _passed.add(key)
    state.unchecked.clear()
    if screenshot:
        take_screenshot(page, screenshot)


def _contrast_left_undetermined(results) -> list[str]:
    """The elements whose colour contrast axe-core could not work out (text over an image or a
    gradient, or hidden behind another element): it lists them as "incomplete", not as
    violations, so they would pass unmeasured."""
    response = getattr(results, "response", None) or {}
    return [
        node["target"][0] if node.get("target") else "?"
        for rule in response.get("incomplete", [])
        if rule["id"] == "color-contrast"
        for node in rule["nodes"]
    ]


SIDEWAYS_SCROLLING = """() => {
    const name = (element) => element.tagName.toLowerCase()
        + (element.id ? "#" + element.id : "")
        + (element.classList.length ? "." + [...element.classList].join(".") : "");
    const problems = [];
    const root = document.documentElement;
    if (root.scrollWidth !== window.innerWidth) {
        problems.push(`the page is ${root.scrollWidth} px wide in ${window.innerWidth} px`);
    }
    for (const element of document.body.querySelectorAll("*")) {
        const overflow = getComputedStyle(element).overflowX;
        if ((overflow === "auto" || overflow === "scroll")
                && element.scrollWidth > element.clientWidth) {
            problems.push(
                `${name(element)} scrolls: ${element.scrollWidth} px in ${element.clientWidth} px`);
        }
    }
    return problems;
}"""


def sideways_scrolling(page: Page) -> list[str]:
    """What scrolls sideways on the page as it is: the page itself (its scrolling width is not
    the viewport's) or any box inside it whose content is wider than the box (overflow-x auto
    or scroll, as a .table-wrap)."""
    return page.evaluate(SIDEWAYS_SCROLLING)


def _audit(page: Page):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    return _axe.run(page, options=AXE_OPTIONS), scroll_width


def _audit_without_javascript(page: Page):
    """axe needs JavaScript: audit a copy of the page's DOM, served at the same address in a
    context with JavaScript on but the portal's script blocked, so the DOM stays as it is."""
    html = page.content()
    state = pages[page]
    mirror_context = page.context.browser.new_context(**VIEWPORTS[state.viewport])
    try:
        mirror = mirror_context.new_page()
        mirror.route("**/static/js/*", lambda route: route.abort())
        mirror.route(page.url, lambda route: route.fulfill(body=html, content_type="text/html"))
        mirror.goto(page.url)
        return _audit(mirror)
    finally:
        mirror_context.close()


def take_screenshot(page: Page, name: str) -> None:
    """The whole page, as ``<name>-<desktop|phone>.png`` in the run's screenshot folder."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{pages[page].viewport}.png"
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    report.screenshots.append(path)


def visit(page: Page, path: str, *, screenshot: str | None = None) -> None:
    page.goto(path)
    check(page, screenshot=screenshot)


def submit(page: Page, button: str | Locator, *, screenshot: str | None = None) -> None:
    """Press a button (by its exact name, or a locator) that loads a new page; check that page."""
    if isinstance(button, str):
        button = page.get_by_role("button", name=button, exact=True)
    _load_by_clicking(page, button, screenshot)


def follow(page: Page, link: str | Locator, *, screenshot: str | None = None) -> None:
    """Follow a link (by its exact name, or a locator); check the page it opens."""
    if isinstance(link, str):
        link = page.get_by_role("link", name=link, exact=True)
    _load_by_clicking(page, link, screenshot)


def _load_by_clicking(page: Page, control: Locator, screenshot: str | None) -> None:
    with page.expect_navigation():
        control.click()
    check(page, screenshot=screenshot)


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """The sign-in page is open: type the email and password and press "Sign in"."""
    heading(page, "Sign in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    submit(page, "Sign in")


def sign_out(page: Page) -> None:
    submit(page, "Sign out")
    heading(page, "Sign in")


def enter_code(page: Page, code: str, *, screenshot: str | None = None) -> None:
    """A code page is open: type the code and press "Authenticate"."""
    page.get_by_label("Security code").fill(code)
    submit(page, "Authenticate", screenshot=screenshot)


# Codes ----------------------------------------------------------------------------------------


def code_now(key: bytes) -> str:
    """What the authenticator app shows at this moment (the real clock: the live server uses
    it too)."""
    return totp.code_at(key, time.time())


def wrong_code(key: bytes) -> str:
    """A code that is wrong now and for a minute either side."""
    now = time.time()
    near = {totp.code_at(key, now + steps * totp.STEP_SECONDS) for steps in range(-2, 3)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def allow_another_code(device: Authenticator) -> None:
    """A code is accepted once per time step. To type a second code within the same step (a
    second browser), move the device's record of the last accepted step back instead of
    waiting for the clock."""
    Authenticator.objects.filter(pk=device.pk).update(last_t=-1)


def key_from_text(grouped: str) -> bytes:
    """The key as a person reads it from "Set up manually": base32 in groups of four."""
    base32 = re.sub(r"\s+", "", grouped)
    return base64.b32decode(base32 + "=" * (-len(base32) % 8))


def decode_qr(image_png: bytes) -> str:
    """Read a screenshot of a QR code with zbarimg, enlarged and with a quiet zone first."""
    with tempfile.TemporaryDirectory() as folder:
        shot, enlarged = Path(folder) / "shot.png", Path(folder) / "qr.png"
        shot.write_bytes(image_png)
        with Image.open(shot) as image:
            image = image.convert("L")
            image = image.resize((image.width * 3, image.height * 3), Image.Resampling.NEAREST)
            framed = Image.new("L", (image.width + 80, image.height + 80), 255)
            framed.paste(image, (40, 40))
            framed.save(enlarged)
        result = subprocess.run(
            ["zbarimg", "--raw", "-q", str(enlarged)],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    assert result.returncode == 0, f"zbarimg could not read the QR code: {result.stderr}"
    return result.stdout.strip()


# Journeys shared by several tests --------------------------------------------------------------


def sign_in_with_code(page: Page, email: str, device: Authenticator, *, start: str = "/") -> None:
    """A browser that is not trusted yet: password, then a code of ``device``."""
    visit(page, start)
    sign_in(page, email)
    heading(page, "Two-factor authentication")
    allow_another_code(device)
    enter_code(page, code_now(device.key))


def set_up_with_manual_key(page: Page, *, screenshots: bool = False) -> bytes:
    """The wizard from step 1 (open in ``page``) to the end, reading the key from "Set up
    manually"; returns the key."""

    def shot(name):
        return name if screenshots else None

    expect(page.get_by_text("Step 1 of 5")).to_be_visible()
    expect(page).to_have_title("Step 1 of 5 · Set up two-factor authentication · Axur One")
    heading(page, "Confirm your password")
    if screenshots:
        take_screenshot(page, "wizard-1-password")
    page.get_by_label("Password").fill(PASSWORD)
    submit(page, "Continue", screenshot=shot("wizard-2-app"))

    expect(page.get_by_text("Step 2 of 5")).to_be_visible()
    heading(page, "Install an authenticator app")
    for app in ("Google Authenticator", "Microsoft Authenticator"):
        for badge in ("Get it on Google Play", "Download on the App Store"):
            expect(page.get_by_role("link", name=f"{badge} ({app})")).to_be_visible()
    submit(page, "Continue")

    expect(page.get_by_text("Step 3 of 5")).to_be_visible()
    heading(page, "Scan the QR code")
    expect(page.get_by_role("img", name=re.compile(r"^QR code"))).to_be_visible()
    page.get_by_text("Set up manually").click()
    key = page.locator("code")
    expect(key).to_be_visible()
    key_text = key.inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", key_text), key_text
    check(page, screenshot=shot("wizard-3-scan"))  # with the manual key revealed
    submit(page, "Continue", screenshot=shot("wizard-4-code"))

    expect(page.get_by_text("Step 4 of 5")).to_be_visible()
    heading(page, "Enter the code")
    enter_code(page, code_now(key_from_text(key_text)), screenshot=shot("wizard-5-name"))

    expect(page.get_by_text("Step 5 of 5")).to_be_visible()
    heading(page, "Name this device")
    page.get_by_label("Device name").fill("My personal phone")
    submit(page, "Done")  # the first setup: "Recovery codes" comes next
    return key_from_text(key_text)


def recovery_codes_shown(page: Page) -> list[str]:
    """The codes on the open "Recovery codes" page, as it shows them."""
    heading(page, "Recovery codes")
    return page.locator("#recovery-codes code").all_inner_texts()


def save_recovery_codes(page: Page) -> list[str]:
    """The "Recovery codes" page is open: read the codes and press "I have saved them"."""
    codes = recovery_codes_shown(page)
    follow(page, "I have saved them")
    return codes


def enter_recovery_code(page: Page, code: str, *, screenshot: str | None = None) -> None:
    """The recovery code page is open: type the code and press "Authenticate"."""
    page.get_by_label("Recovery code").fill(code)
    submit(page, "Authenticate", screenshot=screenshot)


def let_the_back_off_pass(user, seconds: int) -> None:
    """The server's side of time passing after wrong codes: the last one is ``seconds`` older
    (the browser's side is ``page.clock``)."""
    throttle = CodeThrottle.objects.get(user=user)
    throttle.throttling_failure_timestamp -= timedelta(seconds=seconds)
    throttle.save(update_fields=["throttling_failure_timestamp"])
