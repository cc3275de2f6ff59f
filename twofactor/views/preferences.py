"""The "Two-Factor Authentication" section of My Preferences (a page of accounts)."""

from accounts.hooks import Section

from ..selectors import two_factor_summary


def two_factor_section(request) -> Section:
    return Section(
        "twofactor/_preferences_section.html", {"two_factor": two_factor_summary(request.user)}
    )
