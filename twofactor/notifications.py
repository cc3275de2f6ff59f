"""Security emails: what happened, when, from which browser and IP, and what to do if
it was not the person. Sent after the transaction commits; never holds a key, code or password.

Templates: templates/twofactor/email/<event>_subject.txt, _message.txt and _message.html.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import user_agents

logger = logging.getLogger(__name__)

EVENTS = frozenset(
    {
        "two_factor_enabled",
        "authenticator_added",
        "authenticator_removed",
        "reset",
        "teammate_reset",
        "new_browser",
        "code_locked",
        "other_sessions_ended",
        "reset_requested",
        "recovery_code_used",
        "role_changed",
        "deactivated",
        "reactivated",
    }
)


def absolute_url(path: str) -> str:
    """A link for an email: PORTAL_URL (the portal's public address) followed by ``path``."""
    base = getattr(settings, "PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
    return f"{base}{path}"


def _language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def send_security_email(*, event: str, to_user, request_meta, **context) -> None:
    if event not in EVENTS:
        raise ValueError(f"Unknown security email event {event!r}")
    with translation.override(_language_of(to_user)):
        context = {
            "user": to_user,
            "when": timezone.now(),
            "browser": user_agents.describe(request_meta.user_agent),
            "ip_address": request_meta.ip_address or "—",
            "change_password_url": absolute_url(reverse("accounts:change_password")),
            **context,
        }
        prefix = f"twofactor/email/{event}"
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{prefix}_message.txt", context),
            to=[to_user.email],
        )
        message.attach_alternative(render_to_string(f"{prefix}_message.html", context), "text/html")
    try:
        message.send()
    except Exception:  # an email that cannot be sent must not undo what already happened
        logger.exception("Security email %s to user %s could not be sent", event, to_user.pk)


def notify(*, event: str, to_users, request_meta, **context) -> None:
    """Send ``event`` to each of ``to_users`` once the current transaction has committed."""
    for user in to_users:
        transaction.on_commit(
            partial(
                send_security_email, event=event, to_user=user, request_meta=request_meta, **context
            )
        )
