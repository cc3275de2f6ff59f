"""The floors: what any page costs before it does anything of its own.

- ``floor``: a tiny HttpResponse, through the whole middleware stack (no session is loaded for
  a request without a session cookie): Django's own floor.
- ``floor_signed_in``: a tiny template for a signed-in, code-verified user through the whole
  middleware stack (session, user, authenticator, time-outs, locale, 2FA enforcement): the floor
  every signed-in page of the portal stands on.

Beside them, ``layout``: the same signed-in request answered with an empty page in the portal's
base layout (header, navigation, sign-out and language forms): what any portal page costs over
the floor before its own content.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render


def floor(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def floor_signed_in(request):
    return render(request, "bench/floor.html")


@login_required
def layout(request):
    return render(request, "bench/layout.html")
