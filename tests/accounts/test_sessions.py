"""Sessions on Django's two engines the portal runs on: the database alone, and the cache in
front of it (``cached_db``). Signing in with a code gives the session a new key and the old key
opens nothing; signing out or a flush ends the session everywhere; a session ended elsewhere is
not written back; an emptied cache signs nobody out."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string

from tests.conftest import PASSWORD, code_for

ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    "cached_db": "django.contrib.sessions.backends.cached_db",
}
PREFERENCES = reverse("accounts:preferences")
SIGN_IN = reverse("accounts:sign_in")


@pytest.fixture(params=list(ENGINES))
def engine(request, settings):
    """The engine's SessionStore, and the portal set to use it."""
    settings.SESSION_ENGINE = ENGINES[request.param]
    return import_string(settings.SESSION_ENGINE + ".SessionStore")


def saved(engine, **data):
    store = engine()
    store.update(data)
    store.save()
    return store


def keys_in_the_database():
    return list(Session.objects.values_list("session_key", flat=True))


@pytest.mark.django_db
def test_a_new_key_keeps_the_data_and_the_old_key_opens_nothing(engine):
    store = saved(engine, pending="user 7")
    old_key = store.session_key
    store.cycle_key()
    store["signed_in"] = "user 7"
    store.save()
    assert store.session_key != old_key
    assert dict(engine(store.session_key).load()) == {"pending": "user 7", "signed_in": "user 7"}
    assert engine(old_key).load() == {}
    assert not engine().exists(old_key)
    assert keys_in_the_database() == [store.session_key]


@pytest.mark.django_db
def test_a_new_key_for_a_session_never_saved_creates_it(engine):
    store = engine()
    store["pending"] = "user 7"
    store.cycle_key()
    store.save()
    assert dict(engine(store.session_key).load()) == {"pending": "user 7"}


@pytest.mark.django_db
def test_a_flush_ends_the_session(engine):
    store = saved(engine, signed_in="user 7")
    old_key = store.session_key
    store.flush()
    assert store.session_key is None
    assert engine(old_key).load() == {}
    assert keys_in_the_database() == []


@pytest.mark.django_db
def test_a_flush_right_after_a_new_key_leaves_no_session(engine):
    store = saved(engine, pending="user 7")
    old_key = store.session_key
    store.cycle_key()
    new_key = store.session_key
    store.flush()
    assert engine(old_key).load() == {} and engine(new_key).load() == {}
    assert keys_in_the_database() == []


@pytest.mark.django_db
def test_a_session_ended_elsewhere_is_not_written_back(engine):
    store = saved(engine, seen=1)
    store = engine(store.session_key)
    assert store["seen"] == 1  # read by this request
    engine(store.session_key).delete()  # signed out in another request meanwhile
    store["seen"] = 2
    with pytest.raises(UpdateError):
        store.save()
    assert engine(store.session_key).load() == {}
    assert keys_in_the_database() == []


@pytest.mark.django_db
def test_an_emptied_cache_signs_nobody_out(settings):
    settings.SESSION_ENGINE = ENGINES["cached_db"]
    engine = import_string(settings.SESSION_ENGINE + ".SessionStore")
    store = saved(engine, signed_in="user 7")
    caches[settings.SESSION_CACHE_ALIAS].clear()  # a restart of Redis
    assert dict(engine(store.session_key).load()) == {"signed_in": "user 7"}


# Through the pages ------------------------------------------------------------------------------


@pytest.fixture
def signed_in_with_a_code(engine, member, add_authenticator, clock):
    """A browser through the password and the code, and the key it had before the code."""
    device = add_authenticator(member)
    browser = Client()
    browser.post(SIGN_IN, {"email": member.email, "password": PASSWORD})
    pending_key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    response = browser.post(reverse("twofactor:code"), {"code": code_for(device)})
    assert response.status_code == 302 and response.url == PREFERENCES
    return browser, pending_key


def browser_with_the_key(session_key):
    browser = Client()
    browser.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return browser


def test_the_key_before_the_code_is_refused_after_it(engine, signed_in_with_a_code):
    """Session fixation: a key planted or seen before the code opens nothing afterwards."""
    browser, pending_key = signed_in_with_a_code
    assert browser.cookies[settings.SESSION_COOKIE_NAME].value != pending_key
    assert engine(pending_key).load() == {}
    response = browser_with_the_key(pending_key).get(PREFERENCES)
    assert response.status_code == 302 and response.url.startswith(SIGN_IN)
    assert browser.get(PREFERENCES).status_code == 200


def test_signing_out_ends_the_session_for_every_holder_of_its_key(engine, signed_in_with_a_code):
    browser, _ = signed_in_with_a_code
    key = browser.cookies[settings.SESSION_COOKIE_NAME].value
    copy = browser_with_the_key(key)
    assert copy.get(PREFERENCES).status_code == 200
    assert browser.post(reverse("accounts:sign_out")).status_code == 302
    assert engine(key).load() == {}
    response = copy.get(PREFERENCES)
    assert response.status_code == 302 and response.url.startswith(SIGN_IN)
