"""The portal's own error pages: 400, 403 (a failed CSRF check too), 404, 500, and 503 when the
database or the cache does not answer (axur_portal/urls.py and CSRF_FAILURE_VIEW name them).

Django turns an error raised anywhere in a request, in a view or in a middleware (the session
read or saved, the person loaded), into the response of these handlers. So an outage reaches
``server_error`` (or ``bad_request``, for a session Django could not save), which answers 503
with ``Retry-After`` and writes one line naming the service. Failing closed comes from the same
place: a throttle whose counters cannot be read raises, so the step it guards never runs.

The pages render in the layout but read neither the person, nor the session, nor the messages
(templates/accounts/error.html), so they need no database and no cache.
"""

import logging
import sys

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from . import outages

logger = logging.getLogger(__name__)

TEMPLATE = "accounts/error.html"

PAGES = {
    400: (_("Bad request"), _("The portal could not read that request. Go back and try again.")),
    403: (_("Access denied"), _("You do not have access to this page.")),
    404: (_("Page not found"), _("The address may be mistyped, or the page may have moved.")),
    500: (
        _("Something went wrong"),
        _("The portal could not complete your request. Try again in a few minutes."),
    ),
    503: (_("The portal is briefly unavailable"), _("Try again in a minute.")),
}
CSRF_FAILURE = (
    _("The form has expired"),
    _(
        "The form was open for too long, or your browser did not send its cookies. "
        "Go back, reload the page and try again."
    ),
)


def retry_after_seconds() -> int:
    return getattr(settings, "SERVICE_UNAVAILABLE_RETRY_AFTER_SECONDS", 60)


def error_page(request, status: int, heading=None, explanation=None):
    default_heading, default_explanation = PAGES[status]
    return render(
        request,
        TEMPLATE,
        {"heading": heading or default_heading, "explanation": explanation or default_explanation},
        status=status,
    )


def service_unavailable(request, service: str, error: BaseException):
    """503: try again shortly. One log line names the service and the kind of error, never its
    message (which may hold addresses or names of the setup). Django saves no session on a 5xx
    response, so half of a sign-in whose transaction was rolled back is not written either."""
    logger.error("Service unavailable: %s (%s)", service, type(error).__name__)
    response = error_page(request, 503)
    response["Retry-After"] = str(retry_after_seconds())
    add_never_cache_headers(response)
    return response


def _page_or_outage(request, status: int, exception: BaseException | None):
    outage = outages.outage_behind(exception)
    if outage is not None:
        return service_unavailable(request, *outage)
    return error_page(request, status)


def bad_request(request, exception):
    return _page_or_outage(request, 400, exception)


def permission_denied(request, exception):
    return _page_or_outage(request, 403, exception)


def page_not_found(request, exception):
    return _page_or_outage(request, 404, exception)


def server_error(request):
    """Called by Django while it handles the error, which ``sys.exc_info()`` still holds."""
    return _page_or_outage(request, 500, sys.exc_info()[1])


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the reason stays in Django's log line, not on the page."""
    return error_page(request, 403, *CSRF_FAILURE)
