from dataclasses import dataclass

from django.utils import timezone

from . import user_agents
from .models import Authenticator, TrustedBrowser


@dataclass(frozen=True)
class BrowserRow:
    browser: TrustedBrowser
    description: str
    is_current: bool


def authenticators_of(user) -> list[Authenticator]:
    return list(
        Authenticator.objects.filter(user=user, confirmed=True)
        .only("pk", "name", "created_at", "last_used_at", "user_id")
        .order_by("created_at", "pk")
    )


def trusted_browsers_of(user, *, current_id: int | None) -> list[BrowserRow]:
    browsers = TrustedBrowser.objects.filter(user=user, expires_at__gt=timezone.now()).defer(
        "token_hash"
    )
    rows = [
        BrowserRow(browser, user_agents.describe(browser.user_agent), browser.pk == current_id)
        for browser in browsers
    ]
    return sorted(rows, key=lambda row: not row.is_current)
