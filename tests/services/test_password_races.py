"""The password throttle in production, under parallel requests: gunicorn with four workers,
production profile, on PostgreSQL and Redis. The scenarios are in tests/password_races.py; the
embedded counterpart is tests/accounts/test_password_races.py.

The test and the workers share the test database and the suite's Redis database, so the test
seeds the account, its session and its throttle's failures itself.
"""

import uuid
from dataclasses import dataclass

import pytest
from django.test import Client

from accounts import throttle
from tests import password_races as races
from tests.conftest import sign_in_verified
from tests.servers import Gunicorn, production_gunicorn

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def gunicorn_four_workers(django_db_setup, tmp_path_factory, static_root):
    with production_gunicorn(
        tmp_path_factory.mktemp("gunicorn-four"),
        static_root=static_root,
        WEB_CONCURRENCY="4",
        SIGN_IN_FAILURES_PER_ACCOUNT=str(races.LIMIT),
        # Every attempt of these tests comes from 127.0.0.1: only the account's limit is tested.
        SIGN_IN_FAILURES_PER_ADDRESS="100000",
        # One window for the whole run (a window ending mid-test would start the counts afresh).
        SIGN_IN_FAILURE_WINDOW_SECONDS=str(10**10),
    ) as gunicorn:
        yield gunicorn


@dataclass
class ProductionServer:
    gunicorn: Gunicorn
    make_user: object
    add_authenticator: object
    team: object
    https = True
    session_cookie = "__Host-sessionid"

    @property
    def port(self) -> int:
        return self.gunicorn.port

    def seed(self, *, failures: int, signed_in: bool) -> races.Account:
        user = self.make_user(f"{uuid.uuid4().hex[:12]}@acme.test", team=self.team)
        session_key = ""
        if signed_in:
            browser = sign_in_verified(Client(), user, self.add_authenticator(user))
            session_key = browser.session.session_key
        counter = throttle.per_account()
        for _ in range(failures):
            counter.take(user.email)
        return races.Account(user.email, session_key)


@pytest.fixture
def server(gunicorn_four_workers, settings, make_user, add_authenticator, acme):
    # Passwords hashed as production hashes them, so the workers can check them; the same
    # window as the workers', so the test's counts are theirs.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    settings.SIGN_IN_FAILURE_WINDOW_SECONDS = 10**10
    return ProductionServer(gunicorn_four_workers, make_user, add_authenticator, acme)


@pytest.mark.parametrize("prompt", races.PROMPTS, ids=lambda prompt: prompt.name)
def test_twenty_wrong_passwords_at_once_with_one_attempt_left_check_exactly_one(server, prompt):
    races.wrong_passwords_at_once_after_nine_failures(server, prompt)


@pytest.mark.parametrize("prompt", races.PROMPTS, ids=lambda prompt: prompt.name)
def test_right_password_after_a_burst_that_reaches_the_limit_is_refused(server, prompt):
    races.right_password_after_a_burst_that_reaches_the_limit(server, prompt)


@pytest.mark.parametrize("prompt", races.PROMPTS, ids=lambda prompt: prompt.name)
def test_right_password_among_twenty_at_once_at_the_limit_is_refused(server, prompt):
    races.right_password_among_twenty_at_once_after_ten_failures(server, prompt)
