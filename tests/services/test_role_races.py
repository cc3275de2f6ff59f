"""Parallel changes to a team's Managers on PostgreSQL: the team's row is locked first, so two
Managers demoting (or deactivating) each other at the same moment cannot both succeed and leave
the team without an active Manager.

Each change runs in its own thread with its own database connection, as in a multi-worker
deployment; the database is really committed (transaction=True).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from accounts.models import User
from team.services import administration as services
from twofactor.models import Activity
from twofactor.services.activity import RequestMeta

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def demote(actor, person):
    services.change_role(actor=actor, person=person, role="member", request_meta=RequestMeta())


def deactivate(actor, person):
    services.deactivate_teammate(actor=actor, person=person, request_meta=RequestMeta())


def at_once(*changes) -> list[str]:
    """Every ``(action, actor, person)`` run at the same moment; what each came to, in order."""
    start = threading.Barrier(len(changes))

    def run(change):
        action, actor, person = change
        try:
            start.wait(timeout=30)
            action(actor, person)
            return "done"
        except services.ChangeRefused as refused:
            return refused.code
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(changes)) as pool:
        return list(pool.map(run, changes))


@pytest.fixture
def managers(make_user, acme):
    return [
        make_user(f"{name}@acme.test", team=acme, role=User.Role.MANAGER, full_name=name)
        for name in ("Marta", "Otto")
    ]


def active_managers(team) -> int:
    return User.objects.filter(team=team, role=User.Role.MANAGER, is_active=True).count()


@pytest.mark.parametrize("repeat", range(5))
def test_two_managers_demoting_each_other_at_once_leave_one_manager(managers, acme, repeat):
    marta, otto = managers

    outcomes = at_once((demote, marta, otto), (demote, otto, marta))

    assert sorted(outcomes) == ["done", "not_a_manager"]
    assert active_managers(acme) == 1
    assert Activity.objects.filter(kind=Activity.Kind.MADE_MEMBER).count() == 1


def test_two_managers_deactivating_each_other_at_once_leave_one_active(managers, acme):
    marta, otto = managers

    outcomes = at_once((deactivate, marta, otto), (deactivate, otto, marta))

    assert sorted(outcomes) == ["done", "not_a_manager"]
    assert active_managers(acme) == 1
    assert User.objects.filter(team=acme, is_active=False).count() == 1
