"""Refused attempts are counted, not recorded one by one: a flood adds a row a window.

A refused attempt is one the portal turns down before checking anything: a password while the
throttle holds, a code while code entry is locked or backing off after a wrong code.
"""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD, code_failures, code_for, lock_code_entry
from twofactor import app_settings
from twofactor.models import Activity, RefusedAttempts
from twofactor.services import refusals
from twofactor.services.activity import RequestMeta

SIGN_IN = reverse("accounts:sign_in")
CODE = reverse("twofactor:code")
LOCKED_PASSWORD = "Too many failed sign-in attempts."
WINDOW = 60 * 60


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 1000
    settings.TWOFACTOR_REFUSED_ATTEMPTS_WINDOW_SECONDS = WINDOW


def rows() -> int:
    """Every row the log may show: the activity records and the counts of refused attempts."""
    return Activity.objects.count() + RefusedAttempts.objects.count()


def sign_in(client, email, password, address="203.0.113.7"):
    return client.post(SIGN_IN, {"email": email, "password": password}, REMOTE_ADDR=address)


def owing_a_code(client, user):
    """``client`` past the password step, owing a code."""
    response = sign_in(client, user.email, PASSWORD)
    assert response.status_code == 302 and response.url.startswith(CODE)
    return client


# A flood of refused attempts --------------------------------------------------------------------


def test_five_hundred_refused_sign_ins_add_one_row_that_counts_them(client, member, clock):
    for _ in range(3):
        sign_in(client, member.email, "not the password")
    before = rows()

    for _ in range(500):
        assert LOCKED_PASSWORD in sign_in(client, member.email, PASSWORD).content.decode()

    assert rows() - before <= 2
    refused = RefusedAttempts.objects.get()
    assert refused.kind == RefusedAttempts.Kind.PASSWORD_THROTTLED
    assert refused.count == 500
    assert (refused.subject, refused.team_id, refused.actor) == (member, member.team_id, None)
    assert refused.first_at == refused.last_at == timezone.now()  # the clock stands still


def test_five_hundred_codes_while_code_entry_is_locked_add_one_row_that_counts_them(
    client, member, add_authenticator, clock
):
    device = add_authenticator(member)
    owing_a_code(client, member)
    lock_code_entry(member)
    before = rows()

    for step in range(500):
        response = client.post(CODE, {"code": code_for(device)})
        assert "Code entry is locked" in response.content.decode(), step

    assert rows() - before <= 2
    refused = RefusedAttempts.objects.get()
    assert (refused.kind, refused.count) == (RefusedAttempts.Kind.CODE_LOCKED, 500)
    assert (refused.subject, refused.actor, refused.team_id) == (member, member, member.team_id)
    assert refused.origin == Activity.Origin.NOT_SIGNED_IN  # past the password, owing a code
    assert code_failures(member) == app_settings.lock_after_failures()  # not counted as wrong


def test_a_new_window_starts_a_new_count(client, member, clock):
    for _ in range(3):
        sign_in(client, member.email, "not the password")
    sign_in(client, member.email, PASSWORD)
    clock.shift(WINDOW)  # the throttle's own window (15 minutes) is over too: fail again
    for _ in range(3):
        sign_in(client, member.email, "not the password")
    sign_in(client, member.email, PASSWORD)
    sign_in(client, member.email, PASSWORD)

    counts = RefusedAttempts.objects.order_by("window_start").values_list("count", flat=True)
    assert list(counts) == [1, 2]


def test_the_window_is_aligned_and_a_setting(settings):
    settings.TWOFACTOR_REFUSED_ATTEMPTS_WINDOW_SECONDS = 15 * 60
    at = datetime(2026, 11, 29, 10, 44, 59, tzinfo=UTC)
    assert refusals.window_start(at) == datetime(2026, 11, 29, 10, 30, tzinfo=UTC)


# The back-off: not locked, but too soon after a wrong code --------------------------------------


def test_a_code_during_the_back_off_is_counted_as_too_soon(
    client, member, add_authenticator, clock
):
    device = add_authenticator(member)
    owing_a_code(client, member)
    client.post(CODE, {"code": code_for(device, offset_steps=10)})  # wrong: 1 second to wait

    response = client.post(CODE, {"code": code_for(device, offset_steps=10)})

    assert "Too many wrong codes" in response.content.decode()
    refused = RefusedAttempts.objects.get()
    assert (refused.kind, refused.count) == (RefusedAttempts.Kind.CODE_WAIT, 1)
    assert code_failures(member) == 1


