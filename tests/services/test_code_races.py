"""Parallel code entry on PostgreSQL: the authenticator rows are read under SELECT ... FOR UPDATE,
so a code is accepted once however many requests race, and the failure count is exact.

Each request runs in its own thread with its own database connection, as in a multi-worker
deployment; the database is really committed (transaction=True).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD, code_failures, code_for
from twofactor.models import Activity, RecoveryCode, RefusedAttempts
from twofactor.services.activity import RequestMeta
from twofactor.services.recovery_codes import create_recovery_codes

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SIGN_IN = reverse("accounts:sign_in")
CODE = reverse("twofactor:code")
PREFERENCES = reverse("accounts:preferences")


def browsers_owing_a_code(user, count: int) -> list[Client]:
    """``count`` browsers, each with its own session that has passed the password step."""
    browsers = []
    for _ in range(count):
        browser = Client()
        response = browser.post(SIGN_IN, {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302 and response.url.startswith(CODE)
        browsers.append(browser)
    return browsers


def post_codes_at_once(browsers: list[Client], code: str, *, page=CODE, field="code") -> list:
    """Every browser posts ``code`` to ``page`` at the same moment; returns the responses in
    order."""
    start = threading.Barrier(len(browsers))

    def post(browser):
        try:
            start.wait(timeout=30)
            return browser.post(f"{page}?next={PREFERENCES}", {field: code})
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        return list(pool.map(post, browsers))


def exactly_one_signed_in(browsers: list[Client], responses: list) -> Client:
    """The one browser that was signed in (and went on to the page asked for); fails if not
    exactly one was."""
    signed_in = [
        browser
        for browser, response in zip(browsers, responses, strict=True)
        if response.status_code == 302 and response.url == PREFERENCES
    ]
    assert len(signed_in) == 1
    assert [SESSION_KEY in browser.session for browser in browsers].count(True) == 1
    return signed_in[0]


def test_same_code_posted_by_twenty_browsers_at_once_signs_in_exactly_one(
    member, add_authenticator, clock
):
    device = add_authenticator(member)
    browsers = browsers_owing_a_code(member, 20)

    responses = post_codes_at_once(browsers, code_for(device))

    signed_in = exactly_one_signed_in(browsers, responses)
    assert Activity.objects.filter(kind=Activity.Kind.CODE_ACCEPTED).count() == 1
    assert signed_in.get(PREFERENCES).status_code == 200


def test_same_recovery_code_posted_by_twenty_browsers_at_once_signs_in_exactly_one(
    member, add_authenticator, clock
):
    add_authenticator(member)
    code = create_recovery_codes(user=member, request_meta=RequestMeta())[0]
    browsers = browsers_owing_a_code(member, 20)

    responses = post_codes_at_once(
        browsers, code, page=reverse("twofactor:recovery_code"), field="code"
    )

    signed_in = exactly_one_signed_in(browsers, responses)
    assert signed_in.get(PREFERENCES).status_code == 200
    assert Activity.objects.filter(kind=Activity.Kind.RECOVERY_CODE_USED).count() == 1
    assert RecoveryCode.objects.filter(used_at__isnull=False).count() == 1


def test_thirty_wrong_codes_at_once_count_exactly_and_lock_at_ten(
    settings, member, add_authenticator, clock
):
    settings.TWOFACTOR_THROTTLE_FACTOR = 0  # no back-off: only the lock after 10 failures
    device = add_authenticator(member)
    browsers = browsers_owing_a_code(member, 30)
    wrong = code_for(device, offset_steps=-20)
    assert wrong not in {code_for(device, offset_steps=step) for step in (-1, 0, 1)}

    responses = post_codes_at_once(browsers, wrong)

    assert code_failures(member) == 10
    failed = Activity.objects.filter(kind=Activity.Kind.CODE_FAILED)
    checked = sorted(record.detail["failures"] for record in failed if "failures" in record.detail)
    assert checked == list(range(1, 11))  # each checked code saw the count of those before it
    refused = RefusedAttempts.objects.get(subject=member)  # the others, counted in one row
    assert (refused.kind, refused.count) == (RefusedAttempts.Kind.CODE_LOCKED, 20)
    assert Activity.objects.filter(kind=Activity.Kind.CODE_LOCKED).count() == 1
    pages = [response.content.decode() for response in responses]
    assert all(response.status_code == 200 for response in responses)
    assert sum("Code entry is locked" in page for page in pages) == 21
    assert sum("That code is not correct" in page for page in pages) == 9


def test_forty_refused_sign_ins_at_once_are_counted_in_one_row(settings, member, clock):
    """The window's first refusals race to make its row: one INSERT wins, the others meet the
    unique constraint and count with the UPDATE; no count is lost."""
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 1
    browsers = [Client() for _ in range(40)]
    browsers[0].post(SIGN_IN, {"email": member.email, "password": "not the password"})
    start = threading.Barrier(len(browsers))

    def post(browser):
        try:
            start.wait(timeout=30)
            return browser.post(SIGN_IN, {"email": member.email, "password": PASSWORD})
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        responses = list(pool.map(post, browsers))

    assert all("Too many failed sign-in attempts" in r.content.decode() for r in responses)
    refused = RefusedAttempts.objects.get()
    assert (refused.kind, refused.subject, refused.count) == (
        RefusedAttempts.Kind.PASSWORD_THROTTLED,
        member,
        40,
    )
