"""Passkeys and security keys: adding one from Manage Access and naming it, and the ceremonies
of the code step and of "Confirm it's you".

The ceremonies are django-otp-webauthn's JSON views, which static/js/passkeys.js calls, made
the portal's: never mounted as they come, never passwordless, each one's person the portal's
(the pending sign-in's at the code step), and every assertion checked by the code-step service
under the person's back-off and lock. Their errors are JSON with a message in the person's
language, never a 500.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp_webauthn import exceptions
from django_otp_webauthn.utils import rewrite_exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from accounts.passwords import has_recent_authentication
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
    "throttled": gettext_lazy(
        "Too many failed attempts. Wait %(seconds)s seconds, then try again."
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


class NotAdded(exceptions.OTPWebAuthnApiError):
    status_code = 422
    default_code = "not_added"
    default_detail = gettext_lazy(
        "Your passkey or security key could not be added: its answer was not valid for this "
        "portal. Try again."
    )


def _request_meta(view) -> RequestMeta:
    return RequestMeta.from_request(view.request)


class _TimedState:
    """A ceremony's state taken out of the session (so it is never used twice, even when the
    answer turns out wrong) and refused when missing or too old."""

    state_key: str

    def get_state(self):
        state = self.request.session.pop(self.state_key, None)
        self.request.session.save()
        return passkeys.check_fresh(state)


# Adding one (Manage Access): the password and a second factor, both recent, first.


class _StepUpRequired:
    def check_can_register(self):
        if not (
            has_recent_authentication(self.request)
            and step_up.has_recent_second_factor(self.request)
        ):
            raise StepUpNeeded()


class BeginPasskeyRegistration(_StepUpRequired, BeginCredentialRegistrationView):
    pass


class CompletePasskeyRegistration(_TimedState, _StepUpRequired, CompleteCredentialRegistrationView):
    state_key = passkeys.REGISTRATION_STATE_KEY

    def post(self, *args, **kwargs):
        state = self.get_state()
        try:
            with rewrite_exceptions(logger=None):
                passkey = authenticators.add_passkey(
                    user=self.request.user,
                    helper=self.get_helper(),
                    state=state,
                    data=self.request.data,
                    request_meta=_request_meta(self),
                )
        except exceptions.UnprocessableEntity:
            raise NotAdded() from None
        except (IntegrityError, KeyError, TypeError, ValueError):  # a key already listed, junk
            raise passkeys.UnreadableAnswer() from None
        self.request.session[NEW_PASSKEY_KEY] = passkey.pk
        return JsonResponse({"redirect_url": reverse("twofactor:name_passkey")})


# Signing in (the code step) and "Confirm it's you": an assertion for one known person.


class _Assertion(_TimedState):
    state_key = passkeys.AUTHENTICATION_STATE_KEY
    user = None

    def get_user(self):
        return self.user

    def check_can_authenticate(self):
        if self.user is None:
            raise self.no_person()
        if not selectors.has_passkey(self.user):
            raise NoPasskey()

    def read_assertion(self) -> passkeys.Assertion:
        return self.get_helper().assertion(state=self.get_state(), data=self.request.data)


def refused_answer(result: codes.CodeResult) -> JsonResponse:
    message, key = refusal(result, REFUSED)
    status = 429 if key in ("throttled", "locked") else 403
    return JsonResponse({"detail": message, "code": key}, status=status)


class _PendingSignIn(_Assertion):
    """The person whose password was right in this session and who owes a second factor."""

    no_person = SignInExpired

    def initial(self, request, *args, **kwargs):
        self.user = flows.pending_user(request)
        super().initial(request, *args, **kwargs)


class BeginPasskeySignIn(_PendingSignIn, BeginCredentialAuthenticationView):
    pass


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
    no_person = exceptions.NotAuthenticated

    def initial(self, request, *args, **kwargs):
        self.user = request.user if request.user.is_authenticated else None
        super().initial(request, *args, **kwargs)


class BeginPasskeyConfirmation(_SignedIn, BeginCredentialAuthenticationView):
    pass


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
