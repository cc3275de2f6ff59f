"""The "Two-Factor Authentication" section of My Preferences (a page of accounts)."""

from accounts.hooks import Section

from ..selectors import managers_of, two_factor_summary


def two_factor_section(request) -> Section:
    summary = two_factor_summary(request.user)
    # Who was told of an open reset request: the team's Managers, or the platform's
    # administrators for a team without one (asked only while a request is open).
    told_administrators = summary.reset_requested_at is not None and not managers_of(
        request.user.team
    )
    return Section(
        "twofactor/_preferences_section.html",
        {"two_factor": summary, "told_administrators": told_administrators},
    )
