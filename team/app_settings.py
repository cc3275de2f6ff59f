"""Defaults of the team app, read at call time so tests and deployments can override them."""

from django.conf import settings


def invitation_days() -> int:
    """How long an invitation's link works."""
    return getattr(settings, "TEAM_INVITATION_DAYS", 7)


def invitations_per_day() -> int:
    """How many addresses one person may invite in a day (UTC), every batch counted."""
    return getattr(settings, "TEAM_INVITATIONS_PER_DAY", 200)


# How many addresses one "Send invitations" takes.
MAX_ADDRESSES_AT_ONCE = 100
