"""Personas and helpers shared by every test: a Manager and a Member of Acme, and an outsider
from another team (Globex); authenticators with known keys; a frozen clock."""

import time
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import Team, User
from accounts.passwords import RECENT_AUTHENTICATION_KEY
from twofactor import app_settings, totp
from twofactor.models import Activity, Authenticator, CodeThrottle
from twofactor.step_up import SECOND_FACTOR_KEY

PASSWORD = "correct horse battery staple"
NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Pages in Portuguese and Spanish need the .mo catalogues (``make test`` builds them too)."""
    from django.core.management import call_command

    call_command("compile_translations", verbosity=0)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Argon2 is slow by design; its use in production is tested on its own.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _send_emails_at_once(monkeypatch):
    """Tests run inside a transaction that never commits: run on-commit work (emails) at once.
    That emails wait for the commit is tested on its own, with a real transaction."""
    monkeypatch.setattr(
        "twofactor.notifications.transaction.on_commit",
        lambda callback, using=None, robust=False: callback(),
    )


@pytest.fixture
def clock():
    """Time stands still until the test moves it with ``clock.shift(seconds)``."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_user(db):
    def make(email, *, team=None, role=User.Role.MEMBER, password=PASSWORD, **fields):
        user = User(email=email, team=team, role=role, **fields)
        user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def acme(db):
    return Team.objects.create(name="Acme")


@pytest.fixture
def globex(db):
    return Team.objects.create(name="Globex")


@pytest.fixture
def manager(make_user, acme):
    return make_user("marta@acme.test", team=acme, role=User.Role.MANAGER, full_name="Marta")


@pytest.fixture
def member(make_user, acme):
    return make_user("alice@acme.test", team=acme, full_name="Alice")


@pytest.fixture
def outsider(make_user, globex):
    return make_user("charlie@globex.test", team=globex, full_name="Charlie")


@pytest.fixture
def administrator(make_user):
    """Platform staff: a superuser with no team."""
    return make_user("root@axur.test", full_name="Root Admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, administrator, add_authenticator):
    """A superuser's browser that has passed the password and a code."""
    return sign_in_verified(client, administrator, add_authenticator(administrator))


@pytest.fixture
def add_authenticator(db):
    def add(user, *, name="My phone", key=None, confirmed=True):
        device = Authenticator(user=user, name=name, confirmed=confirmed)
        device.key = key or totp.generate_key()
        device.save()
        if confirmed:  # as the wizard leaves it: the person's code entry exists
            CodeThrottle.objects.get_or_create(user=user)
        return device

    return add


@pytest.fixture
def member_device(member, add_authenticator):
    return add_authenticator(member, name="Alice phone")


@pytest.fixture
def manager_device(manager, add_authenticator):
    return add_authenticator(manager, name="Marta phone")


def code_for(device, *, offset_steps=0):
    """The code the user's app shows now (or ``offset_steps`` steps away)."""
    return totp.code_at(device.key, time.time() + offset_steps * totp.STEP_SECONDS)


def sign_in_verified(client, user, device):
    """A session that has passed the password and the code with ``device``."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def sign_in_with_code(client, user, device):
    """Password and code in a browser, as a person does: the browser becomes trusted, and the
    session has passed a second factor."""
    client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})
    response = client.post(reverse("twofactor:code"), {"code": code_for(device)})
    assert client.session[SESSION_KEY] == str(user.pk), response.content
    return client


def recent(client):
    """The password was typed again just now (recent authentication)."""
    session = client.session
    session[RECENT_AUTHENTICATION_KEY] = time.time()
    session.save()


def stepped_up(client):
    """A second factor was passed just now in this session (step-up)."""
    session = client.session
    session[SECOND_FACTOR_KEY] = time.time()
    session.save()


def lock_code_entry(user, *, at=None, failures=None):
    """The person's code entry as after ``failures`` wrong codes (the lock's number unless
    given), the last one ``at`` (now unless given)."""
    CodeThrottle.objects.update_or_create(
        user=user,
        defaults={
            "throttling_failure_count": failures or app_settings.lock_after_failures(),
            "throttling_failure_timestamp": at or timezone.now(),
        },
    )


def code_failures(user) -> int:
    """How many consecutive wrong codes the person's code entry counts."""
    throttle = CodeThrottle.objects.filter(user=user).first()
    return throttle.throttling_failure_count if throttle else 0


def add_sign_ins(user, number):
    """``number`` sign-in records of ``user`` in their team's activity, with one INSERT."""
    Activity.objects.bulk_create(
        Activity(
            kind=Activity.Kind.SIGNED_IN,
            actor=user,
            subject=user,
            team_id=user.team_id,
            user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            ip_address="198.51.100.1",
        )
        for _ in range(number)
    )
