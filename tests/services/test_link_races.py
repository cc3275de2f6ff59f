"""Emailed links used twice at the same moment on PostgreSQL: the person's row is locked and
the link checked again inside the transaction, so a "This wasn't me" link is acted on once and
a reset link saves one password.

Each use runs in its own thread with its own database connection, as in a multi-worker
deployment; the database is really committed (transaction=True).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail
from django.db import connection
from django.test import RequestFactory

from accounts import services
from accounts.models import User
from accounts.password_reset import password_reset_tokens
from twofactor.models import Activity
from twofactor.services import not_me
from twofactor.services.activity import RequestMeta
from twofactor.tokens import not_me_tokens

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def at_once(action, arguments) -> list[str]:
    start = threading.Barrier(len(arguments))

    def run(argument):
        try:
            start.wait(timeout=30)
            return action(argument)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(run, arguments))


def test_a_this_wasnt_me_link_confirmed_twice_at_once_is_acted_on_once(member, manager):
    token = not_me_tokens.make_token(member, "new_browser")

    def confirm(_):
        try:
            not_me.report_not_me(
                user=member, event="new_browser", token=token, request_meta=RequestMeta()
            )
            return "reported"
        except not_me.NotMeLinkRefused as refused:
            return refused.check.value

    assert sorted(at_once(confirm, [1, 2])) == ["reported", "stale"]
    assert Activity.objects.filter(kind=Activity.Kind.NOT_ME_REPORTED).count() == 1
    assert len([m for m in mail.outbox if m.to == [manager.email]]) == 1


def test_a_reset_link_saved_twice_at_once_saves_one_password(member):
    token = password_reset_tokens.make_token(member)

    def save(password):
        try:
            services.reset_forgotten_password(
                user=member, token=token, new_password=password, request=RequestFactory().post("/")
            )
            return password
        except services.InvalidResetLink:
            return "refused"

    outcomes = at_once(save, ["first new pass phrase", "second new pass phrase"])

    assert outcomes.count("refused") == 1
    [saved] = [outcome for outcome in outcomes if outcome != "refused"]
    assert User.objects.get(pk=member.pk).check_password(saved)
    assert Activity.objects.filter(kind=Activity.Kind.PASSWORD_RESET).count() == 1
