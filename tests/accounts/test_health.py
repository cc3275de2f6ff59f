"""/healthz for load balancers: the database and the cache, 200 or 503."""

import pytest
from django.db import OperationalError

from accounts import health


def test_health_check_reports_database_and_cache(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("part", ["database", "cache"])
def test_health_check_fails_with_503_naming_the_broken_part(client, db, monkeypatch, part):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, part, broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"][part] == "error"
    assert "connection refused" not in response.content.decode()


def test_a_service_that_does_not_answer_is_logged_in_one_line(client, db, monkeypatch, caplog):
    def refused():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", refused)
    client.get("/healthz")
    [record] = [r for r in caplog.records if r.name == "accounts.health"]
    assert record.getMessage() == "Health check of the database failed (OperationalError)"
    assert record.exc_info is None


def test_any_other_failure_of_a_check_is_logged_with_its_traceback(client, db, monkeypatch, caplog):
    monkeypatch.setattr(health.cache, "get", lambda key, default=None: default)
    client.get("/healthz")
    [record] = [r for r in caplog.records if r.name == "accounts.health"]
    assert record.exc_info is not None


def test_health_check_notices_a_cache_that_loses_values(client, db, monkeypatch):
    monkeypatch.setattr(health.cache, "get", lambda key, default=None: default)
    assert client.get("/healthz").status_code == 503


def test_health_check_answers_probes_with_any_host_header(client, db):
    # Load balancers often probe with the instance's own address as Host.
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200
    assert client.get("/sign-in/", HTTP_HOST="10.1.2.3:8000").status_code == 400


def test_health_check_is_not_stopped_by_the_two_factor_middleware(client, member):
    client.force_login(member)  # signed in, no code yet: every page leads to setup
    assert client.get("/preferences/").status_code == 302
    assert client.get("/healthz").status_code == 200


def test_health_check_answers_only_reads(client, db):
    assert client.post("/healthz").status_code == 404
