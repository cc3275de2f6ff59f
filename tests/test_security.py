"""Security headers on real responses, the production profile and `check --deploy`."""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import sign_in_verified
from tests.production import BASE_DIR, manage, production_environment

SIGN_IN = reverse("accounts:sign_in")
EXPECTED_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}


def parse_policy(header: str) -> dict[str, list[str]]:
    policy = {}
    for directive in filter(None, (part.strip() for part in header.split(";"))):
        name, *sources = directive.split()
        policy[name.lower()] = sources
    return policy


def allows_inline(policy: dict[str, list[str]], directive: str) -> bool:
    """Whether a browser runs an inline <script> (or applies an inline style) under ``policy``:
    the directive (else default-src; none at all allows everything) must hold 'unsafe-inline',
    which browsers ignore when a nonce or hash is present too."""
    sources = policy.get(directive, policy.get("default-src"))
    if sources is None:
        return True
    if any(source.startswith(("'nonce-", "'sha")) for source in sources):
        return False
    return "'unsafe-inline'" in sources


def test_allows_inline_reads_policies_as_browsers_do():
    assert allows_inline({}, "script-src")
    assert allows_inline(parse_policy("script-src 'self' 'unsafe-inline'"), "script-src")
    assert allows_inline(parse_policy("default-src 'unsafe-inline'"), "script-src")
    assert not allows_inline(parse_policy("script-src 'unsafe-inline' 'nonce-abc'"), "script-src")


@pytest.mark.parametrize(
    "url", [SIGN_IN, "/no-such-page/", reverse("accounts:preferences"), "/healthz"]
)
def test_every_response_has_the_security_headers(client, db, url):
    response = client.get(url)
    assert parse_policy(response["Content-Security-Policy"]) == EXPECTED_POLICY
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_inline_script_and_inline_style_are_refused_by_the_policy(client, db):
    policy = parse_policy(client.get(SIGN_IN)["Content-Security-Policy"])
    assert not allows_inline(policy, "script-src")
    assert not allows_inline(policy, "style-src")
    assert "'unsafe-eval'" not in policy["script-src"]


def test_signed_in_pages_have_the_policy_too(client, member, add_authenticator):
    sign_in_verified(client, member, add_authenticator(member))
    response = client.get(reverse("accounts:preferences"))
    assert response.status_code == 200
    assert parse_policy(response["Content-Security-Policy"]) == EXPECTED_POLICY


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_holds_inline_script_or_style():
    offenders = [
        f"{path.relative_to(BASE_DIR)}: {what}"
        for path in sorted((BASE_DIR / "templates").rglob("*.html"))
        if "/email/" not in path.as_posix()  # emails are not pages under the policy
        for pattern, what in INLINE
        if pattern.search(Path(path).read_text())
    ]
    assert offenders == []


def test_https_adds_hsts_and_redirects_plain_http_but_not_the_health_check(settings, client, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    secure = client.get(SIGN_IN, secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = client.get(SIGN_IN)
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    assert client.get("/healthz").status_code == 200


def test_proxy_header_marks_requests_as_https_when_configured(settings, client, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get(SIGN_IN, HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get(SIGN_IN, HTTP_X_FORWARDED_PROTO="http").status_code == 301


# The production profile (a child process each: settings are read once per process) -------------


def production_settings(**overrides) -> dict:
    script = """
import json
import django
django.setup()
from django.conf import settings
from twofactor import app_settings
print(json.dumps({
    "SESSION_COOKIE_NAME": settings.SESSION_COOKIE_NAME,
    "CSRF_COOKIE_NAME": settings.CSRF_COOKIE_NAME,
    "trusted_browser_cookie": app_settings.trusted_browser_cookie_name(),
    "trusted_browser_cookie_secure": app_settings.trusted_browser_cookie_secure(),
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_PROXY_SSL_HEADER": settings.SECURE_PROXY_SSL_HEADER,
    "DEBUG": settings.DEBUG,
    "database": settings.DATABASES["default"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"]["LOCATION"],
    "SESSION_ENGINE": settings.SESSION_ENGINE,
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_HOST": settings.EMAIL_HOST,
    "PORTAL_URL": settings.PORTAL_URL,
}, default=str))
"""
    result = manage("shell", "-c", script, environment=production_environment(**overrides))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def production():
    return production_settings(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https")


def test_production_profile_reads_the_services_from_the_environment(production):
    values = production
    database = values["database"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["HOST"], database["PORT"]) == (
        "axur_portal",
        "127.0.0.1",
        5432,
    )
    assert database["CONN_MAX_AGE"] > 0 and database["CONN_HEALTH_CHECKS"] is True
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["cache_location"] == "redis://127.0.0.1:6379/9"
    assert values["SESSION_ENGINE"] == "django.contrib.sessions.backends.cached_db"
    assert values["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["EMAIL_HOST"] == "smtp.example.com"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["PORTAL_URL"] == "https://portal.example.com"
    assert values["DEBUG"] is False


def test_production_cookies_are_secure_and_host_prefixed(production):
    values = production
    assert values["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert values["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert values["trusted_browser_cookie"] == "__Host-axur_trusted_browser"
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["trusted_browser_cookie_secure"]
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_HSTS_SECONDS"] >= 31536000


def test_production_refuses_to_start_naming_every_missing_variable():
    environment = {
        name: None for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST")
    }
    result = manage("check", environment=production_environment(**environment))
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith("django.core.exceptions.ImproperlyConfigured: The production")
    for name in environment:
        assert name in message
    assert "ALLOWED_HOSTS" not in message


def test_check_deploy_reports_nothing_under_production_settings():
    result = manage(
        "check", "--deploy", "--fail-level", "DEBUG", environment=production_environment()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_policy_follows_its_setting(client, db, settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get(SIGN_IN)["Content-Security-Policy"] == "default-src 'none'"


def test_djangos_debug_pages_go_without_the_policy_and_others_keep_it(client, db, settings):
    settings.DEBUG = True
    assert "Content-Security-Policy" not in client.get("/no-such-page/")
    assert parse_policy(client.get(SIGN_IN)["Content-Security-Policy"]) == EXPECTED_POLICY
