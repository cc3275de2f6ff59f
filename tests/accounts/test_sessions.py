"""The session engines (accounts/sessions): a new key is written once, the old key stops working,
and nothing is lost on the rare paths (a clash of keys, a row gone, a flush before the save)."""

import pytest
from django.contrib.sessions.backends.base import CreateError, UpdateError
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import transaction

from accounts.sessions import cached_db, db

ENGINES = [db.SessionStore, cached_db.SessionStore]


@pytest.fixture
def locmem_sessions_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    settings.SESSION_CACHE_ALIAS = "sessions"
    yield caches["sessions"]
    caches["sessions"].clear()


@pytest.fixture(params=ENGINES, ids=["db", "cached_db"])
def engine(request, locmem_sessions_cache):
    return request.param


def saved(engine, **data):
    store = engine()
    store.update(data)
    store.save()
    return store


@pytest.mark.django_db(transaction=True)  # the session middleware saves outside transactions
def test_cycle_key_is_written_once_as_one_update(engine, django_assert_num_queries):
    store = saved(engine, pending="user 7")
    old_key = store.session_key
    with django_assert_num_queries(0):
        store.cycle_key()
    store["signed_in"] = "user 7"
    with django_assert_num_queries(1):
        store.save()
    assert store.session_key != old_key
    assert list(Session.objects.values_list("session_key", flat=True)) == [store.session_key]
    assert dict(engine(store.session_key).load()) == {"pending": "user 7", "signed_in": "user 7"}


@pytest.mark.django_db
def test_the_old_key_loads_nothing_after_the_rotation(engine):
    store = saved(engine, pending="user 7")
    old_key = store.session_key
    store.cycle_key()
    store["signed_in"] = "user 7"
    store.save()
    old = engine(old_key)
    assert old.load() == {}
    assert not old.exists(old_key)


@pytest.mark.django_db
def test_flush_before_the_save_removes_the_old_row(engine):
    store = saved(engine, pending="user 7")
    old_key = store.session_key
    store.cycle_key()
    store.flush()
    assert not Session.objects.exists()
    assert engine(old_key).load() == {}


@pytest.mark.django_db
def test_rotation_of_a_row_gone_meanwhile_inserts_the_new_one(engine):
    store = saved(engine, pending="user 7")
    store.cycle_key()
    Session.objects.all().delete()  # signed out elsewhere, or expired and cleared
    store.save()
    assert dict(engine(store.session_key).load()) == {"pending": "user 7"}


def rotate_onto_a_taken_key(engine, monkeypatch):
    taken = saved(engine, other="someone else")
    store = saved(engine, pending="user 7")
    keys = iter([taken.session_key])
    fresh = engine._get_new_session_key
    monkeypatch.setattr(
        engine, "_get_new_session_key", lambda self: next(keys, None) or fresh(self)
    )
    store.cycle_key()
    assert store.session_key == taken.session_key
    store.save()
    assert store.session_key not in (taken.session_key, None)
    assert dict(engine(taken.session_key).load()) == {"other": "someone else"}
    assert dict(engine(store.session_key).load()) == {"pending": "user 7"}


@pytest.mark.django_db
def test_a_new_key_already_taken_is_replaced_by_another_inside_a_transaction(engine, monkeypatch):
    rotate_onto_a_taken_key(engine, monkeypatch)


@pytest.mark.django_db(transaction=True)
def test_a_new_key_already_taken_is_replaced_by_another(engine, monkeypatch):
    rotate_onto_a_taken_key(engine, monkeypatch)


@pytest.mark.django_db(transaction=True)
def test_a_clash_at_creation_inside_a_transaction_leaves_the_transaction_usable(
    engine, monkeypatch, locmem_sessions_cache
):
    taken = saved(engine, other="someone else")
    keys = iter([taken.session_key])
    fresh = engine._get_new_session_key
    monkeypatch.setattr(
        engine, "_get_new_session_key", lambda self: next(keys, None) or fresh(self)
    )
    with transaction.atomic():
        store = engine()
        store["pending"] = "user 7"
        store.save()  # create(): the taken key is refused, another is used
        assert Session.objects.count() == 2  # the transaction still answers
    assert store.session_key != taken.session_key
    assert dict(engine(store.session_key).load()) == {"pending": "user 7"}


@pytest.mark.django_db(transaction=True)
def test_an_ordinary_save_is_one_update(engine, django_assert_num_queries):
    store = saved(engine, seen=1)
    store = engine(store.session_key)
    store.load()
    store["seen"] = 2
    with django_assert_num_queries(1):
        store.save()
    assert engine(store.session_key).load()["seen"] == 2


@pytest.mark.django_db
def test_saving_a_session_deleted_elsewhere_is_refused(engine):
    store = saved(engine, seen=1)
    Session.objects.all().delete()
    store["seen"] = 2
    with pytest.raises(UpdateError):
        store.save()


@pytest.mark.django_db
def test_must_create_refuses_a_taken_key(engine):
    taken = saved(engine, other="someone else")
    store = engine(taken.session_key)
    store._session_cache = {"pending": "user 7"}
    with pytest.raises(CreateError):
        store.save(must_create=True)
    assert dict(engine(taken.session_key).load()) == {"other": "someone else"}


@pytest.mark.django_db
def test_rotating_a_session_never_saved_creates_it(engine):
    store = engine()
    store["pending"] = "user 7"
    store.cycle_key()
    store.save()
    assert dict(engine(store.session_key).load()) == {"pending": "user 7"}


@pytest.mark.django_db
def test_creating_after_a_rotation_still_retires_the_old_key(engine):
    """create() called by hand after cycle_key (nothing in the portal does) must not leave the
    old row behind: the old key would still open the session."""
    store = saved(engine, pending="user 7")
    old_key = store.session_key
    store.cycle_key()
    store.save(must_create=True)
    assert engine(old_key).load() == {}
    assert list(Session.objects.values_list("session_key", flat=True)) == [store.session_key]