def test_a_correct_code_refused_by_the_back_off_is_recorded_as_refused_not_as_wrong(
    client, member, add_authenticator, clock
):
    device = add_authenticator(member)
    owing_a_code(client, member)
    client.post(CODE, {"code": code_for(device, offset_steps=10)})  # wrong: 1 second to wait
    wrong_codes = Activity.objects.filter(kind=Activity.Kind.CODE_FAILED).count()

    client.post(CODE, {"code": code_for(device)})  # right, but too soon

    assert Activity.objects.filter(kind=Activity.Kind.CODE_FAILED).count() == wrong_codes
    refused = RefusedAttempts.objects.get(subject=member)
    assert refused.kind == RefusedAttempts.Kind.CODE_WAIT
    assert code_failures(member) == 1
    # The code was not compared, so it is still unused once the wait is over.
    clock.shift(1)
    assert client.post(CODE, {"code": code_for(device)}).status_code == 302
    assert Activity.objects.filter(kind=Activity.Kind.CODE_ACCEPTED, subject=member).exists()


# Who is counted where ---------------------------------------------------------------------------


def test_an_unknown_email_is_counted_per_client_address(client, db, settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 1000
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 2
    for address in ("203.0.113.7", "198.51.100.9"):
        for _ in range(2):
            sign_in(client, "nobody@acme.test", "guess", address)
        for typed in ("nobody@acme.test", "someone@acme.test", "hunter2 in the email field"):
            sign_in(client, typed, "guess", address)

    counted = RefusedAttempts.objects.order_by("ip_address")
    # Text that is no address is no attempt (the form asks for an address): two refusals each.
    assert [(row.ip_address, row.count, row.subject) for row in counted] == [
        ("198.51.100.9", 2, None),
        ("203.0.113.7", 2, None),
    ]
    assert all(row.team is None for row in counted)  # no team's log shows them
    # The last well-formed email typed is kept, never the other text.
    assert {row.email for row in counted} == {"someone@acme.test"}


def test_a_count_keeps_no_typed_text_that_is_not_an_address(client, db, settings):
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 1
    sign_in(client, "nobody@acme.test", "guess")
    sign_in(client, "correct horse in the email field", "x")
    sign_in(client, "other@acme.test", "x")
    row = RefusedAttempts.objects.get()
    values = [getattr(row, field.attname) for field in RefusedAttempts._meta.concrete_fields]
    assert (row.count, row.email) == (1, "other@acme.test")
    assert not any("horse" in str(value) for value in values)


def test_the_last_address_and_browser_are_kept(client, member, clock):
    for _ in range(3):
        sign_in(client, member.email, "not the password")
    sign_in(client, member.email, PASSWORD, address="203.0.113.7")
    clock.shift(60)
    client.post(
        SIGN_IN,
        {"email": member.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.9",
        HTTP_USER_AGENT="Firefox",
    )
    row = RefusedAttempts.objects.get()
    assert (row.count, row.ip_address, row.user_agent) == (2, "198.51.100.9", "Firefox")
    assert (row.last_at - row.first_at).total_seconds() == 60


# Counted atomically ------------------------------------------------------------------------------


def test_a_first_attempt_that_loses_the_race_counts_in_the_winners_row(member, monkeypatch, clock):
    """Two first attempts of a window at once: both UPDATEs find no row, both INSERT; the
    second INSERT meets the unique constraint and counts with the UPDATE again."""
    meta = RequestMeta("203.0.113.7", "Firefox", Activity.Origin.NOT_SIGNED_IN)
    kind = RefusedAttempts.Kind.PASSWORD_THROTTLED
    refusals.count_refused_attempt(kind=kind, subject=member, request_meta=meta)  # the winner
    update = QuerySet.update
    missed = []

    def update_before_the_winner_commits(self, **changes):
        if self.model is RefusedAttempts and not missed:
            missed.append(True)
            return 0
        return update(self, **changes)

    monkeypatch.setattr(QuerySet, "update", update_before_the_winner_commits)

    refusals.count_refused_attempt(kind=kind, subject=member, request_meta=meta)

    assert missed
    assert list(RefusedAttempts.objects.values_list("count", flat=True)) == [2]


@pytest.mark.parametrize(
    "key",
    [
        {"subject": "member"},
        {"ip_address": "203.0.113.7"},
        {"ip_address": None},
    ],
    ids=["per person", "per address", "nobody known, no address"],
)
def test_the_database_allows_one_row_per_window(member, key, clock):
    values = {**key, "subject": member if key.get("subject") else None}
    row = {
        "kind": RefusedAttempts.Kind.CODE_LOCKED,
        "origin": Activity.Origin.NOT_SIGNED_IN,
        "window_start": refusals.window_start(timezone.now()),
        "first_at": timezone.now(),
        "last_at": timezone.now(),
        **values,
    }
    RefusedAttempts.objects.create(**row)
    with pytest.raises(IntegrityError), transaction.atomic():
        RefusedAttempts.objects.create(**row)


def test_the_count_itself_keeps_no_typed_text_that_is_not_an_address(db):
    """Whoever calls it, the service keeps an email only if it is a well-formed address."""
    for typed in ("hunter2 typed as an email", "nobody@acme.test"):
        refusals.count_refused_attempt(
            kind=RefusedAttempts.Kind.PASSWORD_THROTTLED,
            request_meta=RequestMeta("203.0.113.7"),
            email=typed,
        )
        assert RefusedAttempts.objects.get().email == ("" if "hunter2" in typed else typed)
