"""Middleware of the accounts app.

- Idle and absolute session time-outs (NIST SP 800-63B, AAL2): 30 minutes and 12 hours.
- A request id on every request, its log lines and its response.
- The client's address behind trusted proxies (load balancers).
- The Content-Security-Policy header on every response.
"""

import ipaddress
import time
from functools import lru_cache

from csp.constants import HEADER
from csp.utils import build_policy
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import MiddlewareNotUsed
from django.core.signals import setting_changed
from django.dispatch import receiver

from . import request_log

STARTED_KEY = "session_started_at"
SEEN_KEY = "session_seen_at"
# Writing the session on every request would cost a write each time; a minute is precise enough.
SEEN_RESOLUTION_SECONDS = 60


def _now() -> float:
    return time.time()


@receiver(user_logged_in)
def _start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[STARTED_KEY] = request.session[SEEN_KEY] = _now()


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = _now()
            started = request.session.get(STARTED_KEY)
            seen = request.session.get(SEEN_KEY)
            if started is None or seen is None:
                request.session[STARTED_KEY] = request.session[SEEN_KEY] = now
            elif (
                now - started >= settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS
                or now - seen >= settings.SESSION_IDLE_TIMEOUT_SECONDS
            ):
                # Ended, not signed out: the session goes without a sign-out of the person.
                request.session.flush()
                request.user = AnonymousUser()
            elif now - seen >= SEEN_RESOLUTION_SECONDS:
                request.session[SEEN_KEY] = now
        return self.get_response(request)


class RequestIdMiddleware:
    """Gives each request an id: the caller's X-Request-ID if it is sane, else a new one. The id
    is on ``request.request_id``, on every log record of the request and on the response."""

    header = "X-Request-ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_log.request_id_from(request.headers.get(self.header))
        token = request_log.request_id.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_log.request_id.reset(token)
        response[self.header] = request.request_id
        return response


class ForwardedClientAddressMiddleware:
    """Behind ``TRUSTED_PROXY_HOPS`` proxies, REMOTE_ADDR is the last proxy's address; the
    client's is the entry that many places from the right of X-Forwarded-For (each proxy appends
    the address it saw, and the entries to the left of those can be forged by the client).

    The password throttle and the activity records then see the person's address, not the load
    balancer's. Off (removed from the chain) while TRUSTED_PROXY_HOPS is 0.
    """

    def __init__(self, get_response):
        self.hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
        if self.hops <= 0:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def client_address(self, forwarded_for: str) -> str | None:
        entries = [entry.strip() for entry in forwarded_for.split(",")]
        if len(entries) < self.hops:
            return None
        try:
            return str(ipaddress.ip_address(entries[-self.hops]))
        except ValueError:
            return None

    def __call__(self, request):
        address = self.client_address(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        if address is not None:
            request.META["REMOTE_ADDR"] = address
        return self.get_response(request)


@lru_cache(maxsize=1)
def content_security_policy() -> str:
    """The header's value, written by django-csp from ``CONTENT_SECURITY_POLICY``."""
    return build_policy()


@receiver(setting_changed)
def _forget_content_security_policy(setting, **kwargs):
    if setting == "CONTENT_SECURITY_POLICY":
        content_security_policy.cache_clear()


class ContentSecurityPolicyMiddleware:
    """The portal's one policy on every response, built once per process.

    No page has inline script or style, so no page needs a nonce, and no view changes the
    policy: django-csp's middleware, which builds the policy anew for every response to allow
    for both, is not needed (nor are its decorators and ``request.csp_nonce``, which rely on it).
    As django-csp does, Django's debug pages (404 and 500 with DEBUG) go without the header, so
    that their inline styles show.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code in (404, 500):
            return response
        policy = content_security_policy()
        if policy:
            response.headers.setdefault(HEADER, policy)
        return response
