"""Parallel password attempts against a real server: the throttle's limit holds however many
requests arrive at once.

The same scenarios run on the embedded default (gunicorn with threads and processes on a SQLite
file, tests/accounts/test_password_races.py) and in production (gunicorn workers on PostgreSQL and
Redis, tests/services/test_password_races.py). A server gives the scenarios an account whose
throttle has counted some failures already (``seed``), so only the attempts that matter are
real password checks.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from django.urls import reverse

from tests.conftest import PASSWORD
from tests.servers import Browser, Response

LIMIT = 10  # SIGN_IN_FAILURES_PER_ACCOUNT of the servers
AT_ONCE = 20
LOCKED = "Too many failed sign-in attempts."


@dataclass(frozen=True)
class Account:
    email: str
    session_key: str = ""  # a session that has passed the password and a code, if asked for


class Server(Protocol):
    port: int
    https: bool
    session_cookie: str

    def seed(self, *, failures: int, signed_in: bool) -> Account:
        """A new account whose throttle has counted ``failures``, signed in if asked."""


@dataclass(frozen=True)
class Prompt:
    """A page that asks for the password: the sign-in, or recent authentication (the password
    typed again by a signed-in person)."""

    name: str
    path: str
    wrong: str  # what the page says to a wrong password
    signed_in: bool

    def form(self, account: Account, password: str) -> dict:
        if self.signed_in:
            return {"password": password}
        return {"email": account.email, "password": password}

    def browsers(self, server: Server, account: Account, count: int) -> list[Browser]:
        """``count`` browsers that have the prompt's form (and its CSRF token) in front of them:
        anonymous ones for the sign-in, tabs of the person's signed-in browser otherwise."""
        if not self.signed_in:
            browsers = [Browser(server.port, https=server.https) for _ in range(count)]
            for browser in browsers:
                assert browser.get(self.path).status == 200
            return browsers
        browser = Browser(server.port, https=server.https)
        browser.cookies[server.session_cookie] = account.session_key
        page = browser.get(self.path)
        assert page.status == 200 and 'name="password"' in page.text, page.text
        return [browser.copy() for _ in range(count)]

    def outcome(self, response: Response) -> str:
        """``passed`` (the password was right), ``wrong`` (checked and wrong) or ``refused``
        (the throttle held: not checked)."""
        if response.status == 302:
            return "passed"
        assert response.status == 200, response.status
        if LOCKED in response.text:
            return "refused"
        assert self.wrong in response.text, response.text
        return "wrong"


SIGN_IN = Prompt(
    "sign-in", reverse("accounts:sign_in"), "The email or password is not correct.", False
)
CONFIRM = Prompt(
    "confirm-password", reverse("accounts:confirm_password"), "That is not your password.", True
)
PROMPTS = [SIGN_IN, CONFIRM]


def post_at_once(prompt: Prompt, browsers: list[Browser], forms: list[dict]) -> list[str]:
    """Every browser posts its form at the same moment; the outcomes, in order."""
    start = threading.Barrier(len(browsers))
    with ThreadPoolExecutor(max_workers=len(browsers)) as pool:
        responses = pool.map(
            lambda pair: pair[0].post(prompt.path, pair[1], start=start),
            zip(browsers, forms, strict=True),
        )
        return [prompt.outcome(response) for response in responses]


def wrong_passwords(account: Account, prompt: Prompt, count: int) -> list[dict]:
    return [prompt.form(account, f"not the password {n}") for n in range(count)]


# The scenarios ----------------------------------------------------------------------------------


def wrong_passwords_at_once_after_nine_failures(server: Server, prompt: Prompt) -> None:
    """With one attempt left, 20 wrong passwords at once: exactly one is checked."""
    account = server.seed(failures=LIMIT - 1, signed_in=prompt.signed_in)
    browsers = prompt.browsers(server, account, AT_ONCE)

    outcomes = post_at_once(prompt, browsers, wrong_passwords(account, prompt, AT_ONCE))

    assert Counter(outcomes) == {"wrong": 1, "refused": AT_ONCE - 1}, Counter(outcomes)


def right_password_after_a_burst_that_reaches_the_limit(server: Server, prompt: Prompt) -> None:
    """With one attempt left, 19 wrong passwords at once, then the right one once they have
    answered: the limit is reached, so the right one is refused too."""
    account = server.seed(failures=LIMIT - 1, signed_in=prompt.signed_in)
    *browsers, last = prompt.browsers(server, account, AT_ONCE)

    outcomes = post_at_once(prompt, browsers, wrong_passwords(account, prompt, AT_ONCE - 1))
    right = prompt.outcome(last.post(prompt.path, prompt.form(account, PASSWORD)))

    assert Counter(outcomes) == {"wrong": 1, "refused": AT_ONCE - 2}, Counter(outcomes)
    assert right == "refused"


def right_password_among_twenty_at_once_after_ten_failures(server: Server, prompt: Prompt) -> None:
    """At the limit, 20 attempts at once with the right password among them: none passes."""
    account = server.seed(failures=LIMIT, signed_in=prompt.signed_in)
    browsers = prompt.browsers(server, account, AT_ONCE)
    forms = wrong_passwords(account, prompt, AT_ONCE)
    forms[AT_ONCE // 2] = prompt.form(account, PASSWORD)

    outcomes = post_at_once(prompt, browsers, forms)

    assert Counter(outcomes) == {"refused": AT_ONCE}, Counter(outcomes)
