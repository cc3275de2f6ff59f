"""What the two-factor app does when accounts signs people in and out or changes a password:
the activity records of the password step (refused attempts counted), and the trusted browsers
tied to the old password.

Connected by ``TwoFactorConfig.ready``.
"""

from accounts.selectors import user_by_email

from .models import Activity, RefusedAttempts
from .services.activity import RequestMeta, record_activity, recordable_email
from .services.browsers import forget_browsers_after_new_password
from .services.refusals import count_refused_attempt


def _meta(request) -> RequestMeta:
    return RequestMeta.from_request(request) if request is not None else RequestMeta()


def _who_typed(request, email: str, step: str | None):
    """``(subject, actor, email)`` of a password attempt: the signed-in person typing their own
    password again, or at sign-in the account of the typed email (if any) and no actor. The
    email is kept only if it is a well-formed address: other typed text may be a password."""
    signed_in = getattr(request, "user", None)
    if step is not None and signed_in is not None and signed_in.is_authenticated:
        return signed_in, signed_in, ""
    email = recordable_email(email)
    return user_by_email(email), None, email


def password_failed(sender, credentials, request=None, step=None, **kwargs):
    """Django's ``user_login_failed``: a wrong password (a deactivated person's right one is
    ``deactivated_sign_in_refused``)."""
    subject, actor, email = _who_typed(request, credentials.get("email") or "", step)
    record_activity(
        kind=Activity.Kind.PASSWORD_FAILED,
        subject=subject,
        actor=actor,
        request_meta=_meta(request),
        **({"step": step} if actor is not None else {}),
        **({"email": email} if email else {}),
    )


def password_refused(sender, request, email, blocked_by, step=None, **kwargs):
    """accounts' ``password_refused``: the throttle held, the password was not checked. Counted,
    not recorded one by one, so a flood of attempts adds a row a window."""
    subject, actor, email = _who_typed(request, email, step)
    count_refused_attempt(
        kind=RefusedAttempts.Kind.PASSWORD_THROTTLED,
        subject=subject,
        actor=actor,
        request_meta=_meta(request),
        email=email,
    )


def deactivated_sign_in_refused(sender, request, user, **kwargs):
    """accounts' ``deactivated_sign_in_refused``: the right password of a deactivated person."""
    record_activity(
        kind=Activity.Kind.SIGN_IN_REFUSED_DEACTIVATED,
        subject=user,
        actor=user,
        request_meta=_meta(request),
    )


def signed_out(sender, request, user, **kwargs):
    """Django's ``user_logged_out``."""
    if user is not None:
        record_activity(
            kind=Activity.Kind.SIGNED_OUT, subject=user, actor=user, request_meta=_meta(request)
        )


def password_changed(sender, user, actor, request, through_reset_link=False, **kwargs):
    """accounts' ``password_changed``: the trusted browsers go with the old password."""
    forget_browsers_after_new_password(
        user=user,
        actor=actor,
        request_meta=_meta(request),
        through_reset_link=through_reset_link,
    )
