"""Parallel removals on PostgreSQL: the person's row is locked first, so two removals of a
Member's two authenticators at the same moment cannot leave them with none.

Each removal runs in its own thread with its own database connection, as in a multi-worker
deployment; the database is really committed (transaction=True).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from twofactor.models import Activity, Authenticator
from twofactor.services import authenticators
from twofactor.services.activity import RequestMeta

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def remove_at_once(user, devices) -> list[str]:
    """Every device removed at the same moment; what each removal came to, in order."""
    start = threading.Barrier(len(devices))

    def remove(device):
        try:
            start.wait(timeout=30)
            authenticators.remove_authenticator(
                user=user, authenticator_id=device.pk, request_meta=RequestMeta()
            )
            return "removed"
        except authenticators.LastAuthenticator:
            return "refused"
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(devices)) as pool:
        return list(pool.map(remove, devices))


def test_two_removals_at_once_leave_a_member_one_authenticator(member, add_authenticator):
    devices = [add_authenticator(member, name="Phone"), add_authenticator(member, name="Tablet")]

    outcomes = remove_at_once(member, devices)

    assert sorted(outcomes) == ["refused", "removed"]
    assert Authenticator.objects.filter(user=member, confirmed=True).count() == 1
    removed = Activity.objects.filter(kind=Activity.Kind.AUTHENTICATOR_REMOVED, subject=member)
    assert removed.count() == 1


def test_two_removals_at_once_by_a_manager_end_in_their_own_reset(manager, add_authenticator):
    """The second removal sees the first one's result: the last authenticator goes through a
    reset, never a plain removal that would leave the trusted browsers."""
    devices = [add_authenticator(manager, name="Phone"), add_authenticator(manager, name="Tablet")]

    assert remove_at_once(manager, devices) == ["removed", "removed"]

    assert not Authenticator.objects.filter(user=manager).exists()
    kinds = Activity.objects.filter(subject=manager).values_list("kind", flat=True)
    assert sorted(kinds) == sorted([Activity.Kind.AUTHENTICATOR_REMOVED, Activity.Kind.RESET])
