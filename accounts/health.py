"""``/healthz``: can this instance serve? It checks the database and the cache.

For load balancers and orchestrators: 200 with ``{"status": "ok", ...}`` or 503 naming the part
that failed. It is answered by a middleware near the top of the chain, before host validation
(probes often use the instance's own address as Host), sessions and the 2FA middleware, so it
needs no user; SECURE_REDIRECT_EXEMPT keeps plain-HTTP probes from being redirected.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

from . import outages

logger = logging.getLogger(__name__)

PATH = "/healthz"


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    key = f"healthz:{secrets.token_hex(8)}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the cache did not return the value just stored")
    finally:
        cache.delete(key)


CHECKS = {"database": check_database, "cache": check_cache}


def run_checks() -> dict[str, str]:
    """``{"database": "ok" | "error", "cache": ...}``; the reason of a failure is logged: a
    service that does not answer in one line (probes come every few seconds while it lasts),
    anything else with its traceback."""
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:
            if outages.service_down(error):
                logger.error("Health check of the %s failed (%s)", name, type(error).__name__)
            else:
                logger.exception("Health check of the %s failed", name)
            results[name] = "error"
        else:
            results[name] = "ok"
    return results


def health_response() -> JsonResponse:
    checks = run_checks()
    healthy = all(result == "ok" for result in checks.values())
    response = JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks},
        status=200 if healthy else 503,
    )
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == PATH and request.method in ("GET", "HEAD"):
            return health_response()
        return self.get_response(request)
