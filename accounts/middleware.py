"""Idle and absolute session time-outs (NIST SP 800-63B, AAL2): 30 minutes and 12 hours."""

import time

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

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
                auth.logout(request)
            elif now - seen >= SEEN_RESOLUTION_SECONDS:
                request.session[SEEN_KEY] = now
        return self.get_response(request)
