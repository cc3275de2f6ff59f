"""Browser and operating system named as a person would say them ("Chrome on Windows")."""

from functools import lru_cache

from django.utils.translation import gettext as _
from ua_parser import parse

_BROWSER_NAMES = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "HeadlessChrome": "Chrome",
}
_SYSTEM_NAMES = {"Mac OS X": "macOS", "Chrome OS": "ChromeOS"}


@lru_cache(maxsize=2048)
def browser_and_system(user_agent: str) -> tuple[str | None, str | None]:
    result = parse(user_agent or "")
    browser = result.user_agent.family if result.user_agent else None
    browser = _BROWSER_NAMES.get(browser, browser) if browser not in (None, "Other") else None
    device = result.device.family if result.device else None
    system = result.os.family if result.os else None
    if device in ("iPhone", "iPad"):
        system = device
    else:
        system = _SYSTEM_NAMES.get(system, system) if system not in (None, "Other") else None
    return browser, system


def describe(user_agent: str) -> str:
    """'Chrome on Windows', 'Safari on iPhone', or 'Unknown browser'."""
    browser, system = browser_and_system(user_agent)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or _("Unknown browser")
