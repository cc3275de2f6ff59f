"""The portal served by gunicorn in a child process, and browsers that drive it over HTTP.

``running_gunicorn`` starts gunicorn with the portal's own configuration on a free loopback port
(whatever the environment says: the production profile on PostgreSQL and Redis, or the embedded
default on a SQLite file) and stops it with its workers. ``Browser`` keeps its cookies and sends
the CSRF token of the last form it saw, as a browser does.
"""

import contextlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from tests.production import BASE_DIR, PYTHON, manage, production_environment

START_SECONDS = 60
STOP_SECONDS = 30
LOG_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(port: int) -> bool:
    try:
        connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection_.request("GET", "/healthz")
        return connection_.getresponse().status == 200
    except OSError:
        return False


@dataclass
class Gunicorn:
    port: int
    log_path: Path
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

    def lines_of(self, request_id: str) -> list[str]:
        """The log lines of one request, once its access line is written."""
        self.wait_for_log(rf'" \d{{3}} .* request_id={re.escape(request_id)} ')
        return [line for line in self.log().splitlines() if request_id in line]

    def worker_of(self, request_id: str) -> str:
        """The pid of the worker that served the request (from the access log)."""
        return self.wait_for_log(rf"request_id={re.escape(request_id)} pid=<?(\d+)").group(1)


@contextlib.contextmanager
def running_gunicorn(environment: dict[str, str], log_path: Path):
    """gunicorn with axur_portal/gunicorn.conf.py under ``environment`` (which names the port in
    GUNICORN_BIND, the workers and threads), until it answers /healthz; stopped at the end."""
    port = int(environment["GUNICORN_BIND"].rpartition(":")[2])
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


def suite_database_url() -> str:
    """The test run's own PostgreSQL test database."""
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def suite_redis_url() -> str:
    """The test run's own Redis database."""
    return settings.CACHES["default"]["LOCATION"]


def collect_static(folder: Path) -> str:
    """``collectstatic`` of the production profile into ``folder``; returns its path."""
    environment = production_environment(STATIC_ROOT=str(folder))
    collected = manage("collectstatic", "--noinput", environment=environment)
    assert collected.returncode == 0, collected.stderr
    return str(folder)


def production_server_environment(
    folder: Path, *, static_root: str | None = None, **overrides: str
) -> dict[str, str]:
    """The production profile on the test run's own PostgreSQL test database and Redis database
    (unless ``overrides`` say otherwise), on a free port: what a test writes (users,
    authenticators, sessions) the workers read, and what the workers count the test reads. The
    static files are ``static_root``'s, or collected under ``folder``."""
    environment = production_environment(
        **{
            "DJANGO_SECRET_KEY": settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "TWOFACTOR_ENCRYPTION_KEYS": ",".join(settings.TWOFACTOR_ENCRYPTION_KEYS),
            "DATABASE_URL": suite_database_url(),
            "REDIS_URL": suite_redis_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "STATIC_ROOT": static_root or str(folder / "static"),
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
            "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        | overrides
    )
    if static_root is None:
        collect_static(folder / "static")
    return environment


@contextlib.contextmanager
def production_gunicorn(folder: Path, *, static_root: str | None = None, **overrides: str):
    """gunicorn in the production profile (``production_server_environment``), logging to
    ``folder``; stopped at the end."""
    environment = production_server_environment(folder, static_root=static_root, **overrides)
    with running_gunicorn(environment, folder / "gunicorn.log") as server:
        yield server


def embedded_server_environment(folder: Path, **overrides: str) -> dict[str, str]:
    """The embedded default (SQLite, no services) on a SQLite file of its own under ``folder``,
    migrated, on a free port. No service named by the test run's environment is used."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "SIGN_IN_", "SQLITE_", "PORTAL_")
        )
    }
    environment.update(
        SQLITE_PATH=str(folder / "portal.sqlite3"),
        PORTAL_VAR_DIR=str(folder / "var"),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        TWOFACTOR_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        GUNICORN_BIND=f"127.0.0.1:{free_port()}",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        **overrides,
    )
    for command in (["migrate", "--noinput"], ["createcachetable"]):
        done = manage(*command, environment=environment)
        assert done.returncode == 0, done.stdout + done.stderr
    return environment


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str
    request_id: str


@dataclass
class Browser:
    """A browser: it keeps its cookies (Secure ones too) and sends the CSRF token of the last
    form it saw. With ``https`` it stands behind a TLS-terminating proxy that sends
    X-Forwarded-Proto: https, and its forms come from the https origin."""

    port: int
    https: bool = True
    cookies: dict = field(default_factory=dict)
    csrf_token: str = ""

    @property
    def origin(self) -> str:
        return f"{'https' if self.https else 'http'}://127.0.0.1:{self.port}"

    def copy(self) -> "Browser":
        """Another tab of the same browser: the same cookies and token, from now on its own."""
        return Browser(self.port, self.https, dict(self.cookies), self.csrf_token)

    def request(self, method: str, path: str, form: dict | None = None, *, start=None) -> Response:
        """``start`` (a ``threading.Barrier``) holds the request, once ready to go, until every
        party of the barrier is ready too."""
        request_id = f"test-{uuid.uuid4().hex}"
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Request-ID": request_id,
            "Connection": "close",
        }
        if self.https:
            headers["X-Forwarded-Proto"] = "https"
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
            if start is not None:
                http_connection.connect()
                start.wait(timeout=30)
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

    def post(self, path: str, form: dict, *, start: threading.Barrier | None = None) -> Response:
        return self.request("POST", path, form, start=start)
