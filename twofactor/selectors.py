from dataclasses import dataclass
from datetime import timedelta

from django.db import models
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import app_settings, user_agents
from .models import Authenticator, ResetRequest, TrustedBrowser
from .services import trusted_browser_tokens


class TwoFactorStatus(models.TextChoices):
    """A person's 2FA status as My Team and the admin show it; the first that applies wins."""

    LOCKED = "locked", _("Locked")
    REQUESTED = "requested", _("Reset requested")
    ON = "on", _("On")
    OFF = "off", _("Not set up")


def with_two_factor_status(users):
    """Annotate ``authenticator_count``, ``two_factor_since`` and ``two_factor_status`` with
    subqueries: one query for any number of rows, and no row fan-out."""
    confirmed = Authenticator.objects.filter(user=OuterRef("pk"), confirmed=True)
    lock_start = timezone.now() - timedelta(seconds=app_settings.lock_seconds())
    locked = confirmed.filter(
        throttling_failure_count__gte=app_settings.lock_after_failures(),
        throttling_failure_timestamp__gt=lock_start,
    )
    open_request = ResetRequest.objects.filter(user=OuterRef("pk"), status=ResetRequest.Status.OPEN)
    count = confirmed.order_by().values("user").annotate(count=Count("pk")).values("count")
    return users.annotate(
        authenticator_count=Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        two_factor_since=Subquery(confirmed.order_by("created_at").values("created_at")[:1]),
        two_factor_status=Case(
            When(Exists(locked), then=Value(TwoFactorStatus.LOCKED)),
            When(Exists(open_request), then=Value(TwoFactorStatus.REQUESTED)),
            When(Exists(confirmed), then=Value(TwoFactorStatus.ON)),
            default=Value(TwoFactorStatus.OFF),
            output_field=models.CharField(),
        ),
    )


def with_two_factor_status_of(users, status: str):
    """``users`` whose 2FA status (as ``with_two_factor_status`` computes it) is ``status``.

    The same rules as the annotation, written as conditions the database can answer from its
    indexes: the locked and the reset-requested people are small sets read once (the recent
    failures through ``authenticator_failure_idx``, the open requests through their partial
    unique index), and "on" and "off" are one index probe a person."""
    confirmed = Authenticator.objects.filter(user=OuterRef("pk"), confirmed=True)
    lock_start = timezone.now() - timedelta(seconds=app_settings.lock_seconds())
    locked_ids = Authenticator.objects.filter(
        confirmed=True,
        throttling_failure_timestamp__gt=lock_start,
        throttling_failure_count__gte=app_settings.lock_after_failures(),
    ).values("user_id")
    requested_ids = ResetRequest.objects.filter(status=ResetRequest.Status.OPEN).values("user_id")
    if status == TwoFactorStatus.LOCKED:
        return users.filter(pk__in=locked_ids)
    if status == TwoFactorStatus.REQUESTED:
        return users.filter(pk__in=requested_ids).exclude(pk__in=locked_ids)
    if status == TwoFactorStatus.ON:
        return (
            users.filter(Exists(confirmed)).exclude(pk__in=requested_ids).exclude(pk__in=locked_ids)
        )
    if status == TwoFactorStatus.OFF:
        return users.filter(~Exists(confirmed)).exclude(pk__in=requested_ids)
    return users.none()


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


def trusted_browsers_of(user, *, cookie_value: str | None = None) -> list[BrowserRow]:
    """The user's live trusted browsers; the one whose cookie is ``cookie_value`` (this
    browser) first, found among them rather than read again."""
    browsers = list(TrustedBrowser.objects.filter(user=user, expires_at__gt=timezone.now()))
    current = trusted_browser_tokens.find(user, cookie_value, browsers)
    rows = [
        BrowserRow(browser, user_agents.describe(browser.user_agent), browser is current)
        for browser in browsers
    ]
    return sorted(rows, key=lambda row: not row.is_current)
