"""Forgotten password: the link emailed to the person, its token, and sending it after the
answer.

The token is Django's ``PasswordResetTokenGenerator``'s (a timestamp and an HMAC under the
secret key, compared in constant time, expiring after ``PASSWORD_RESET_TIMEOUT``), with the
person's security stamp and active flag folded in beside the password hash and last sign-in:
nothing is stored, the link works once (a new password changes the hash and the stamp), and a
reset, "Sign out everywhere else", "This wasn't me" or a deactivation void it at once. The link
itself signs nobody in: it only leads to "Choose a new password".

The page that asks for a link answers the same whatever the address: the request looks nobody
up. Finding the person and sending the email run once the answer has gone (``RedirectThen``),
so an address with an account takes no longer to answer than one without.
"""

import logging
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMultiAlternatives
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from .models import User
from .redirects import absolute_url

logger = logging.getLogger(__name__)


class PasswordResetLinkTokens(PasswordResetTokenGenerator):
    key_salt = "accounts.password_reset.PasswordResetLinkTokens"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}:{user.security_stamp}:{user.is_active}"


password_reset_tokens = PasswordResetLinkTokens()


def link_minutes() -> int:
    """How long a link works, in whole minutes, for the pages and the email."""
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 60)


def uid_of(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def user_of_uid(uidb64: str) -> User | None:
    """The active person a link's uid names, or None (a bad uid, nobody, or deactivated)."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def reset_link(user) -> str:
    token = password_reset_tokens.make_token(user)
    path = reverse("accounts:password_reset_link", args=[uid_of(user), token])
    return absolute_url(path)


def send_reset_link(
    *, user, reported: bool = False, language: str = "", ip_address: str | None = None
) -> None:
    """Email ``user`` a link to choose a new password, made from their state now (call it once
    that state is committed). ``reported`` is the email that follows "This wasn't me": the
    password already stopped working. A failure is logged (never the link) and not raised."""
    with translation.override(user.language or language or settings.LANGUAGE_CODE):
        context = {
            "user": user,
            "reset_url": reset_link(user),
            "minutes": link_minutes(),
            "reported": reported,
            "when": timezone.now(),
            "ip_address": ip_address or "—",
            "sign_in_url": absolute_url(reverse("accounts:sign_in")),
            "forgot_password_url": absolute_url(reverse("accounts:forgot_password")),
        }
        prefix = "accounts/email/password_reset_link"
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string(f"{prefix}_message.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string(f"{prefix}_message.html", context), "text/html")
    try:
        message.send()
    except Exception:  # logged for the operators; the person can ask for another link
        logger.exception("Password reset link email to user %s could not be sent", user.pk)


def send_reset_link_to(*, email: str, language: str, ip_address: str | None) -> None:
    """The request of the "Forgot your password?" page, done after its answer: the link goes
    to the active person with that email, if there is one."""
    user = User.objects.filter(email=User.objects.normalize_email(email), is_active=True).first()
    if user is not None:
        send_reset_link(user=user, language=language, ip_address=ip_address)


def reset_link_later(*, email: str, language: str, ip_address: str | None) -> Callable[[], None]:
    return partial(send_reset_link_to, email=email, language=language, ip_address=ip_address)


class RedirectThen(HttpResponseRedirect):
    """A redirect that runs ``then`` (callables) once it has been sent.

    The WSGI server calls a response's ``close()`` after writing its last byte (Django's test
    client does the same), so work done there adds nothing to the time of the answer, which
    the browser has whole (its length is known). Each callable handles its own failures; one
    that raises anyway is logged, and never turns a sent answer into an error.
    """

    def __init__(self, redirect_to, *args, then: list[Callable[[], None]], **kwargs):
        super().__init__(redirect_to, *args, **kwargs)
        self.then = list(then)

    def close(self):
        tasks, self.then = self.then, []
        try:
            for task in tasks:
                try:
                    task()
                except Exception:
                    logger.exception("Work after the response failed")
        finally:
            super().close()
