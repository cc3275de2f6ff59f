"""The portal's own error pages (400, 403, 404, 500 and 503), in its layout and its three
languages, and what happens when the database or the cache does not answer: a 503 that says to
try again shortly, with ``Retry-After``, one log line naming the service, and nothing done
without its throttle."""

import logging
import socket
import sqlite3
from contextlib import contextmanager

import psycopg
import pytest
import redis.exceptions
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import InterfaceError, OperationalError, connections
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from accounts import errors, outages, throttle
from tests.conftest import PASSWORD, code_for, sign_in_verified
from twofactor.flows import PENDING_KEY
from twofactor.models import Activity

SIGN_IN = reverse("accounts:sign_in")
PREFERENCES = reverse("accounts:preferences")
CODE = reverse("twofactor:code")
LANGUAGES = [("en", "en"), ("pt-BR", "pt-br"), ("es", "es")]
HEADINGS = {
    400: "Bad request",
    403: "Access denied",
    404: "Page not found",
    500: "Something went wrong",
    503: "The portal is briefly unavailable",
}
CSRF_HEADING = "The form has expired"
CSRF_EXPLANATION = (
    "The form was open for too long, or your browser did not send its cookies. "
    "Go back, reload the page and try again."
)


def translated(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def assert_error_page(response, status: int, language: str = "en", *, heading=None) -> str:
    """The page is the portal's own: its layout (brand, stylesheet, footer), the heading in
    the language of the request, and no trace of Django's default page or a traceback."""
    assert response.status_code == status
    page = response.content.decode()
    english = heading or HEADINGS[status]
    heading = translated(english, language)
    assert f"<h1>{heading}</h1>" in page
    assert f'<html lang="{language}">' in page
    assert f'<a class="brand" href="{reverse("home")}">' in page
    assert '<link rel="stylesheet" href="/static/css/portal.css">' in page
    assert 'class="site-footer"' in page
    assert "Traceback" not in page and "Server Error (500)" not in page
    if language != "en":
        assert heading != english
    return page


@pytest.fixture
def browser(db):
    """A browser whose failed requests come back as the response a person would see."""
    return Client(raise_request_exception=False)


@contextmanager
def database_down(error=None):
    """Every statement fails as with a PostgreSQL server that does not answer."""
    error = error or OperationalError("connection to 127.0.0.1 failed: Connection refused")

    def refuse(*args, **kwargs):
        raise error

    connection = connections["default"]
    original = connection.ensure_connection
    connection.ensure_connection = refuse
    try:
        yield
    finally:
        connection.ensure_connection = original


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again: nothing listens there


@contextmanager
def cache_down():
    """The production profile's cache (Redis: sessions in ``cached_db``, the password throttle's
    counts) on a port where nothing answers."""
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        },
        SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
        SIGN_IN_THROTTLE_STORE="cache",
    ):
        yield


def outage_lines(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.getMessage().startswith("Service unavailable")
    ]


def console_tracebacks(caplog) -> list[logging.LogRecord]:
    """The records with a traceback that the portal's console handler would print."""
    console = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, outages.ServiceOutageFilter) for f in handler.filters)
    ]
    assert console, "the console handler has the outage filter"
    return [r for r in caplog.records if r.exc_info and console[0].filter(r)]


# The portal's own 4xx and 500 pages ---------------------------------------------------------


@pytest.mark.parametrize("header, language", LANGUAGES)
def test_an_unknown_address_is_the_portals_404_in_the_layout(browser, header, language):
    response = browser.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=header)
    page = assert_error_page(response, 404, language)
    assert translated("The address may be mistyped, or the page may have moved.", language) in (
        page
    )


def test_another_teams_member_is_the_portals_404(
    client, manager, manager_device, outsider, add_authenticator
):
    sign_in_verified(client, manager, manager_device)
    response = client.get(reverse("team:member_detail", args=[outsider.pk]))
    assert_error_page(response, 404)


