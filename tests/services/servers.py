"""The portal as it runs in production, for the services tests: gunicorn with production
settings on a free loopback port, a browser that talks to it over HTTP, and a TCP relay in front
of PostgreSQL or Redis that a test can cut to see what a worker does when a service is gone.

gunicorn serves the test database and the suite's own Redis database, so what a test writes
(users, authenticators) the workers read, and what the workers count (throttles) the test reads.
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from django.conf import settings as django_settings
from django.db import connection

from tests.production import BASE_DIR, PYTHON, manage, production_environment

START_SECONDS = 60
STOP_SECONDS = 30
LOG_SECONDS = 10


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def suite_database_url() -> str:
    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
        f"{database['PORT'] or 5432}/{database['NAME']}"
    )


def suite_redis_url() -> str:
    return django_settings.CACHES["default"]["LOCATION"]


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

    def lines_of(self, request_id: str) -> list[str]:
        """The log lines of one request, once its access line is written."""
        self.wait_for_log(rf'" \d{{3}} .* request_id={re.escape(request_id)} ')
        return [line for line in self.log().splitlines() if request_id in line]

    def worker_of(self, request_id: str) -> str:
        """The pid of the worker that served the request (from the access log)."""
        return self.wait_for_log(rf"request_id={re.escape(request_id)} pid=<?(\d+)").group(1)


def healthy(port: int) -> bool:
    try:
        connection_ = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection_.request("GET", "/healthz")
        return connection_.getresponse().status == 200
    except OSError:
        return False


def collect_static(folder) -> str:
    """``collectstatic`` of the production profile into ``folder``; returns its path."""
    environment = production_environment(STATIC_ROOT=str(folder))
    collected = manage("collectstatic", "--noinput", environment=environment)
    assert collected.returncode == 0, collected.stderr
    return str(folder)


@contextmanager
def gunicorn(folder, *, static_root: str, **overrides: str):
    """gunicorn, production profile, on a free loopback port, with the test run's secrets, test
    database and Redis database unless ``overrides`` say otherwise; stopped at the end."""
    port = free_port()
    environment = production_environment(
        **{
            "DJANGO_SECRET_KEY": django_settings.SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "TWOFACTOR_ENCRYPTION_KEYS": ",".join(django_settings.TWOFACTOR_ENCRYPTION_KEYS),
            "DATABASE_URL": suite_database_url(),
            "REDIS_URL": suite_redis_url(),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "STATIC_ROOT": static_root,
            "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "2",
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        | overrides
    )
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


class Relay:
    """A TCP relay on a free loopback port to a service (PostgreSQL, Redis). ``cut()`` closes
    every connection through it and closes each new one at once, as a service that went away;
    ``restore()`` lets connections through again. Threads, stopped by ``close()``."""

    def __init__(self, url: str, default_port: int):
        parts = urlsplit(url)
        self.target = (parts.hostname or "127.0.0.1", parts.port or default_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        user, at, _host = parts.netloc.rpartition("@")
        self.url = parts._replace(netloc=f"{user}{at}127.0.0.1:{self.port}").geturl()
        self._open = threading.Event()
        self._open.set()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stopped.is_set():
            try:
                client, _address = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            for sock in (client, upstream):
                sock.settimeout(None)
            with self._lock:
                self._sockets |= {client, upstream}
            if not self._open.is_set():  # cut while this one was being opened
                self._close(client, upstream)
                continue
            for source, destination in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, destination), daemon=True).start()

    def _pump(self, source: socket.socket, destination: socket.socket):
        try:
            while data := source.recv(65536):
                destination.sendall(data)
        except OSError:
            pass
        finally:
            self._close(source, destination)

    def _close(self, *sockets: socket.socket):
        with self._lock:
            for sock in sockets:
                self._sockets.discard(sock)
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def cut(self):
        self._open.clear()
        with self._lock:
            sockets = list(self._sockets)
        self._close(*sockets)

    def restore(self):
        self._open.set()

    def close(self):
        self._stopped.set()
        self.cut()
        self.listener.close()
        self._thread.join(timeout=5)
