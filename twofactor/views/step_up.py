"""Step-up: "Confirm it's you", a second factor before the person's second factors change."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.redirects import safe_next

from .. import step_up
from ..forms import CodeForm
from ..services.codes import CodeOutcome
from .code import add_code_error


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def confirm_code(request):
    """An app code from a signed-in, verified person; then back to ``next`` (this site only)."""
    next_url = safe_next(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        result = step_up.confirm_with_code(request, form.cleaned_data["code"])
        if result.accepted or result.outcome is CodeOutcome.NO_AUTHENTICATOR:
            return HttpResponseRedirect(next_url)  # without an authenticator none is asked
        add_code_error(form, result)
    return render(request, "twofactor/confirm_code.html", {"form": form, "next": next_url})
