"""Parallel use of one invitation on PostgreSQL: joining reads the invitation under
SELECT ... FOR UPDATE, so twenty browsers posting "Join" with the same link at once create one
person; parallel lists to the same address leave one pending invitation; the daily limit holds
under parallel lists (Redis)."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from team.models import Invitation
from team.services import invitations
from twofactor.models import Activity
from twofactor.services.activity import RequestMeta

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LINK = re.compile(r"https?://[^/\s]+(/team/join/[^/\s]+/)")
PASSWORD = "a long new passphrase 42"


def at_once(count: int, action) -> list:
    """``action(n)`` in ``count`` threads at the same moment, each with its own connection."""
    start = threading.Barrier(count)

    def run(n):
        try:
            start.wait(timeout=30)
            return action(n)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def send(actor, team, emails):
    return invitations.send_invitations(
        actor=actor,
        team=team,
        emails=emails,
        role="member",
        language="en",
        request_meta=RequestMeta(),
    )


def test_one_link_posted_by_twenty_browsers_at_once_makes_one_person(manager, acme):
    send(manager, acme, ["nora@new.test"])
    link = LINK.search(mail.outbox[-1].body).group(1)
    browsers = [Client() for _ in range(20)]
    for browser in browsers:
        assert browser.get(link).status_code == 302

    responses = at_once(
        20,
        lambda n: browsers[n].post(
            reverse("team:join"),
            {"full_name": f"Nora {n}", "password1": PASSWORD, "password2": PASSWORD},
        ),
    )

    joined = [r for r in responses if r.status_code == 302]
    assert len(joined) == 1 and joined[0].url == reverse("twofactor:setup_app")
    assert all("cannot be used" in r.content.decode() for r in responses if r.status_code != 302)
    assert User.objects.filter(email="nora@new.test").count() == 1
    assert [SESSION_KEY in browser.session for browser in browsers].count(True) == 1
    assert Activity.objects.filter(kind=Activity.Kind.INVITATION_ACCEPTED).count() == 1


def test_parallel_invitations_to_one_address_leave_one_pending(manager, acme):
    results = at_once(10, lambda n: send(manager, acme, ["nora@new.test"]))
    assert all(result.sent == ["nora@new.test"] for result in results)
    assert Invitation.objects.pending().filter(email="nora@new.test").count() == 1
    assert Invitation.objects.count() == 10


def test_the_daily_limit_holds_under_parallel_lists(manager, acme, settings):
    settings.TEAM_INVITATIONS_PER_DAY = 10

    def attempt(n):
        try:
            send(manager, acme, [f"p{n}a@new.test", f"p{n}b@new.test", f"p{n}c@new.test"])
        except invitations.InvitationLimitReached:
            return False
        return True

    sent = at_once(8, attempt)
    assert sent.count(True) == 3  # 3 lists of 3 fit in 10, a fourth would not
    assert Invitation.objects.count() == 9
