"""The 2FA status of a person, for every combination of the facts it depends on, as every
place shows it: My Team's rows, its filters and counts, the admin's filter, My Preferences.

The expected statuses are written out here, not taken from the rule table, so a change to any
rule (or to how one fact is read from the database) fails these tests.
"""

from datetime import timedelta
from itertools import product

import pytest
from django.urls import reverse
from django.utils import timezone

from team import selectors as team_selectors
from tests.conftest import lock_code_entry
from twofactor import app_settings
from twofactor.models import ResetRequest
from twofactor.selectors import two_factor_summary
from twofactor.status import (
    TwoFactorStatus,
    status_of,
    status_of_annotated,
    with_two_factor_status,
    with_two_factor_status_of,
)

# (deactivated, has an authenticator, code entry locked, reset requested) -> what people are
# told. Deactivated wins over everything else.
EXPECTED = {
    (False, True, True, True): "locked",
    (False, True, True, False): "locked",
    (False, True, False, True): "requested",
    (False, True, False, False): "on",
    (False, False, True, True): "requested",
    (False, False, True, False): "off",
    (False, False, False, True): "requested",
    (False, False, False, False): "off",
    (True, True, True, True): "deactivated",
    (True, True, True, False): "deactivated",
    (True, True, False, True): "deactivated",
    (True, True, False, False): "deactivated",
    (True, False, True, True): "deactivated",
    (True, False, True, False): "deactivated",
    (True, False, False, True): "deactivated",
    (True, False, False, False): "deactivated",
}


@pytest.fixture
def people(make_user, add_authenticator, acme, settings):
    """One teammate for each combination of facts, plus the near misses that must not count:
    a lock that has run out, one failure short of the lock, a dismissed request, an unfinished
    authenticator."""
    expected = {}
    for facts in product((True, False), repeat=4):
        deactivated, has_authenticator, locked, requested = facts
        name = "-".join(
            f"{word}" if on else f"no{word}"
            for word, on in zip(("off", "app", "lock", "req"), facts, strict=True)
        )
        person = make_user(
            f"{name}@acme.test", team=acme, full_name=name, is_active=not deactivated
        )
        if has_authenticator:
            add_authenticator(person)
        else:
            add_authenticator(person, confirmed=False)
        if locked:
            lock_code_entry(person)
        if requested:
            ResetRequest.objects.create(user=person, team=acme)
        expected[person.email] = EXPECTED[facts]

    expired = make_user("expired-lock@acme.test", team=acme)
    add_authenticator(expired)
    lock_code_entry(expired, at=timezone.now() - timedelta(seconds=app_settings.lock_seconds() + 1))
    short = make_user("nine-failures@acme.test", team=acme)
    add_authenticator(short)
    lock_code_entry(short, failures=app_settings.lock_after_failures() - 1)
    dismissed = make_user("dismissed-request@acme.test", team=acme)
    add_authenticator(dismissed)
    ResetRequest.objects.create(user=dismissed, team=acme, status=ResetRequest.Status.DISMISSED)
    for person in (expired, short, dismissed):
        expected[person.email] = "on"
    return expected


@pytest.mark.parametrize("facts", list(EXPECTED), ids=str)
def test_the_rule_gives_each_combination_its_status(facts):
    deactivated, has_authenticator, locked, requested = facts
    assert (
        status_of(
            deactivated=deactivated,
            has_authenticator=has_authenticator,
            locked=locked,
            requested=requested,
        )
        == (EXPECTED[facts])
    )


def test_my_team_rows_show_each_persons_status(people, acme):
    shown = {person.email: status_of_annotated(person) for person in team_selectors.teammates(acme)}
    assert shown == people


def test_the_status_computed_in_sql_for_the_admin_is_the_same(people, acme):
    from accounts.models import User

    shown = {
        person.email: person.two_factor_status
        for person in with_two_factor_status(User.objects.filter(team=acme))
    }
    assert shown == people


@pytest.mark.parametrize("status", TwoFactorStatus.values)
def test_each_filter_and_count_holds_exactly_the_people_of_its_status(people, acme, status):
    wanted = {email for email, expected in people.items() if expected == status}
    listed = {person.email for person in team_selectors.teammates(acme, status=status)}
    assert listed == wanted
    assert team_selectors.count_teammates(acme, status=status) == len(wanted)
    from accounts.models import User

    assert {p.email for p in with_two_factor_status_of(User.objects.all(), status)} == wanted


@pytest.mark.parametrize("status", TwoFactorStatus.values)
def test_the_admin_filter_holds_exactly_the_people_of_its_status(people, admin_client, status):
    response = admin_client.get(reverse("admin:accounts_user_changelist"), {"two_factor": status})
    listed = {person.email for person in response.context["cl"].result_list}
    assert listed - {"root@axur.test"} == {e for e, s in people.items() if s == status}


def test_my_preferences_summary_says_the_same_status(people):
    from accounts.models import User

    summaries = {
        p.email: two_factor_summary(p).status for p in User.objects.filter(email__in=people)
    }
    assert summaries == people
