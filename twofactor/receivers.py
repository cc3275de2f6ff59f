"""What the two-factor app does when accounts signs people in and out or changes a password:
the activity records of the password step, and the trusted browsers tied to the old password.

Connected by ``TwoFactorConfig.ready``.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accounts.selectors import user_by_email

from .models import Activity
from .services.activity import RequestMeta, record_activity
from .services.browsers import forget_browsers_after_new_password


def _meta(request) -> RequestMeta:
    return RequestMeta.from_request(request) if request is not None else RequestMeta()


def _record_failed_password(request, email: str, step: str | None, **detail) -> None:
    signed_in = getattr(request, "user", None)
    if step is not None and signed_in is not None and signed_in.is_authenticated:
        # The signed-in person typing their own password again.
        record_activity(
            kind=Activity.Kind.PASSWORD_FAILED,
            subject=signed_in,
            actor=signed_in,
            request_meta=_meta(request),
            step=step,
            **detail,
        )
        return
    try:
        validate_email(email)
    except ValidationError:  # never keep typed text that is no address (it may be a password)
        email = ""
    record_activity(
        kind=Activity.Kind.PASSWORD_FAILED,
        subject=user_by_email(email),
        request_meta=_meta(request),
        **({"email": email} if email else {}),
        **detail,
    )


def password_failed(sender, credentials, request=None, step=None, **kwargs):
    """Django's ``user_login_failed``: a wrong password (or an inactive account)."""
    _record_failed_password(request, credentials.get("email") or "", step)


def password_refused(sender, request, email, blocked_by, step=None, **kwargs):
    """accounts' ``password_refused``: the throttle held, the password was not checked."""
    _record_failed_password(request, email, step, refused="throttled")


def signed_out(sender, request, user, **kwargs):
    """Django's ``user_logged_out``."""
    if user is not None:
        record_activity(
            kind=Activity.Kind.SIGNED_OUT, subject=user, actor=user, request_meta=_meta(request)
        )


def password_changed(sender, user, actor, request, **kwargs):
    """accounts' ``password_changed``: the trusted browsers go with the old password."""
    forget_browsers_after_new_password(user=user, actor=actor, request_meta=_meta(request))
