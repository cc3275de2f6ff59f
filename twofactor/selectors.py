"""Reads of the two-factor app. None of them changes anything."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import recovery, user_agents
from .models import (
    AUTHENTICATOR_KINDS,
    Activity,
    Authenticator,
    Passkey,
    RecoveryCode,
    RecoveryCodes,
    RecoveryCodesPromptDismissal,
    ResetRequest,
    TrustedBrowser,
)
from .status import (
    FACT_FIELDS,
    TwoFactorStatus,
    has_authenticator_condition,
    status_of_annotated,
    two_factor_since_of,
    with_two_factor_facts,
)
from .tokens import trusted_browser_tokens


def has_authenticator(user) -> bool:
    """Whether the person's 2FA is on: an authenticator app or a passkey (one query)."""
    return (
        get_user_model().objects.filter(pk=user.pk).filter(has_authenticator_condition()).exists()
    )


def _confirmed_of(user, model, *, besides=None):
    confirmed = model.objects.filter(user=user, confirmed=True)
    return confirmed.exclude(pk=besides.pk) if isinstance(besides, model) else confirmed


def other_authenticators(user, authenticator) -> list:
    """The person's confirmed authenticators of every kind besides ``authenticator`` (a query
    a kind; no keys loaded)."""
    return [
        other
        for model in AUTHENTICATOR_KINDS
        for other in _confirmed_of(user, model, besides=authenticator).only("pk", "user_id")
    ]


def has_other_authenticator(user, authenticator) -> bool:
    """Whether the person has a confirmed authenticator of any kind besides ``authenticator``."""
    return any(
        _confirmed_of(user, model, besides=authenticator).exists() for model in AUTHENTICATOR_KINDS
    )


def has_passkey(user) -> bool:
    return Passkey.objects.filter(user=user, confirmed=True).exists()


def has_app_authenticator(user) -> bool:
    return Authenticator.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_summary(user) -> tuple[int, datetime] | None:
    """How many of the person's recovery codes are left and when the set was made, or None
    without a set (one query)."""
    row = (
        RecoveryCodes.objects.filter(user=user)
        .annotate(left=Count("codes", filter=Q(codes__used_at__isnull=True)))
        .values("left", "created_at")
        .first()
    )
    return None if row is None else (row["left"], row["created_at"])


def _unused_recovery_codes_of_each():
    """The unused recovery codes of the person of each row of an outer query on users: one
    probe of the set's user index, then of its codes (a set has ten)."""
    return RecoveryCode.objects.filter(recovery_codes__user=OuterRef("pk"), used_at__isnull=True)


def with_recovery_codes_left(users):
    """Annotate ``has_recovery_codes``: whether the person has a code left (a subquery, so
    one query for any number of rows)."""
    return users.annotate(has_recovery_codes=Exists(_unused_recovery_codes_of_each()))


def filter_by_recovery_codes(users, *, left: bool):
    """``users`` who have a recovery code left (``left``), or who have none."""
    unused = Exists(_unused_recovery_codes_of_each())
    return users.filter(unused if left else ~unused)


def with_recovery_codes_count(users):
    """Annotate ``recovery_codes_left``: how many codes the person has left, 0 without a set."""
    count = (
        _unused_recovery_codes_of_each()
        .order_by()
        .values("recovery_codes")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return users.annotate(
        recovery_codes_left=Coalesce(Subquery(count, output_field=IntegerField()), Value(0))
    )


def authenticators_of(user) -> list[Authenticator | Passkey]:
    """The person's authenticators of every kind, oldest first (a query a kind)."""
    rows = [
        row
        for model in AUTHENTICATOR_KINDS
        for row in model.objects.filter(user=user, confirmed=True).only(
            "pk", "name", "created_at", "last_used_at", "user_id"
        )
    ]
    return sorted(
        rows,
        key=lambda row: (row.created_at.timestamp() if row.created_at else 0, row.KIND, row.pk),
    )


@dataclass(frozen=True)
class BrowserRow:
    browser: TrustedBrowser
    description: str
    is_current: bool


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


def current_trusted_browser_id(*, user, cookie_value: str | None) -> int | None:
    browser = trusted_browser_tokens.check(user, cookie_value)
    return browser.pk if browser else None


def managers_of(team, *, excluding=()) -> list:
    if team is None:
        return []
    people = get_user_model().objects.filter(
        team=team, role=get_user_model().Role.MANAGER, is_active=True
    )
    return list(people.exclude(pk__in=[person.pk for person in excluding]))


def open_reset_request_since(user) -> datetime | None:
    """When the person's open reset request was sent, or None if they have none open."""
    return (
        ResetRequest.objects.filter(user=user, status=ResetRequest.Status.OPEN)
        .values_list("created_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class TwoFactorSummary:
    status: TwoFactorStatus
    authenticators: int
    since: datetime | None
    reset_requested_at: datetime | None  # the person's open reset request, if any
    recovery_codes_left: int | None  # None: the person has no set of recovery codes
    recovery_codes_prompt_dismissed: bool

    @property
    def enabled(self) -> bool:
        return self.authenticators > 0

    @property
    def few_recovery_codes_left(self) -> bool:
        """2FA is on and the person's set is nearly (or wholly) used up."""
        left = self.recovery_codes_left
        return self.enabled and left is not None and left <= recovery.FEW_LEFT

    @property
    def asks_for_recovery_codes(self) -> bool:
        """2FA is on but the person has never had recovery codes (their 2FA was on before
        there were any), and has not answered "Not now"."""
        return (
            self.enabled
            and self.recovery_codes_left is None
            and not self.recovery_codes_prompt_dismissed
        )


def two_factor_summary(user) -> TwoFactorSummary:
    """What My Preferences says of the person's 2FA: the status of My Team, for one person,
    with their recovery codes left and whether they put off creating them (one query)."""
    codes_left = (
        RecoveryCodes.objects.filter(user=OuterRef("pk"))
        .annotate(left=Count("codes", filter=Q(codes__used_at__isnull=True)))
        .values("left")
    )
    row = (
        with_two_factor_facts(get_user_model().objects.filter(pk=user.pk))
        .annotate(
            recovery_codes_left=Subquery(codes_left[:1]),
            recovery_codes_prompt_dismissed=Exists(
                RecoveryCodesPromptDismissal.objects.filter(user=OuterRef("pk"))
            ),
        )
        .values(
            *FACT_FIELDS,
            "recovery_codes_left",
            "recovery_codes_prompt_dismissed",
        )
        .get()
    )
    return TwoFactorSummary(
        status=status_of_annotated(row),
        authenticators=row["authenticator_count"],
        since=two_factor_since_of(row),
        reset_requested_at=row["reset_requested_at"],
        recovery_codes_left=row["recovery_codes_left"],
        recovery_codes_prompt_dismissed=row["recovery_codes_prompt_dismissed"],
    )


def may_remove_last_authenticator(user) -> bool:
    """Whether removing one's last authenticator is allowed: it is a reset, which only a
    Manager does (their own); a Member asks a Manager."""
    return user.is_manager


def reported_not_me_since(user, since: datetime) -> bool:
    """Whether the person confirmed "This wasn't me" at or after ``since``."""
    return Activity.objects.filter(
        subject=user, kind=Activity.Kind.NOT_ME_REPORTED, created_at__gte=since
    ).exists()
