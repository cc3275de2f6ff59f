"""The password throttle on the embedded default, under parallel requests: gunicorn with two
processes of four threads each, on a SQLite file (an in-memory database would share one
connection between threads), migrated and seeded by the test. The scenarios are in
tests/password_races.py; the production counterpart is tests/services/test_password_races.py.
"""

import json
import uuid
from dataclasses import dataclass

import pytest

from tests import password_races as races
from tests.conftest import PASSWORD
from tests.production import manage
from tests.servers import Gunicorn, embedded_server_environment, running_gunicorn

# Run in the server's own process (``manage.py shell``): an account, its throttle's failures and,
# if asked, a session that has passed the password and a code. Prints the session key.
SEED = """
import json
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from accounts import throttle
from accounts.models import Team, User
from twofactor import totp
from twofactor.models import Authenticator, CodeThrottle

spec = json.loads({spec!r})
team, _ = Team.objects.get_or_create(name="Acme")
user = User(email=spec["email"], team=team)
user.set_password(spec["password"])
user.save()
session_key = ""
if spec["signed_in"]:
    device = Authenticator(user=user, name="My phone", confirmed=True)
    device.key = totp.generate_key()
    device.save()
    CodeThrottle.objects.get_or_create(user=user)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    session_key = session.session_key
for _ in range(spec["failures"]):
    throttle.per_account().take(spec["email"])
print(json.dumps({{"session_key": session_key}}))
"""


@dataclass
class EmbeddedServer:
    gunicorn: Gunicorn
    environment: dict
    https = False
    session_cookie = "sessionid"

    @property
    def port(self) -> int:
        return self.gunicorn.port

    def seed(self, *, failures: int, signed_in: bool) -> races.Account:
        spec = {
            "email": f"{uuid.uuid4().hex[:12]}@acme.test",
            "password": PASSWORD,
            "failures": failures,
            "signed_in": signed_in,
        }
        done = manage(
            "shell", "-c", SEED.format(spec=json.dumps(spec)), environment=self.environment
        )
        assert done.returncode == 0, done.stdout + done.stderr
        output = json.loads(done.stdout.strip().splitlines()[-1])
        return races.Account(spec["email"], output["session_key"])


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("embedded")
    environment = embedded_server_environment(
        folder,
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
        SIGN_IN_FAILURES_PER_ACCOUNT=str(races.LIMIT),
        # Every attempt of these tests comes from 127.0.0.1: only the account's limit is tested.
        SIGN_IN_FAILURES_PER_ADDRESS="100000",
        # One window for the whole run (windows are fixed: one ending mid-test would start the
        # counts afresh).
        SIGN_IN_FAILURE_WINDOW_SECONDS=str(10**10),
    )
    with running_gunicorn(environment, folder / "gunicorn.log") as gunicorn:
        yield EmbeddedServer(gunicorn, environment)


@pytest.mark.parametrize("prompt", races.PROMPTS, ids=lambda prompt: prompt.name)
def test_twenty_wrong_passwords_at_once_with_one_attempt_left_check_exactly_one(
    embedded_server, prompt
):
    races.wrong_passwords_at_once_after_nine_failures(embedded_server, prompt)


@pytest.mark.parametrize("prompt", races.PROMPTS, ids=lambda prompt: prompt.name)
def test_right_password_after_a_burst_that_reaches_the_limit_is_refused(embedded_server, prompt):
    races.right_password_after_a_burst_that_reaches_the_limit(embedded_server, prompt)


@pytest.mark.parametrize("prompt", races.PROMPTS, ids=lambda prompt: prompt.name)
def test_right_password_among_twenty_at_once_at_the_limit_is_refused(embedded_server, prompt):
    races.right_password_among_twenty_at_once_after_ten_failures(embedded_server, prompt)
