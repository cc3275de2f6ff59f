"""The "This wasn't me" report: from the link of a security email about their own account, a
person reports that someone else is using it."""

import secrets
from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from accounts.password_reset import send_reset_link

from ..models import Activity, TrustedBrowser
from ..notifications import absolute_url, notify
from ..selectors import managers_of
from ..tokens import NotMeCheck, not_me_tokens
from .activity import RequestMeta, record_activity


class NotMeLinkRefused(Exception):
    """The link does not work (``check`` says why)."""

    def __init__(self, check: NotMeCheck):
        super().__init__(check.value)
        self.check = check


def report_not_me(*, user, event: str, token: str, request_meta: RequestMeta):
    """Secure the person's account: every session ends and every trusted browser is forgotten
    (a new security stamp, which also voids this link and every other one of theirs), the
    current password stops working, a link to choose a new one is emailed to them, the report is
    recorded and the Managers of their team are told. Nobody is signed in.

    The person's row is locked and the link checked again inside the transaction, so a link
    confirmed twice at once is acted on once (``NotMeLinkRefused`` for the other)."""
    with transaction.atomic():
        person = get_user_model().objects.select_for_update().get(pk=user.pk)
        check = not_me_tokens.check_token(person, event, token)
        if check is not NotMeCheck.VALID or not person.is_active:
            raise NotMeLinkRefused(check if check is not NotMeCheck.VALID else NotMeCheck.INVALID)
        browsers, _ = TrustedBrowser.objects.filter(user=person).delete()
        # A random password that nobody knows, hashed like any other (set_password also gives the
        # new stamp): the old password is then refused exactly as a wrong one is, with the same
        # message and the same cost, so the sign-in tells nobody that the account was reported.
        person.set_password(secrets.token_urlsafe(32))
        person.save(update_fields=["password", "security_stamp"])
        record_activity(
            kind=Activity.Kind.NOT_ME_REPORTED,
            subject=person,
            actor=person,
            request_meta=request_meta,
            event=event,
            browsers=browsers,
        )
        transaction.on_commit(
            partial(
                send_reset_link,
                user=person,
                reported=True,
                ip_address=request_meta.ip_address,
            )
        )
        notify(
            event="not_me_reported",
            to_users=managers_of(person.team, excluding=[person]),
            request_meta=request_meta,
            member=person,
            team_url=absolute_url(reverse("team:members")),
        )
    return person
