"""The portal as it runs in production: gunicorn with two workers, production settings,
PostgreSQL and Redis, driven over HTTP on loopback.

gunicorn serves the test database and the suite's own Redis database, so what a test writes
(users, authenticators) the workers read, and what the workers count (throttles) the test reads.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from accounts import throttle
from tests.conftest import PASSWORD
from tests.production import BASE_DIR, PYTHON, manage, production_environment
from twofactor import totp

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ACCOUNT_LIMIT = 6
SIGN_IN = reverse("accounts:sign_in")
PREFERENCES = reverse("accounts:preferences")
LOCKED = "Too many failed sign-in attempts."
START_SECONDS = 60
STOP_SECONDS = 30
LOG_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Gunicorn:
    port: int
    log_path: object
    process: subprocess.Popen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, pattern: str) -> re.Match:
        """The first match of ``pattern`` in the log. A worker writes its access line just after
        it has sent the response, so the line may come a moment after the response."""
        deadline = time.monotonic() + LOG_SECONDS
        while not (match := re.search(pattern, self.log())):
            assert time.monotonic() < deadline, f"{pattern!r} is not in the log:\n{self.log()}"
            time.sleep(0.05)
        return match

    def worker_of(self, request_id: str) -> str:
        """The pid of the worker that served the request (from the access log)."""
        return self.wait_for_log(rf"request_id={re.escape(request_id)} pid=<?(\d+)").group(1)


@pytest.fixture(scope="module")
def gunicorn(django_db_setup, tmp_path_factory):
    """gunicorn, 2 workers, production profile, on a free loopback port; stopped at the end."""
    folder = tmp_path_factory.mktemp("gunicorn")
    database = connection.settings_dict
    port = free_port()
    environment = production_environment(
        DJANGO_SECRET_KEY=django_settings.SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        TWOFACTOR_ENCRYPTION_KEYS=",".join(django_settings.TWOFACTOR_ENCRYPTION_KEYS),
        DATABASE_URL=(
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        REDIS_URL=django_settings.CACHES["default"]["LOCATION"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        STATIC_ROOT=str(folder / "static"),
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
        SIGN_IN_FAILURES_PER_ACCOUNT=str(ACCOUNT_LIMIT),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    collected = manage("collectstatic", "--noinput", environment=environment)
    assert collected.returncode == 0, collected.stderr

    log_path = folder / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--config", "axur_portal/gunicorn.conf.py"],
            cwd=BASE_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its workers
        )
    server = Gunicorn(port=port, log_path=log_path, process=process)
    try:
        deadline = time.monotonic() + START_SECONDS
        while not healthy(port):
            assert process.poll() is None, f"gunicorn stopped:\n{server.log()}"
            assert time.monotonic() < deadline, f"gunicorn did not start:\n{server.log()}"
            time.sleep(0.2)
        yield server
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_SECONDS)


def healthy(port: int) -> bool:
    try:
        connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection_.request("GET", "/healthz")
        return connection_.getresponse().status == 200
    except OSError:
        return False


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str
    request_id: str


@dataclass
class Browser:
    """A browser behind a TLS-terminating proxy: it sends X-Forwarded-Proto: https, keeps its
    cookies (Secure ones too) and sends the CSRF token of the last form it saw."""

    port: int
    cookies: dict = field(default_factory=dict)
    csrf_token: str = ""

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, form: dict | None = None) -> Response:
        request_id = f"test-{uuid.uuid4().hex}"
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "X-Request-ID": request_id,
            "Connection": "close",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({**form, "csrfmiddlewaretoken": self.csrf_token})
            headers |= {
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            }
        http_connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            http_connection.request(method, path, body=body, headers=headers)
            raw = http_connection.getresponse()
            text = raw.read().decode()
        finally:
            http_connection.close()
        for header in raw.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        if match := re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text):
            self.csrf_token = match.group(1)
        return Response(raw.status, raw.headers, text, request_id)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Response:
        return self.request("POST", path, form)


@pytest.fixture
def argon2(settings):
    """Passwords hashed as production hashes them, so gunicorn's workers can check them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


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
