"""The password throttle's stores under parallel use: Redis (the cache store) and the
``ThrottleCount`` table on PostgreSQL (the database store). Each thread has its own database
connection, as each worker of a deployment does, and the database is really committed.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from accounts import throttle

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

AT_ONCE = 30


@pytest.fixture(params=["cache", "database"])
def counter(request, clock):
    store = throttle.CacheStore() if request.param == "cache" else throttle.DatabaseStore()
    return throttle.AttemptCounter(scope="race", limit=10, window_seconds=900, store=store)


def at_once(action, arguments: list) -> list:
    """``action(argument)`` for every argument, each in its own thread, all at the same moment."""
    start = threading.Barrier(len(arguments))

    def run(argument):
        try:
            start.wait(timeout=30)
            return action(argument)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(arguments)) as pool:
        return list(pool.map(run, arguments))


def test_slots_taken_at_once_are_each_given_once(counter):
    slots = at_once(lambda _: counter.take("a@acme.test"), list(range(AT_ONCE)))
    assert sorted(slot.number for slot in slots) == list(range(1, AT_ONCE + 1))
    assert counter.count("a@acme.test") == AT_ONCE
    assert sum(not counter.is_past_limit(slot) for slot in slots) == counter.limit


def test_slots_given_back_at_once_are_all_given_back(counter):
    slots = [counter.take("a@acme.test") for _ in range(AT_ONCE)]
    at_once(counter.give_back, slots[1:])
    assert counter.count("a@acme.test") == 1


def test_resets_racing_never_leave_a_count_below_zero(counter):
    slots = [counter.take("a@acme.test") for _ in range(10)]
    at_once(counter.reset, slots)  # ten resets taking off 55 slots in all
    left = counter.count("a@acme.test")
    if isinstance(counter.store, throttle.DatabaseStore):
        assert left == 0  # one UPDATE each, floored at zero
    else:
        assert left >= 0  # Redis: racing floors may leave a little, never less than zero
    assert counter.take("a@acme.test").number == left + 1