@pytest.mark.parametrize("header, language", LANGUAGES)
def test_a_member_on_my_team_gets_the_portals_403_in_the_layout(
    client, member, member_device, header, language
):
    sign_in_verified(client, member, member_device)
    response = client.get(reverse("team:members"), HTTP_ACCEPT_LANGUAGE=header)
    assert_error_page(response, 403, language)


@pytest.mark.parametrize("header, language", LANGUAGES)
def test_a_failed_csrf_check_is_the_portals_403(db, member, header, language):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        SIGN_IN, {"email": member.email, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE=header
    )
    page = assert_error_page(response, 403, language, heading=CSRF_HEADING)
    assert translated(CSRF_EXPLANATION, language) in page
    assert SESSION_KEY not in browser.session and PENDING_KEY not in browser.session


@pytest.mark.parametrize("header, language", LANGUAGES)
def test_an_unknown_host_is_the_portals_400(browser, header, language):
    response = browser.get(SIGN_IN, HTTP_HOST="evil.example", HTTP_ACCEPT_LANGUAGE=header)
    assert_error_page(response, 400, language)


@pytest.mark.parametrize("header, language", LANGUAGES)
def test_a_server_error_is_the_portals_500_without_a_trace(
    browser, member, member_device, monkeypatch, header, language
):
    def broken(request):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr("accounts.views.hooks.preference_sections.for_request", broken)
    sign_in_verified(browser, member, member_device)
    response = browser.get(PREFERENCES, HTTP_ACCEPT_LANGUAGE=header)
    page = assert_error_page(response, 500, language)
    assert "secret detail" not in page
    assert "Retry-After" not in response


def test_the_error_pages_show_no_navigation_of_the_signed_in_person(
    client, manager, manager_device
):
    sign_in_verified(client, manager, manager_device)
    page = assert_error_page(client.get("/no-such-page/"), 404)
    assert "My Preferences" not in page and reverse("accounts:sign_out") not in page


# Pages that render with no database, no cache, no session and no user ----------------------


def refuse_to_load(*args, **kwargs):
    raise AssertionError("the error page loaded the user, the session or the messages")


class UntouchableSession:
    """A session that fails the test if the page reads or writes it."""

    def __getattr__(self, name):
        refuse_to_load()

    def __getitem__(self, key):
        refuse_to_load()

    def __contains__(self, key):
        refuse_to_load()


def untouchable_request(path="/preferences/"):
    request = RequestFactory().get(path)
    request.user = SimpleLazyObject(refuse_to_load)
    request.session = UntouchableSession()
    request._messages = SimpleLazyObject(refuse_to_load)
    return request


def render_server_error(request, exception):
    try:
        raise exception
    except Exception:
        return errors.server_error(request)


@pytest.mark.parametrize(
    "status, render",
    [
        (400, lambda request: errors.bad_request(request, exception=ValueError())),
        (403, lambda request: errors.permission_denied(request, exception=ValueError())),
        (None, lambda request: errors.csrf_failure(request, reason="CSRF cookie not set.")),
        (404, lambda request: errors.page_not_found(request, exception=ValueError())),
        (500, lambda request: render_server_error(request, RuntimeError("boom"))),
        (503, lambda request: render_server_error(request, OperationalError("refused"))),
    ],
    ids=["400", "403", "csrf", "404", "500", "503"],
)
def test_error_pages_render_without_the_database_the_session_or_the_user(db, status, render):
    request = untouchable_request()
    with database_down(), cache_down():
        response = render(request)
    if status is None:
        assert_error_page(response, 403, heading=CSRF_HEADING)
    else:
        assert_error_page(response, status)


# 503 when a service does not answer ---------------------------------------------------------


def test_a_page_answers_503_with_retry_after_when_the_database_does_not_answer(
    browser, member, member_device, caplog
):
    sign_in_verified(browser, member, member_device)
    with database_down():
        response = browser.get(PREFERENCES)
    page = assert_error_page(response, 503)
    assert translated("Try again in a minute.", "en") in page
    assert response["Retry-After"] == "60"
    assert "no-store" in response["Cache-Control"]
    assert outage_lines(caplog) == ["Service unavailable: database (OperationalError)"]
    assert console_tracebacks(caplog) == []
    assert "connection refused" not in " ".join(r.getMessage() for r in caplog.records).lower()


