from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min

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
    open_reset_request: object | None


def two_factor_summary(user) -> TwoFactorSummary:
    from twofactor.models import Authenticator, ResetRequest

    row = Authenticator.objects.filter(user=user, confirmed=True).aggregate(
        count=Count("pk"), since=Min("created_at")
    )
    return TwoFactorSummary(
        enabled=row["count"] > 0,
        authenticators=row["count"],
        since=row["since"],
        open_reset_request=ResetRequest.objects.filter(
            user=user, status=ResetRequest.Status.OPEN
        ).first(),
    )
