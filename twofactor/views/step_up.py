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
from ..forms import CodeForm, RecoveryCodeForm
from ..services import codes
from .code import (
    add_code_error,
    has_no_second_factor,
    has_recovery_codes_left,
    other_second_factors,
)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def confirm_code(request):
    """An app code from a signed-in, verified person; then back to ``next`` (this site only)."""
    return _confirm(request, recovery_code=False)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def confirm_recovery_code(request):
    """As ``confirm_code``, with one of the person's recovery codes."""
    return _confirm(request, recovery_code=True)


def _confirm(request, *, recovery_code: bool):
    next_url = safe_next(request)
    form_class = RecoveryCodeForm if recovery_code else CodeForm
    form = form_class(request.POST if request.method == "POST" else None)
    if form.is_valid():
        verify = codes.verify_recovery_code if recovery_code else codes.verify_sign_in_code
        result = step_up.confirm_with_code(request, form.cleaned_data["code"], verify=verify)
        if result.accepted or has_no_second_factor(
            result, request.user, recovery_code=recovery_code
        ):
            return HttpResponseRedirect(next_url)  # without an authenticator none is asked
        add_code_error(form, result)
    return render(
        request,
        "twofactor/confirm_code.html",
        {
            "form": form,
            "next": next_url,
            "recovery_code": recovery_code,
            "offer_recovery_code": not recovery_code and has_recovery_codes_left(request.user),
            **other_second_factors(
                request,
                request.user,
                offer=not recovery_code,
                begin="twofactor:passkey_confirmation_begin",
                complete="twofactor:passkey_confirmation_complete",
                next_url=next_url,
            ),
        },
    )
