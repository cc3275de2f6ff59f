"""The page "Recovery codes": the plain codes, shown once in the response that made them; and
"Not now" to My Preferences' request to create them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from accounts.redirects import safe_next

from .. import selectors
from ..recovery_download import download_file
from ..services import recovery_codes
from ..services.activity import RequestMeta
from ..services.recovery_codes import create_recovery_codes
from ..step_up import require_step_up


def show_new_recovery_codes(request, *, continue_url: str):
    """Make the person's new set and render it in this response, never cached: the plain codes
    are in no session, table or log, so a reload shows none."""
    codes = create_recovery_codes(user=request.user, request_meta=RequestMeta.from_request(request))
    _left, created_at = selectors.recovery_codes_summary(request.user)
    name, href = download_file(codes=codes, email=request.user.email, created_at=created_at)
    response = render(
        request,
        "twofactor/recovery_codes.html",
        {
            "codes": codes,
            "download_name": name,
            "download_href": href,
            "continue_url": continue_url,
        },
    )
    add_never_cache_headers(response)
    return response


@csrf_protect
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@require_step_up
def generate_recovery_codes(request):
    """ "Generate new codes" (Manage Access, My Preferences) and My Preferences' "Create
    recovery codes": the old codes stop working at once. "I have saved them" goes back to the
    ``next`` page of this site, Manage Access unless given."""
    manage = reverse("twofactor:manage")
    if request.method != "POST":  # back from the step-up: Manage Access has the button
        return HttpResponseRedirect(manage)
    return show_new_recovery_codes(request, continue_url=safe_next(request, default=manage))


@login_required
@require_POST
def dismiss_recovery_codes_prompt(request):
    """ "Not now" to My Preferences' request to create recovery codes: asked no more."""
    recovery_codes.dismiss_recovery_codes_prompt(user=request.user)
    messages.info(request, _("You can create recovery codes at any time in Manage Access."))
    return HttpResponseRedirect(reverse("accounts:preferences"))
