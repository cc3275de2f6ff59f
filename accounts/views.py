import logging

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from twofactor import flows, services
from twofactor.middleware import allowed_before_code, allowed_during_setup

from . import selectors, throttle
from .forms import PasswordChangeForm, PreferencesForm, SignInForm
from .services import update_preferences

logger = logging.getLogger(__name__)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    next_url = flows.safe_next(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url)
    attempt = throttle.PasswordAttempt.from_request(request) if request.method == "POST" else None
    blocked_by = attempt.blocked_by() if attempt else None
    form = SignInForm(
        request,
        data=request.POST if request.method == "POST" else None,
        locked_minutes=throttle.lock_minutes() if blocked_by else 0,
    )
    if form.is_valid():
        attempt.record_success()
        return flows.complete_password_step(request, form.get_user(), next_url)
    failed = form.has_error("__all__", "invalid_login")
    if failed:
        attempt.record_failure()
    if failed or blocked_by:
        email = form.cleaned_data.get("email") or attempt.email
        services.record_activity(
            kind=services.Activity.Kind.PASSWORD_FAILED,
            request_meta=services.RequestMeta.from_request(request),
            subject=selectors.user_by_email(email),
            email=email,
            **({"refused": "throttled"} if blocked_by else {}),
        )
    if blocked_by:
        logger.warning("Password step refused: too many failures for this %s", blocked_by)
    return render(request, "accounts/sign_in.html", {"form": form, "next": next_url})


@allowed_during_setup
@allowed_before_code
@require_POST
def sign_out(request):
    user = request.user
    if user.is_authenticated:
        services.record_activity(
            kind=services.Activity.Kind.SIGNED_OUT,
            subject=user,
            actor=user,
            request_meta=services.RequestMeta.from_request(request),
        )
    auth.logout(request)  # flushes the server-side session
    return HttpResponseRedirect(flows.url_with_next("accounts:sign_in", ""))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    form = PreferencesForm(
        request.POST if request.method == "POST" else None, instance=request.user
    )
    if form.is_valid():
        update_preferences(
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
        {"two_factor": selectors.two_factor_summary(request.user), "form": form},
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


@allowed_during_setup
@allowed_before_code
@require_POST
def change_language(request):
    """The footer's language switcher: back to the same page, in the chosen language."""
    next_url = flows.safe_next(request)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("That language is not available."))
        return HttpResponseRedirect(next_url)
    if request.user.is_authenticated:
        update_preferences(user=request.user, language=language)
    response = HttpResponseRedirect(next_url)
    set_language_cookie(response, language)
    return response


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@csrf_protect
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def change_password(request):
    """A new password: every other session ends and every trusted browser is forgotten."""
    attempt = throttle.PasswordAttempt.of_signed_in_user(request)
    data = request.POST if request.method == "POST" else None
    form = PasswordChangeForm(
        request.user,
        data,
        locked_minutes=throttle.lock_minutes() if data and attempt.blocked_by() else 0,
    )
    if form.is_valid():
        attempt.record_success()
        services.change_password(
            user=request.user,
            new_password=form.cleaned_data["new_password1"],
            request_meta=services.RequestMeta.from_request(request),
        )
        auth.update_session_auth_hash(request, request.user)
        flows.mark_recent_authentication(request)
        messages.success(
            request,
            _(
                "Your password was changed. Other devices were signed out and every browser will "
                "be asked for a code again."
            ),
        )
        return HttpResponseRedirect(reverse("accounts:preferences"))
    if form.has_error("old_password", "password_incorrect"):
        attempt.record_failure()
    return render(request, "accounts/change_password.html", {"form": form})
