"""Resetting one's own 2FA (Managers) and asking for a reset (Members)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import manager_required

from .. import flows
from ..services.activity import RequestMeta
from ..services.resets import reset_two_factor
from ..step_up import require_step_up
from .code import send_reset_request


@login_required
@manager_required
@require_http_methods(["GET", "POST"])
@require_step_up
def reset_own(request):
    """A reset removes every second factor of the person, so it asks for the step-up as
    removing one does: the password and a second factor, both recent."""
    if request.method == "POST":
        reset_two_factor(
            actor=request.user, member=request.user, request_meta=RequestMeta.from_request(request)
        )
        messages.info(
            request,
            _("Your two-factor authentication was reset. Set up your authenticator app again."),
        )
        return flows.continue_after_own_reset(
            request, request.user, reverse("accounts:preferences")
        )
    return render(request, "twofactor/reset_own.html")


@login_required
@require_POST
def request_reset(request):
    send_reset_request(request, request.user)
    return HttpResponseRedirect(reverse("accounts:preferences"))
