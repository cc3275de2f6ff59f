"""The portal as it runs in production: gunicorn with two workers, production settings,
PostgreSQL and Redis, driven over HTTP on loopback.

gunicorn serves the test database and the suite's own Redis database, so what a test writes
(users, authenticators) the workers read, and what the workers count (throttles) the test reads.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from accounts import throttle
from tests.conftest import PASSWORD
from tests.servers import Browser, production_gunicorn
from twofactor import totp

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ACCOUNT_LIMIT = 6
SIGN_IN = reverse("accounts:sign_in")
PREFERENCES = reverse("accounts:preferences")
LOCKED = "Too many failed sign-in attempts."


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, tmp_path_factory, static_root):
    """gunicorn, 2 workers, production profile, on a free loopback port; stopped at the end."""
    folder = tmp_path_factory.mktemp("gunicorn")
    with production_gunicorn(
        folder, static_root=static_root, SIGN_IN_FAILURES_PER_ACCOUNT=str(ACCOUNT_LIMIT)
    ) as server:
        yield server


def test_two_workers_share_the_password_throttle_through_redis(gunicorn, argon2, member):
    browsers = [Browser(gunicorn.port) for _ in range(3)]
    for browser in browsers:
        assert browser.get(SIGN_IN).status == 200

    def wrong_twice(browser):
        return [
            browser.post(SIGN_IN, {"email": member.email, "password": "not-the-password"})
            for _ in range(2)
        ]

    with ThreadPoolExecutor(max_workers=3) as pool:
        failures = [response for pair in pool.map(wrong_twice, browsers) for response in pair]

    assert len(failures) == ACCOUNT_LIMIT
    assert all("The email or password is not correct." in r.text for r in failures)
    workers = {gunicorn.worker_of(response.request_id) for response in failures}
    assert len(workers) == 2, "both workers counted failures"
    # Both workers' failures are in one count, in Redis, where this process reads it too.
    assert throttle.per_account().count(member.email) == ACCOUNT_LIMIT

    with ThreadPoolExecutor(max_workers=2) as pool:
        refused = list(
            pool.map(
                lambda browser: browser.post(
                    SIGN_IN, {"email": member.email, "password": PASSWORD}
                ),
                browsers[:2] * 2,
            )
        )
    assert all(response.status == 200 and LOCKED in response.text for response in refused)
    assert all("__Host-sessionid" not in browser.cookies for browser in browsers)
    gunicorn.wait_for_log(rf"request_id={refused[0].request_id} Password step refused")


def test_full_sign_in_over_http_with_a_code_from_the_users_key(
    gunicorn, argon2, member, add_authenticator
):
    device = add_authenticator(member)
    browser = Browser(gunicorn.port)

    page = browser.get(f"{SIGN_IN}?next={PREFERENCES}")
    assert page.status == 200 and "<h1>Sign in</h1>" in page.text
    assert "Strict-Transport-Security" in page.headers
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]

    password = browser.post(
        f"{SIGN_IN}?next={PREFERENCES}", {"email": member.email, "password": PASSWORD}
    )
    assert password.status == 302, password.text
    code_page = password.headers["Location"]
    assert code_page.startswith(reverse("twofactor:code"))
    assert browser.get(PREFERENCES).status == 302  # the password alone grants nothing

    assert browser.get(code_page).status == 200
    code = totp.code_at(device.key, time.time())
    signed_in = browser.post(code_page, {"code": code})
    assert signed_in.status == 302 and signed_in.headers["Location"] == PREFERENCES
    set_cookies = " | ".join(signed_in.headers.get_all("Set-Cookie"))
    assert "__Host-sessionid=" in set_cookies and "__Host-axur_trusted_browser=" in set_cookies
    assert "Secure" in set_cookies and "HttpOnly" in set_cookies

    preferences = browser.get(PREFERENCES)
    assert preferences.status == 200
    assert "<h1>My Preferences</h1>" in preferences.text and member.email in preferences.text
    assert preferences.headers["X-Request-ID"] == preferences.request_id
    assert preferences.headers["X-Frame-Options"] == "DENY"
    gunicorn.wait_for_log(
        rf'"GET /preferences/ HTTP/1.1" 200 .* request_id={preferences.request_id}'
    )
