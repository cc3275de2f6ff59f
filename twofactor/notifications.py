"""Security emails: what happened, when, from which browser and IP, and what to do if
it was not the person. Sent after the transaction commits; never holds a key, code or password.

Templates: templates/twofactor/email/<event>_subject.txt, _message.txt and _message.html.

Each event is about the recipient's own account or tells a Manager about a teammate. An email
about one's own account carries a "This wasn't me" link made here for the recipient and the
event (``tokens.not_me_tokens``), which the shared base templates show
(``_not_me.txt`` / ``_not_me.html``); a Manager's email carries none.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.password_reset import uid_of
from accounts.redirects import absolute_url

from . import user_agents
from .tokens import not_me_tokens

logger = logging.getLogger(__name__)

OWN_ACCOUNT_EVENTS = frozenset(
    {
        "two_factor_enabled",
        "authenticator_added",
        "authenticator_removed",
        "reset",
        "new_browser",
        "code_locked",
        "other_sessions_ended",
        "recovery_code_used",
        "passkey_added",
        "passkey_removed",
        "role_changed",
        "deactivated",
        "reactivated",
        "password_reset",
    }
)
MANAGER_EVENTS = frozenset({"teammate_reset", "reset_requested", "not_me_reported"})
EVENTS = OWN_ACCOUNT_EVENTS | MANAGER_EVENTS


def not_me_url(user, event: str) -> str:
    token = not_me_tokens.make_token(user, event)
    return absolute_url(reverse("twofactor:not_me", args=[uid_of(user), event, token]))


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
            "not_me_url": not_me_url(to_user, event) if event in OWN_ACCOUNT_EVENTS else "",
            "not_me_days": not_me_tokens.valid_days(),
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