@pytest.mark.parametrize("header, language", LANGUAGES)
def test_the_503_page_is_translated(browser, member, member_device, header, language):
    sign_in_verified(browser, member, member_device)
    with database_down():
        response = browser.get(PREFERENCES, HTTP_ACCEPT_LANGUAGE=header)
    page = assert_error_page(response, 503, language)
    assert translated("Try again in a minute.", language) in page


def test_retry_after_is_a_setting(browser, member, member_device, settings):
    settings.SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS = 15
    sign_in_verified(browser, member, member_device)
    with database_down():
        response = browser.get(PREFERENCES)
    assert response.status_code == 503 and response["Retry-After"] == "15"


def test_a_connection_already_closed_is_an_outage_too(browser, member, member_device, caplog):
    sign_in_verified(browser, member, member_device)
    with database_down(InterfaceError("connection already closed")):
        response = browser.get(PREFERENCES)
    assert_error_page(response, 503)
    assert outage_lines(caplog) == ["Service unavailable: database (InterfaceError)"]


def test_a_page_answers_503_when_the_cache_does_not_answer(browser, member, member_device, caplog):
    sign_in_verified(browser, member, member_device)
    with cache_down():
        response = browser.get(PREFERENCES)
    assert_error_page(response, 503)
    assert response["Retry-After"] == "60"
    assert outage_lines(caplog) == ["Service unavailable: cache (ConnectionError)"]
    assert console_tracebacks(caplog) == []


def test_a_session_that_cannot_be_saved_is_a_503_not_a_400(
    browser, member, member_device, clock, monkeypatch, caplog
):
    """Django reports a session it cannot save as "interrupted" (a 400); when the database is
    the reason, it is an outage."""
    sign_in_verified(browser, member, member_device)
    clock.shift(120)  # the session's "last seen" time is written again

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Session, "save", refuse)
    response = browser.get(PREFERENCES)
    assert_error_page(response, 503)
    assert outage_lines(caplog) == ["Service unavailable: database (OperationalError)"]
    assert console_tracebacks(caplog) == []


# Nothing proceeds without its throttle -------------------------------------------------------


@pytest.fixture
def hashed(monkeypatch):
    """The passwords checked or hashed during the test (the unknown-email path hashes too)."""
    calls = []
    for method in ("verify", "encode"):
        original = getattr(MD5PasswordHasher, method)

        def spy(self, *args, _original=original, **kwargs):
            calls.append(args[0])
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(MD5PasswordHasher, method, spy)
    return calls


@pytest.mark.parametrize("email", ["alice@acme.test", "nobody@acme.test"])
def test_the_password_step_checks_no_password_when_its_throttle_cannot_be_read(
    browser, member, hashed, email, caplog
):
    with cache_down():
        response = browser.post(SIGN_IN, {"email": email, "password": PASSWORD})
    assert_error_page(response, 503)
    assert hashed == []
    assert SESSION_KEY not in browser.session and PENDING_KEY not in browser.session
    assert not Activity.objects.exists()
    assert outage_lines(caplog) == ["Service unavailable: cache (ConnectionError)"]


