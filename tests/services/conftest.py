"""Tests that only real services can answer (marked ``services``): they run under
`make test-services` (PostgreSQL and Redis) and are skipped on the embedded default."""

import pytest
from django.conf import settings
from django.db import connection

from tests.servers import collect_static


def services_configured() -> bool:
    return connection.vendor == "postgresql" and settings.CACHES["default"]["BACKEND"].endswith(
        "RedisCache"
    )


def pytest_collection_modifyitems(config, items):
    if services_configured():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL and Redis: run `make test-services`")
    for item in items:
        if item.get_closest_marker("services"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    """The production profile's static files, collected once for every gunicorn of the run."""
    return collect_static(tmp_path_factory.mktemp("static"))


@pytest.fixture
def argon2(settings):
    """Passwords hashed as production hashes them, so gunicorn's workers can check them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
