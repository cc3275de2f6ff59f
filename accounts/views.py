from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from . import hooks, password_reset, passwords, services, throttle
from .forms import (
    ChooseNewPasswordForm,
    ForgotPasswordForm,
    PasswordChangeForm,
    PreferencesForm,
    SignInForm,
)
from .redirects import safe_next, url_with_next


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    next_url = safe_next(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    form = SignInForm(request, data=request.POST if request.method == "POST" else None)
    attempt = throttle.PasswordAttempt.from_request(request)
    if passwords.check_password_form(request, form, attempt):
        return hooks.after_password(request, form.get_user(), next_url)
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


@require_POST
def sign_out(request):
    auth.logout(request)  # flushes the server-side session; sends user_logged_out
    messages.success(request, _("You are signed out."))  # kept in the new, empty session
    return HttpResponseRedirect(url_with_next("accounts:sign_in", ""))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def confirm_password(request):
    """Recent authentication: type the password again, then go back where you were."""
    form, confirmed = passwords.confirm_password(request)
    if confirmed:
        return HttpResponseRedirect(safe_next(request))
    return render(
        request, "accounts/confirm_password.html", {"form": form, "next": safe_next(request)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, instance=request.user
    )
    if form.is_valid():
        services.update_preferences(
            user=request.user,
            language=form.cleaned_data["language"],
            time_zone=form.cleaned_data["time_zone"],
        )
        response = HttpResponseRedirect(reverse("accounts:preferences"))
        set_language_cookie(response, form.cleaned_data["language"])
        messages.success(request, _("Your preferences were saved."))
        return response
    return render(
        request,
        "accounts/preferences.html",
        {"form": form, "sections": hooks.preference_sections.for_request(request)},
    )


def set_language_cookie(response, language: str) -> None:
    if language:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
    else:
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)


@require_POST
def change_language(request):
    """The footer's language switcher: back to the same page, in the chosen language."""
    next_url = safe_next(request)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("That language is not available."))
        return HttpResponseRedirect(next_url)
    if request.user.is_authenticated:
        services.update_preferences(user=request.user, language=language)
    response = HttpResponseRedirect(next_url)
    set_language_cookie(response, language)
    return response


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def change_password(request):
    """A new password: every other session ends (and what other apps tie to it goes)."""
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    attempt = throttle.PasswordAttempt.of_signed_in_user(request)
    if passwords.check_password_form(request, form, attempt, step="change password"):
        services.change_password(
            user=request.user,
            new_password=form.cleaned_data["new_password1"],
            actor=request.user,
            request=request,
        )
        auth.update_session_auth_hash(request, request.user)
        passwords.mark_recent_authentication(request)
        messages.success(
            request,
            _(
                "Your password was changed. Other devices were signed out and every browser will "
                "be asked for a code again."
            ),
        )
        return HttpResponseRedirect(reverse("accounts:preferences"))
    return render(request, "accounts/change_password.html", {"form": form})


# Forgotten password --------------------------------------------------------------------------

# The link's token, once its GET has moved it out of the address (as Django's
# PasswordResetConfirmView does, so no later page hands it on in a Referer).
RESET_TOKEN_SESSION_KEY = "_password_reset_token"


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def forgot_password(request):
    """The "Forgot your password?" page: the same answer for every well-formed email, whether
    it has an account or not; the link goes after the answer (``password_reset.RedirectThen``)."""
    form = ForgotPasswordForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            send_link = services.ask_for_reset_link(
                email=form.cleaned_data["email"],
                ip_address=request.META.get("REMOTE_ADDR") or "unknown",
                language=translation.get_language() or "",
            )
        except services.ResetLinksThrottled:
            form.add_error(
                None,
                ValidationError(
                    form.error_messages["throttled"],
                    code="throttled",
                    params={"minutes": throttle.reset_request_wait_minutes()},
                ),
            )
        else:
            return password_reset.RedirectThen(
                reverse("accounts:reset_link_sent"), then=[send_link]
            )
    return render(
        request,
        "accounts/forgot_password.html",
        {"form": form, "minutes": password_reset.link_minutes()},
    )


@never_cache
@require_http_methods(["GET"])
def reset_link_sent(request):
    return render(
        request, "accounts/reset_link_sent.html", {"minutes": password_reset.link_minutes()}
    )


@never_cache
@require_http_methods(["GET"])
def password_reset_link(request, uidb64, token):
    """The emailed link: changes nothing. A working link's token moves to the session, and the
    browser goes on to the same page without it in the address."""
    user = password_reset.user_of_uid(uidb64)
    if user is None or not password_reset.password_reset_tokens.check_token(user, token):
        return _invalid_reset_link(request)
    request.session[RESET_TOKEN_SESSION_KEY] = token
    return HttpResponseRedirect(reverse("accounts:choose_new_password", args=[uidb64]))


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def choose_new_password(request, uidb64):
    """The "Choose a new password" page. Saving it ends every session of the person and leads to the
    sign-in, where the new password is followed by the code step as always."""
    user = password_reset.user_of_uid(uidb64)
    token = request.session.get(RESET_TOKEN_SESSION_KEY, "")
    if user is None or not password_reset.password_reset_tokens.check_token(user, token):
        return _invalid_reset_link(request)
    form = ChooseNewPasswordForm(user, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.reset_forgotten_password(
                user=user,
                token=token,
                new_password=form.cleaned_data["new_password1"],
                request=request,
            )
        except services.InvalidResetLink:  # another submission of the link saved first
            return _invalid_reset_link(request)
        # This browser starts afresh too: whoever was signed in here, and the token, go.
        auth.logout(request)
        messages.success(
            request,
            _(
                "Your new password is saved and every session of your account has ended. Sign "
                "in with it: a security code will be asked for as usual."
            ),
        )
        return HttpResponseRedirect(reverse("accounts:sign_in"))
    return render(request, "accounts/choose_new_password.html", {"form": form})


def _invalid_reset_link(request):
    request.session.pop(RESET_TOKEN_SESSION_KEY, None)
    return render(
        request, "accounts/reset_link_invalid.html", {"minutes": password_reset.link_minutes()}
    )