@pytest.mark.parametrize("email", ["alice@acme.test", "nobody@acme.test"])
def test_the_password_step_checks_no_password_when_its_throttle_table_cannot_be_written(
    browser, member, hashed, email, monkeypatch, settings, caplog
):
    """The embedded default counts in a table: a database that fails there is no free pass."""
    settings.SIGN_IN_THROTTLE_STORE = "database"

    def refuse(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(throttle.DatabaseStore, "add", refuse)
    response = browser.post(SIGN_IN, {"email": email, "password": PASSWORD})
    assert_error_page(response, 503)
    assert hashed == []
    assert SESSION_KEY not in browser.session and PENDING_KEY not in browser.session
    assert outage_lines(caplog) == ["Service unavailable: database (OperationalError)"]


def test_a_correct_code_does_not_sign_in_when_the_code_throttle_cannot_be_read(
    browser, member, member_device, monkeypatch, caplog
):
    browser.post(SIGN_IN, {"email": member.email, "password": PASSWORD})
    assert PENDING_KEY in browser.session

    def refuse(user):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("twofactor.services.codes.locked_throttle_of", refuse)
    response = browser.post(CODE, {"code": code_for(member_device)})
    assert_error_page(response, 503)
    assert SESSION_KEY not in browser.session
    assert browser.session[PENDING_KEY]["user"] == member.pk  # left as it was: try again later
    assert not Activity.objects.filter(kind=Activity.Kind.SIGNED_IN).exists()
    assert outage_lines(caplog) == ["Service unavailable: database (OperationalError)"]


def test_a_sign_in_interrupted_by_the_cache_leaves_nobody_signed_in(
    browser, member, member_device, settings, monkeypatch
):
    """The code is right, but the cache stops answering while the session gets its new key:
    the whole sign-in is undone and the browser keeps its session as it was."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    browser.post(SIGN_IN, {"email": member.email, "password": PASSWORD})
    pending_key = browser.session.session_key

    def refuse(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Connection closed by server.")

    monkeypatch.setattr(caches["default"], "delete", refuse)
    response = browser.post(CODE, {"code": code_for(member_device)})
    assert_error_page(response, 503)
    monkeypatch.undo()
    assert browser.cookies[django_settings.SESSION_COOKIE_NAME].value == pending_key
    assert list(Session.objects.values_list("session_key", flat=True)) == [pending_key]
    assert SESSION_KEY not in browser.session
    assert not Activity.objects.filter(kind=Activity.Kind.SIGNED_IN).exists()
    assert browser.get(PREFERENCES).status_code == 302


# Recognising an outage ------------------------------------------------------------------------


def test_an_outage_is_recognised_behind_the_errors_raised_while_handling_it():
    try:
        try:
            raise OperationalError("refused")
        except OperationalError:
            raise ValueError("could not save") from None
    except ValueError as error:
        assert outages.service_down(error) == "database"
    assert outages.service_down(ValueError("plain")) is None
    assert outages.service_down(None) is None


def driver_error(error: Exception) -> OperationalError:
    """Django's wrapper of a driver's error, as Django raises it (the driver's is the cause)."""
    wrapped = OperationalError(*error.args)
    wrapped.__cause__ = error
    return wrapped


def sqlite_error(message: str, name: str) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorname = name
    return error


@pytest.mark.parametrize(
    "error",
    [
        sqlite_error("no such table: accounts_throttlecount", "SQLITE_ERROR"),
        sqlite_error('near "SELEC": syntax error', "SQLITE_ERROR"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
    ],
    ids=["missing table", "syntax", "deadlock", "statement timeout"],
)
def test_a_database_error_that_is_a_defect_stays_a_500_with_its_traceback(
    browser, member, member_device, error, caplog
):
    """Only a database that does not answer is an outage: a missing migration or a deadlock is
    a defect to fix, reported as such, not "try again in a minute"."""
    sign_in_verified(browser, member, member_device)
    with database_down(driver_error(error)):
        response = browser.get(PREFERENCES)
    assert_error_page(response, 500)
    assert outage_lines(caplog) == []
    assert console_tracebacks(caplog) != []


@pytest.mark.parametrize(
    "error",
    [
        sqlite_error("database is locked", "SQLITE_BUSY"),
        sqlite_error("unable to open database file", "SQLITE_CANTOPEN"),
        sqlite_error("disk I/O error", "SQLITE_IOERR"),
        psycopg.OperationalError("connection failed: Connection refused"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
    ],
    ids=["sqlite busy", "sqlite cannot open", "sqlite io", "refused", "shutdown", "starting"],
)
def test_a_database_that_does_not_answer_is_an_outage_whatever_the_driver_says(
    browser, member, member_device, error, caplog
):
    sign_in_verified(browser, member, member_device)
    with database_down(driver_error(error)):
        response = browser.get(PREFERENCES)
    assert_error_page(response, 503)
    assert outage_lines(caplog) == ["Service unavailable: database (OperationalError)"]
