"""People and sessions the benchmarks use, made in the benchmark's own database.

``seed_load`` makes the 10,000-member team "Load"; these helpers add the people whose keys and
passwords the benchmarks must know, and the sessions (cookies) each workload starts from.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone
from django.utils.module_loading import import_string
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.middleware import SEEN_KEY, STARTED_KEY
from accounts.models import Team, User
from twofactor import flows, totp
from twofactor.models import Authenticator, CodeThrottle, TrustedBrowser

PASSWORD = "bench-password-2fa"
BACKEND = "accounts.backends.PortalBackend"
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def session_store() -> SessionBase:
    engine = import_string(settings.SESSION_ENGINE + ".SessionStore")
    return engine()


def new_session(**values) -> str:
    """A saved session holding ``values``; returns its key (the cookie's value)."""
    store = session_store()
    for key, value in values.items():
        store[key] = value
    store.create()
    return store.session_key


def update_session(session_key: str, **values) -> None:
    store = import_string(settings.SESSION_ENGINE + ".SessionStore")(session_key)
    for key, value in values.items():
        if value is None:
            store.pop(key, None)
        else:
            store[key] = value
    store.save()


def signed_in_session(user, device=None, **values) -> str:
    """A session as after the password and (with ``device``) the code."""
    now = time.time()
    fields = {
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: BACKEND,
        HASH_SESSION_KEY: user.get_session_auth_hash(),
        STARTED_KEY: now,
        SEEN_KEY: now,
    }
    if device is not None:
        fields[DEVICE_ID_SESSION_KEY] = device.persistent_id
    return new_session(**fields, **values)


def pending_session(user) -> str:
    """A session that has passed the password step and owes a code."""
    pending = {"user": user.pk, "at": time.time(), "hash": user.get_session_auth_hash()}
    return new_session(**{flows.PENDING_KEY: pending})


def add_device(user, *, name="My phone", key: bytes | None = None) -> Authenticator:
    device = Authenticator(user=user, name=name, confirmed=True)
    device.key = key or totp.generate_key()
    device.save()
    CodeThrottle.objects.get_or_create(user=user)  # as the wizard leaves it
    return device


def make_person(email: str, *, team: Team | None, role=User.Role.MEMBER, password=None) -> User:
    user = User(email=email, full_name=email.split("@")[0].title(), team=team, role=role)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save()
    return user


def code_step_people(count: int, team: Team, domain: str) -> list[tuple[User, bytes]]:
    """People with one authenticator each, whose keys the benchmark knows: a code is accepted
    once, so every code-step request signs in a different person."""
    people = User.objects.bulk_create(
        User(
            email=f"code.{n:04}@{domain}",
            full_name=f"Code Person {n:04}",
            team=team,
            password="!",  # unusable: these people only pass the code step
        )
        for n in range(count)
    )
    keys = [totp.generate_key() for _ in people]
    devices = []
    for person, key in zip(people, keys, strict=True):
        device = Authenticator(user=person, name="My phone", confirmed=True)
        device.key = key
        devices.append(device)
    Authenticator.objects.bulk_create(devices)
    CodeThrottle.objects.bulk_create(CodeThrottle(user=person) for person in people)
    return list(zip(people, keys, strict=True))


def add_browsers(user, count: int) -> None:
    now = timezone.now()
    TrustedBrowser.objects.bulk_create(
        TrustedBrowser(
            user=user,
            token_hash=f"{n:064}",
            user_agent=USER_AGENT,
            ip_address=f"198.51.100.{n + 1}",
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(days=30),
        )
        for n in range(count)
    )
