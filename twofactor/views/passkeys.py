"""Passkeys and security keys: adding one from Manage Access and naming it, and the ceremonies
of the code step and of "Confirm it's you".

The ceremonies are django-otp-webauthn's JSON views, which static/js/passkeys.js calls, made
the portal's: never mounted as they come, never passwordless, each one's person the portal's
(the pending sign-in's at the code step), and every assertion checked by the code-step service
under the person's back-off and lock. Their errors are JSON with a message in the person's
language, never a 500.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp_webauthn import exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from accounts.redirects import safe_next

from .. import flows, passkeys, selectors, step_up
from ..forms import PasskeyNameForm
from ..middleware import allowed_before_code
from ..models import Passkey
from ..services import authenticators, codes
from ..services.activity import RequestMeta
from ..step_up import require_step_up
from .code import refusal

NEW_PASSKEY_KEY = "twofactor_new_passkey"

# What a refused passkey says (the keys of a refused code's messages).
REFUSED = {
    "wrong": gettext_lazy(
        "That passkey or security key was not accepted. Try again, or use another way to "
        "confirm it’s you."
    ),
    "replayed": gettext_lazy("That passkey or security key was not accepted. Try again."),
    "throttled": gettext_lazy("Too many failed attempts. Wait a moment and try again."),
    "throttled_seconds": ngettext_lazy(
        "Too many failed attempts. Wait %(count)s second, then try again.",
        "Too many failed attempts. Wait %(count)s seconds, then try again.",
        "count",
    ),
    "throttled_minutes": ngettext_lazy(
        "Too many failed attempts. Wait %(count)s minute, then try again.",
        "Too many failed attempts. Wait %(count)s minutes, then try again.",
        "count",
    ),
    "locked": gettext_lazy(
        "Sign-in with a second factor is locked after too many failed attempts. Try again after "
        "%(time)s, or ask a Manager of your team to reset your two-factor authentication."
    ),
}


class StepUpNeeded(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "step_up_needed"
    default_detail = gettext_lazy("Confirm it’s you again, then add your passkey or security key.")


class TooManyPasskeys(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_code = "too_many"
    default_detail = gettext_lazy(
        "You have as many passkeys and security keys as an account can have. Remove one first."
    )


class AlreadyAdded(exceptions.OTPWebAuthnApiError):
    status_code = 409
    default_code = "already_added"
    default_detail = gettext_lazy("This passkey or security key is already registered.")


class SignInExpired(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "sign_in_expired"
    default_detail = gettext_lazy("Your sign-in took too long. Please sign in again.")


class NoPasskey(exceptions.OTPWebAuthnApiError):
    status_code = 400
    default_code = "no_passkey"
    default_detail = gettext_lazy(
        "You have no passkey or security key. Use another way to sign in."
    )


def _request_meta(view) -> RequestMeta:
    return RequestMeta.from_request(view.request)


class _Ceremony:
    """What every ceremony view of the portal does beside the library's: the body read as one
    JSON object (anything else, however odd, is an unreadable answer), and the state kept under
    the view's own session key (``state_key``: one a purpose), bound to the person (``user``)
    and taken out of the session before the answer is read, so it is never used twice."""

    state_key: str
    user = None

    def _parse_request_data(self, request):
        if request.content_type != "application/json":
            raise passkeys.UnreadableAnswer()
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):  # not JSON, not UTF-8, nested or numbers too deep
            raise passkeys.UnreadableAnswer() from None
        if not isinstance(data, dict):
            raise passkeys.UnreadableAnswer()
        return data

    def get_user(self):
        return self.user

    def keep_state(self, state: dict) -> None:
        self.request.session[self.state_key] = {**state, "user": self.user.pk}

    def get_state(self):
        state = self.request.session.pop(self.state_key, None)
        self.request.session.save()
        return passkeys.check_fresh(state, user_id=self.user.pk)


# Adding one (Manage Access): the password and a second factor, both recent, first.


class _Registration(_Ceremony):
    state_key = passkeys.REGISTRATION_STATE_KEY

    def initial(self, request, *args, **kwargs):
        self.user = request.user if request.user.is_authenticated else None
        super().initial(request, *args, **kwargs)

    def check_can_register(self):
        if not step_up.has_stepped_up(self.request):
            raise StepUpNeeded()


class BeginPasskeyRegistration(_Registration, BeginCredentialRegistrationView):
    def post(self, *args, **kwargs):
        if Passkey.objects.filter(user=self.user).count() >= passkeys.MOST_PASSKEYS:
            raise TooManyPasskeys()
        options, state = self.get_helper().register_begin(user=self.user)
        self.keep_state(state)
        return JsonResponse(options)


class CompletePasskeyRegistration(_Registration, CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        state = self.get_state()
        try:
            passkey = authenticators.add_passkey(
                user=self.user,
                helper=self.get_helper(),
                state=state,
                data=self.request.data,
                request_meta=_request_meta(self),
            )
        except authenticators.PasskeyRefused:
            raise passkeys.NotAdded() from None
        except authenticators.PasskeyAlreadyAdded:
            raise AlreadyAdded() from None
        self.request.session[NEW_PASSKEY_KEY] = passkey.pk
        return JsonResponse({"redirect_url": reverse("twofactor:name_passkey")})


# Signing in (the code step) and "Confirm it's you": an assertion for one known person.


class _Assertion(_Ceremony):
    def check_can_authenticate(self):
        if self.user is None:
            raise self.no_person()
        if not selectors.has_passkey(self.user):
            raise NoPasskey()

    def post_begin(self):
        options, state = self.get_helper().authenticate_begin(
            user=self.user, require_user_verification=False
        )
        self.keep_state(state)
        return JsonResponse(options)

    def read_assertion(self) -> passkeys.Assertion:
        return self.get_helper().assertion(state=self.get_state(), data=self.request.data)


def refused_answer(result: codes.CodeResult) -> JsonResponse:
    message, key = refusal(result, REFUSED)
    status = 429 if key in ("throttled", "locked") else 403
    return JsonResponse({"detail": message, "code": key}, status=status)


class _PendingSignIn(_Assertion):
    """The person whose password was right in this session and who owes a second factor."""

    state_key = passkeys.SIGN_IN_STATE_KEY
    no_person = SignInExpired

    def initial(self, request, *args, **kwargs):
        self.user = flows.pending_user(request)
        super().initial(request, *args, **kwargs)


class BeginPasskeySignIn(_PendingSignIn, BeginCredentialAuthenticationView):
    def post(self, *args, **kwargs):
        return self.post_begin()


class CompletePasskeySignIn(_PendingSignIn, CompleteCredentialAuthenticationView):
    def post(self, *args, **kwargs):
        assertion = self.read_assertion()
        next_url = safe_next(self.request)
        result, response = flows.sign_in_with_code(
            self.request,
            self.user,
            assertion,
            next_url,
            verify=codes.verify_passkey,
            response=JsonResponse({"redirect_url": next_url}),
        )
        return response if result.accepted else refused_answer(result)


class _SignedIn(_Assertion):
    state_key = passkeys.CONFIRMATION_STATE_KEY
    no_person = exceptions.NotAuthenticated

    def initial(self, request, *args, **kwargs):
        self.user = request.user if request.user.is_authenticated else None
        super().initial(request, *args, **kwargs)


class BeginPasskeyConfirmation(_SignedIn, BeginCredentialAuthenticationView):
    def post(self, *args, **kwargs):
        return self.post_begin()


class CompletePasskeyConfirmation(_SignedIn, CompleteCredentialAuthenticationView):
    def post(self, *args, **kwargs):
        assertion = self.read_assertion()
        result = step_up.confirm_with_code(self.request, assertion, verify=codes.verify_passkey)
        if not result.accepted:
            return refused_answer(result)
        return JsonResponse({"redirect_url": safe_next(self.request)})


begin_registration = BeginPasskeyRegistration.as_view()
complete_registration = CompletePasskeyRegistration.as_view()
begin_sign_in = allowed_before_code(BeginPasskeySignIn.as_view())
complete_sign_in = allowed_before_code(CompletePasskeySignIn.as_view())
begin_confirmation = BeginPasskeyConfirmation.as_view()
complete_confirmation = CompletePasskeyConfirmation.as_view()


# The pages.


@never_cache
@login_required
@require_GET
@require_step_up
def add_passkey(request):
    return render(
        request,
        "twofactor/passkey_add.html",
        passkeys.ceremony_context(
            request,
            begin="twofactor:passkey_registration_begin",
            complete="twofactor:passkey_registration_complete",
        ),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def name_passkey(request):
    """The step after the browser's prompt: the name of the passkey just added."""
    passkey = Passkey.objects.filter(
        pk=request.session.get(NEW_PASSKEY_KEY), user=request.user, confirmed=True
    ).first()
    if passkey is None:
        return HttpResponseRedirect(reverse("twofactor:manage"))
    form = PasskeyNameForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        authenticators.name_new_authenticator(
            user=request.user,
            authenticator=passkey,
            name=form.cleaned_data["name"],
            request_meta=RequestMeta.from_request(request),
        )
        request.session.pop(NEW_PASSKEY_KEY, None)
        messages.success(
            request,
            _("Your passkey or security key “%(name)s” was added.") % {"name": passkey.name},
        )
        return HttpResponseRedirect(reverse("twofactor:manage"))
    return render(request, "twofactor/passkey_name.html", {"form": form})
