"""Where a page sends the person next: a ``next`` that stays on this site, and URLs with it."""

from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


def safe_next(request, default: str = "accounts:preferences") -> str:
    """The ``next`` of the request if it is a path of this site, else ``default``."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if (
        candidate
        and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and candidate.startswith("/")
        and not candidate.startswith("//")
    ):
        return candidate
    return resolve_url(default)


def url_with_next(viewname: str, next_url: str) -> str:
    url = reverse(viewname)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def absolute_url(path: str) -> str:
    """A link for an email: PORTAL_URL (the portal's public address) followed by ``path``."""
    base = getattr(settings, "PORTAL_URL", "http://localhost:8000").rstrip("/")
    return f"{base}{path}"
