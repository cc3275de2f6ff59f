"""A gunicorn worker (production profile) whose PostgreSQL or Redis goes away: the pages answer
503 in the portal's layout with ``Retry-After``, never 500, with one log line naming the
service; no password is checked and no code signs in meanwhile; and the portal comes back by
itself once the service does.

The worker reaches both services through relays of this test (tests/services/servers.py),
which a test cuts and restores: the machine's PostgreSQL and Redis, which the suite itself
uses, are never stopped.
"""

import re
import time
from types import SimpleNamespace

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.servers import Browser, production_gunicorn, suite_database_url, suite_redis_url
from tests.services.servers import Relay
from twofactor import totp
from twofactor.models import Activity

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SIGN_IN = reverse("accounts:sign_in")
CODE = reverse("twofactor:code")
PREFERENCES = reverse("accounts:preferences")
UNAVAILABLE = "<h1>The portal is briefly unavailable</h1>"
RETRY_AFTER = "30"


@pytest.fixture(scope="module")
def relays(django_db_setup):
    database = Relay(suite_database_url(), default_port=5432)
    cache = Relay(suite_redis_url(), default_port=6379)
    yield SimpleNamespace(database=database, cache=cache)
    database.close()
    cache.close()


@pytest.fixture(scope="module")
def portal(relays, tmp_path_factory, static_root):
    """One gunicorn worker that reaches PostgreSQL and Redis through the relays."""
    with production_gunicorn(
        tmp_path_factory.mktemp("outages"),
        static_root=static_root,
        DATABASE_URL=relays.database.url,
        REDIS_URL=relays.cache.url,
        WEB_CONCURRENCY="1",
        SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS=RETRY_AFTER,
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def _services_back(relays):
    yield
    relays.database.restore()
    relays.cache.restore()


def code_of(device) -> str:
    return totp.code_at(device.key, time.time())


def signed_in(portal, user, device) -> Browser:
    browser = owing_a_code(portal, user)
    assert browser.post(CODE, {"code": code_of(device)}).status == 302
    assert browser.get(PREFERENCES).status == 200
    return browser


def owing_a_code(portal, user) -> Browser:
    browser = Browser(portal.port)
    assert browser.get(SIGN_IN).status == 200
    response = browser.post(SIGN_IN, {"email": user.email, "password": PASSWORD})
    assert response.status == 302 and response.headers["Location"].startswith(CODE)
    assert browser.get(CODE).status == 200
    return browser


def assert_unavailable(portal, response, service: str):
    """A 503 in the layout that says to come back, and one line in the log naming the
    service, with no traceback."""
    assert response.status == 503, response.text
    assert response.headers["Retry-After"] == RETRY_AFTER
    assert UNAVAILABLE in response.text and '<a class="brand" href="/">' in response.text
    assert "Try again in a minute." in response.text
    lines = portal.lines_of(response.request_id)
    outage = [line for line in lines if "Service unavailable" in line]
    assert len(outage) == 1, lines
    expected = rf"ERROR accounts\.errors .*Service unavailable: {service} \(\w+\)$"
    assert re.search(expected, outage[0]), outage
    assert not [line for line in lines if "Traceback" in line], lines


def sign_in_records() -> int:
    return Activity.objects.filter(
        kind__in=[
            Activity.Kind.PASSWORD_ACCEPTED,
            Activity.Kind.PASSWORD_FAILED,
            Activity.Kind.SIGNED_IN,
        ]
    ).count()


@pytest.mark.parametrize("service", ["cache", "database"])
def test_pages_answer_503_in_the_layout_while_a_service_is_gone_and_work_once_it_is_back(
    portal, relays, argon2, member, manager, add_authenticator, service
):
    signed_in_browser = signed_in(portal, manager, add_authenticator(manager))
    add_authenticator(member)
    browser_owing_a_code = owing_a_code(portal, member)
    new_browser = Browser(portal.port)
    assert new_browser.get(SIGN_IN).status == 200
    records = sign_in_records()

    getattr(relays, service).cut()
    assert_unavailable(portal, signed_in_browser.get(PREFERENCES), service)
    assert_unavailable(portal, browser_owing_a_code.get(CODE), service)
    password = new_browser.post(SIGN_IN, {"email": member.email, "password": PASSWORD})
    assert_unavailable(portal, password, service)
    assert "__Host-sessionid" not in new_browser.cookies
    assert sign_in_records() == records  # the password was not checked

    getattr(relays, service).restore()
    assert signed_in_browser.get(PREFERENCES).status == 200
    assert browser_owing_a_code.get(CODE).status == 200


@pytest.mark.parametrize("service", ["cache", "database"])
def test_a_correct_code_does_not_sign_in_while_a_service_is_gone(
    portal, relays, argon2, member, add_authenticator, service
):
    device = add_authenticator(member)
    browser = owing_a_code(portal, member)

    getattr(relays, service).cut()
    assert_unavailable(portal, browser.post(CODE, {"code": code_of(device)}), service)
    getattr(relays, service).restore()

    assert not Activity.objects.filter(kind=Activity.Kind.SIGNED_IN).exists()
    assert browser.get(PREFERENCES).status == 302  # not signed in
    # Nothing was half done: the same code, now that the service is back, signs in.
    signed = browser.post(f"{CODE}?next={PREFERENCES}", {"code": code_of(device)})
    assert signed.status == 302 and signed.headers["Location"] == PREFERENCES
    assert browser.get(PREFERENCES).status == 200
