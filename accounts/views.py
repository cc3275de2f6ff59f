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

from . import hooks, passwords, services, throttle
from .forms import PasswordChangeForm, PreferencesForm, SignInForm
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
