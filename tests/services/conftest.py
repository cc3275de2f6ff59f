"""Tests that only real services can answer (marked ``services``): they run under
`make test-services` (PostgreSQL and Redis) and are skipped on the embedded default."""

import pytest
from django.conf import settings
from django.db import connection


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
