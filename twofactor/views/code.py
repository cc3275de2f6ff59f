"""The code step of sign-in and "Lost your phone?"."""

import math
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts.redirects import safe_next, url_with_next

from .. import flows, passkeys, selectors
from ..forms import CodeForm, RecoveryCodeForm
from ..middleware import allowed_before_code
from ..services import codes, resets
from ..services.activity import RequestMeta
from ..services.codes import CodeOutcome, CodeResult

SHORT_WAIT_SECONDS = 10  # a wait under this is "a moment"


def seconds_to_wait(result: CodeResult) -> int | None:
    """Whole seconds until the person's next answer is checked, or None for no wait."""
    if result.retry_at is None:
        return None
    return max(1, math.ceil((result.retry_at - timezone.now()).total_seconds()))


def wait_message(error_messages: dict, seconds: int) -> str:
    """The back-off's message of ``error_messages`` ("throttled", with "throttled_seconds" and
    "throttled_minutes" in plural forms of ``count``) for a wait of ``seconds``."""
    if seconds < SHORT_WAIT_SECONDS:
        return str(error_messages["throttled"])
    if seconds < 60:
        return error_messages["throttled_seconds"] % {"count": seconds}
    return error_messages["throttled_minutes"] % {"count": math.ceil(seconds / 60)}


def refusal(result: CodeResult, error_messages: dict) -> tuple[str, str]:
    """A refused second factor's message (from ``error_messages``, by key) and its key."""
    key = {
        CodeOutcome.REPLAYED: "replayed",
        CodeOutcome.THROTTLED: "throttled",
        CodeOutcome.LOCKED: "locked",
    }.get(result.outcome, "wrong")
    if key == "throttled":
        return wait_message(error_messages, seconds_to_wait(result) or 1), key
    message = error_messages[key]
    if key == "locked" and result.retry_at is not None:
        message = message % {
            "time": formats.time_format(timezone.localtime(result.retry_at), "TIME_FORMAT")
        }
    return str(message), key


def add_code_error(form: CodeForm | RecoveryCodeForm, result: CodeResult) -> None:
    """Turn a refused code into the message the person reads next to the field. A back-off
    the answer started or met is given to the page's script too (``data-wait-seconds`` on the
    field), which holds the button back until it has passed; the server refuses early answers
    all the same. A wrong code that starts a long back-off says so as well."""
    message, key = refusal(result, form.error_messages)
    form.add_error("code", ValidationError(message, code=key))
    wait = seconds_to_wait(result)
    if wait is None or result.outcome is CodeOutcome.LOCKED:
        return
    form.fields["code"].widget.attrs["data-wait-seconds"] = str(wait)
    if key != "throttled" and wait >= SHORT_WAIT_SECONDS:
        form.add_error(
            "code", ValidationError(wait_message(form.error_messages, wait), code="throttled")
        )


def owing_a_code(view):
    """For the pages of someone who passed the password and owes a code: the view gets that
    user and the safe ``next``; a verified session goes on to ``next``, an expired or missing
    password step back to sign in."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        next_url = safe_next(request)
        user = flows.pending_user(request)
        if user is not None:
            return view(request, user, next_url, *args, **kwargs)
        if request.user.is_authenticated:
            return HttpResponseRedirect(next_url)
        if request.method == "POST":
            messages.info(request, _("Your sign-in took too long. Please sign in again."))
        return HttpResponseRedirect(url_with_next("accounts:sign_in", next_url))

    return allowed_before_code(wrapped)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
@owing_a_code
def code(request, user, next_url):
    return _code_step(request, user, next_url, recovery_code=False)


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
@owing_a_code
def recovery_code(request, user, next_url):
    """The code step with one of the person's recovery codes in place of the app's code."""
    return _code_step(request, user, next_url, recovery_code=True)


def has_no_second_factor(result: CodeResult, user, *, recovery_code: bool) -> bool:
    """An app code met no app, and the person has no authenticator of any kind either (a reset
    since the page was shown): no code can be asked of them. Someone with passkeys alone has
    just typed a wrong code."""
    return (
        result.outcome is CodeOutcome.NO_AUTHENTICATOR
        and not recovery_code
        and not selectors.has_authenticator(user)
    )


def has_recovery_codes_left(user) -> bool:
    summary = selectors.recovery_codes_summary(user)
    return summary is not None and summary[0] > 0


def _code_step(request, user, next_url, *, recovery_code: bool):
    form_class = RecoveryCodeForm if recovery_code else CodeForm
    form = form_class(request.POST if request.method == "POST" else None)
    if form.is_valid():
        verify = codes.verify_recovery_code if recovery_code else codes.verify_sign_in_code
        result, response = flows.sign_in_with_code(
            request, user, form.cleaned_data["code"], next_url, verify=verify
        )
        if result.accepted:
            return response
        if has_no_second_factor(result, user, recovery_code=recovery_code):
            return HttpResponseRedirect(url_with_next("accounts:sign_in", next_url))
        add_code_error(form, result)  # without recovery codes (or an app), any is wrong
    return render(
        request,
        "twofactor/code.html",
        {
            "form": form,
            "next": next_url,
            "recovery_code": recovery_code,
            "offer_recovery_code": not recovery_code and has_recovery_codes_left(user),
            **other_second_factors(
                request,
                user,
                offer=not recovery_code,
                begin="twofactor:passkey_sign_in_begin",
                complete="twofactor:passkey_sign_in_complete",
                next_url=next_url,
            ),
        },
    )


def other_second_factors(request, user, *, offer: bool, begin: str, complete: str, next_url):
    """What a page that asks for an app code offers beside it: the person's passkey, with the
    URLs of its ceremony (``passkeys.ceremony_context``); the app's code field only to someone
    who has an app (a person with passkeys alone is not asked for a code they cannot have)."""
    offer_passkey = offer and selectors.has_passkey(user)
    context = {"offer_passkey": offer_passkey, "offer_app_code": True}
    if offer_passkey:
        context.update(
            passkeys.ceremony_context(request, begin=begin, complete=complete, next_url=next_url),
            offer_app_code=selectors.has_app_authenticator(user),
        )
    return context


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
@owing_a_code
def lost_phone(request, user, next_url):
    """For someone who passed the password but has no phone: explain, and ask the Managers
    (a request already open is said, with when it was sent, instead of asking again)."""
    sent = None
    if request.method == "POST":
        sent = send_reset_request(request, user)
    return render(
        request,
        "twofactor/lost_phone.html",
        {
            "sent": sent,
            "requested_at": None if sent else selectors.open_reset_request_since(user),
            "has_managers": bool(selectors.managers_of(user.team)),
            "next": next_url,
        },
    )


def send_reset_request(request, user) -> bool:
    """Record the request and tell the person what happened; True if it stands."""
    try:
        _request, created = resets.request_reset(
            user=user, request_meta=RequestMeta.from_request(request)
        )
    except resets.ResetRequestThrottled:
        messages.error(
            request,
            _("You have sent several requests today. Ask a Manager of your team directly."),
        )
        return False
    if created:
        messages.success(request, _("Your request was sent to the Managers of your team."))
    else:
        messages.info(
            request,
            _("You already have an open request. The Managers of your team have been told."),
        )
    return True
