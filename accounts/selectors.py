from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, IntegerField, OuterRef, Subquery

from .models import User


def user_by_email(email: str | None) -> User | None:
    if not email:
        return None
    return User.objects.filter(email=User.objects.normalize_email(email)).first()


@dataclass(frozen=True)
class TwoFactorSummary:
    enabled: bool
    authenticators: int
    since: datetime | None
    reset_requested_at: datetime | None  # the person's open reset request, if any


def two_factor_summary(user) -> TwoFactorSummary:
    """What My Preferences says of the person's 2FA, in one query."""
    from twofactor.models import Authenticator, ResetRequest

    confirmed = Authenticator.objects.filter(user=OuterRef("pk"), confirmed=True).order_by()
    row = (
        User.objects.filter(pk=user.pk)
        .values("pk")
        .annotate(
            count=Subquery(
                confirmed.values("user").annotate(count=Count("pk")).values("count"),
                output_field=IntegerField(),
            ),
            since=Subquery(confirmed.order_by("created_at").values("created_at")[:1]),
            requested_at=Subquery(
                ResetRequest.objects.filter(
                    user=OuterRef("pk"), status=ResetRequest.Status.OPEN
                ).values("created_at")[:1]
            ),
        )
        .get()
    )
    count = row["count"] or 0
    return TwoFactorSummary(
        enabled=count > 0,
        authenticators=count,
        since=row["since"],
        reset_requested_at=row["requested_at"],
    )
