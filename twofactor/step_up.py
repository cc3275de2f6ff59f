"""Step-up: a second factor passed recently in this session, asked before the person's second
factors change.

Adding or removing an authenticator needs the password (accounts' recent authentication) and a
second factor, both within the last few minutes, once the person has an authenticator. A code
accepted at sign-in or in the wizard counts; a sign-in from a trusted browser passed none. The
page that asks is ``twofactor:confirm_code``. Whatever kind of second factor a page accepts
(an app code, a recovery code, a passkey) marks the session the same way
(``mark_second_factor``), so the guard does not depend on the kind.
"""

import time
from functools import wraps

from django.db import transaction
from django.http import HttpResponseRedirect

from accounts.decorators import require_recent_authentication
from accounts.passwords import has_recent_authentication
from accounts.redirects import url_with_next

from . import app_settings, selectors
from .services import codes
from .services.activity import RequestMeta

SECOND_FACTOR_KEY = "twofactor_second_factor_at"


def _now() -> float:
    return time.time()


def mark_second_factor(request) -> None:
    """This session has just passed a second factor."""
    request.session[SECOND_FACTOR_KEY] = _now()


def forget_second_factor(request) -> None:
    request.session.pop(SECOND_FACTOR_KEY, None)


def has_recent_second_factor(request) -> bool:
    at = request.session.get(SECOND_FACTOR_KEY)
    return isinstance(at, int | float) and 0 <= _now() - at < app_settings.step_up_seconds()


def confirm_with_code(request, code, *, verify=codes.verify_sign_in_code) -> codes.CodeResult:
    """The step-up page's app code (or what ``verify`` checks: a recovery code, a passkey's
    answer): checked as at sign-in (any of the person's authenticators, under their back-off and
    lock, a used code refused); accepted, it marks the session."""
    with transaction.atomic():
        result = verify(
            user=request.user, code=code, request_meta=RequestMeta.from_request(request)
        )
    if result.accepted:
        mark_second_factor(request)
    return result


def has_stepped_up(request) -> bool:
    """What ``require_step_up`` asks, as a yes or no (for a JSON view, which cannot be sent to
    a page): the password recent, and a second factor too once the person has an
    authenticator."""
    return has_recent_authentication(request) and (
        has_recent_second_factor(request) or not selectors.has_authenticator(request.user)
    )


def require_second_factor(view):
    """A second factor passed in this session within the step-up time, once the person has an
    authenticator (the first setup needs none). Otherwise the person confirms one first and
    comes back to this page (a GET; a POST made without it changes nothing)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if has_recent_second_factor(request) or not selectors.has_authenticator(request.user):
            return view(request, *args, **kwargs)
        back = request.get_full_path() if request.method == "GET" else request.path
        return HttpResponseRedirect(url_with_next("twofactor:confirm_code", back))

    return wrapped


def require_step_up(view):
    """The password and a second factor, both recent: for changes to the second factors."""
    return require_recent_authentication(require_second_factor(view))
