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
        "passkey_added",
        "passkey_removed",
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
    send_email(
        template=f"twofactor/email/{event}",
        to=to_user.email,
        language=_language_of(to_user),
        context=context,
        description=f"Security email {event} to user {to_user.pk}",
    )


def send_email(*, template: str, to: str, language: str, context: dict, description: str) -> None:
    """Render ``<template>_subject.txt``, ``_message.txt`` and ``_message.html`` in
    ``language`` and send them to ``to``; a failure is logged (as ``description``, which must
    name no address), never raised."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string(f"{template}_message.txt", context), to=[to]
        )
        html = render_to_string(f"{template}_message.html", context)
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # an email that cannot be sent must not undo what already happened
        logger.exception("%s could not be sent", description)


def notify(*, event: str, to_users, request_meta, **context) -> None:
    """Send ``event`` to each of ``to_users`` once the current transaction has committed."""
    for user in to_users:
        transaction.on_commit(
            partial(
                send_security_email, event=event, to_user=user, request_meta=request_meta, **context
            )
        )
