"""The setup wizard: password, app, QR code, first code, name."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from accounts import passwords
from accounts.redirects import safe_next

from .. import flows, qr, selectors, totp
from ..forms import AuthenticatorNameForm, CodeForm
from ..middleware import allowed_during_setup
from ..models import Authenticator
from ..services import authenticators
from ..services.activity import RequestMeta
from ..services.codes import CodeOutcome
from ..step_up import require_second_factor
from .code import add_code_error
from .recovery_codes import show_new_recovery_codes

# The apps step's two apps, with their store pages; each icon is the portal's own drawing.
AUTHENTICATOR_APPS = [
    {
        "name": "Google Authenticator",
        "icon": "img/app-google-authenticator.svg",
        "google_play": "https://play.google.com/store/apps/details?id=com.google.android.apps.authenticator2",
        "app_store": "https://apps.apple.com/app/google-authenticator/id388497605",
    },
    {
        "name": "Microsoft Authenticator",
        "icon": "img/app-microsoft-authenticator.svg",
        "google_play": "https://play.google.com/store/apps/details?id=com.azure.authenticator",
        "app_store": "https://apps.apple.com/app/microsoft-authenticator/id983156458",
    },
]

WIZARD_KEY = "twofactor_setup"
SETUP_STEPS = ["setup", "setup_app", "setup_scan", "setup_verify", "setup_name"]
# The short names of the progress bar, one per step; for a person who has an authenticator app
# already, the second step only asks to open it.
STEP_NAMES = [
    pgettext_lazy("setup step", "Password"),
    pgettext_lazy("setup step", "Install app"),
    pgettext_lazy("setup step", "Scan"),
    pgettext_lazy("setup step", "Enter code"),
    pgettext_lazy("setup step", "Name"),
]
OPEN_APP_STEP_NAME = pgettext_lazy("setup step", "Open app")


def _wizard(request) -> dict:
    state = request.session.get(WIZARD_KEY)
    return state if isinstance(state, dict) else {}


def _new_wizard(request, *, next_url, password_chosen: bool = False) -> dict:
    """The state of a wizard that starts now. ``has_app`` (an authenticator app already on) is
    read once here, so that the naming step of a first setup still calls step 2 "Install app";
    ``password_chosen`` marks a wizard entered past its password step."""
    state = {
        "step": 1,
        "next": next_url,
        "has_app": selectors.has_app_authenticator(request.user),
    }
    if password_chosen:
        state["password_chosen"] = True
    request.session[WIZARD_KEY] = state
    return state


def _advance(request, step: int, **changes) -> HttpResponseRedirect:
    """Allow the wizard up to ``step`` and go there."""
    state = _wizard(request)
    state.update(changes, step=max(step, state.get("step", 1)) if step < 5 else 5)
    request.session[WIZARD_KEY] = state
    return HttpResponseRedirect(reverse(f"twofactor:{SETUP_STEPS[step - 1]}"))


def wizard_step(number: int, *, sensitive: tuple[str, ...] = ()):
    """A step of the wizard, with every guard it needs: signed in, reachable before 2FA is on,
    GET and POST only, CSRF, never cached, ``sensitive`` fields kept out of error reports; for
    someone who already has an authenticator, a recent second factor before steps 1 to 4
    (step-up); the earlier steps first, a recent password for steps 2 to 4, and once the
    authenticator is on only the naming step remains. The view gets the wizard's state."""

    def decorator(view):
        @wraps(view)
        def step(request, *args, **kwargs):
            state = _wizard(request)
            reached = state.get("step", 1)
            if reached == 5 and number != 5:
                return HttpResponseRedirect(reverse("twofactor:setup_name"))
            if number > reached:
                return HttpResponseRedirect(reverse(f"twofactor:{SETUP_STEPS[reached - 1]}"))
            if 1 < number < 5 and not passwords.has_recent_authentication(request):
                messages.info(request, _("For your security, enter your password again."))
                _new_wizard(request, next_url=state.get("next"))
                return HttpResponseRedirect(reverse("twofactor:setup"))
            return view(request, state, *args, **kwargs)

        guarded = require_http_methods(["GET", "POST"])(
            step if number == 5 else require_second_factor(step)
        )
        guarded = allowed_during_setup(login_required(never_cache(csrf_protect(guarded))))
        return sensitive_post_parameters(*sensitive)(guarded) if sensitive else guarded

    return decorator


def start_setup_with_new_password(request, *, next_url: str) -> HttpResponseRedirect:
    """Into the wizard past its password step, for a person signed in by choosing their
    password in this request (joining through an invitation). The password just chosen is the
    recent authentication that steps 2 to 4 ask for, marked as a typed password marks it; the
    steps check it as ever."""
    passwords.mark_recent_authentication(request)
    _new_wizard(request, next_url=next_url, password_chosen=True)
    return _advance(request, 2)


def _progress(state: dict, number: int) -> list[dict]:
    """The progress bar's steps: each one's name and whether it is done or the current one."""
    names = list(STEP_NAMES)
    if state.get("has_app"):
        names[1] = OPEN_APP_STEP_NAME
    return [
        {"name": name, "done": position < number, "current": position == number}
        for position, name in enumerate(names, start=1)
    ]


def _render_step(request, number: int, template: str, context: dict):
    state = _wizard(request)
    context |= {
        "step": number,
        "steps": len(SETUP_STEPS),
        "progress": _progress(state, number),
        "has_app": bool(state.get("has_app")),
    }
    return render(request, f"twofactor/setup/{template}", context)


@wizard_step(1, sensitive=("password",))
def setup(request, state):
    going_back = "back" in request.GET and state and passwords.has_recent_authentication(request)
    if request.method == "GET" and not going_back:
        # Opened afresh: a new wizard. Back from step 2 keeps the one under way (and the key
        # of step 3, if shown already) while the password that led there is recent; later the
        # wizard starts again, as its later steps would make it.
        next_url = safe_next(request) if "next" in request.GET else state.get("next")
        _new_wizard(request, next_url=next_url or reverse("accounts:preferences"))
    form, confirmed = passwords.confirm_password(request)
    if confirmed:
        return _advance(request, 2)
    return _render_step(request, 1, "password.html", {"form": form})


@wizard_step(2)
def setup_app(request, state):
    if request.method == "POST":
        return _advance(request, 3)
    # Back goes to the password step, unless the person entered past it (the password they
    # chose on joining is the recent one): there is no step before this one for them.
    back_url = None if state.get("password_chosen") else reverse("twofactor:setup") + "?back"
    return _render_step(request, 2, "app.html", {"apps": AUTHENTICATOR_APPS, "back_url": back_url})


@wizard_step(3)
def setup_scan(request, state):
    if request.method == "POST":
        return _advance(request, 4)
    authenticator_id = state.get("authenticator")
    authenticator = (
        Authenticator.objects.filter(
            user=request.user, pk=authenticator_id, confirmed=False
        ).first()
        if isinstance(authenticator_id, int)
        else None  # the first view of the step: nothing to look for
    )
    if authenticator is None:
        authenticator = authenticators.start_authenticator_setup(user=request.user)
        state["authenticator"] = authenticator.pk
        request.session[WIZARD_KEY] = state
    key = authenticator.key
    uri = totp.provisioning_uri(key, request.user.email)
    return _render_step(
        request,
        3,
        "scan.html",
        {
            "qr_data_uri": qr.qr_png_data_uri(uri),
            "otpauth_uri": uri,
            "key_groups": totp.group_for_reading(totp.key_to_base32(key)).split(" "),
            "account": request.user.email,
            "issuer": totp.ISSUER,
        },
    )


@wizard_step(4, sensitive=("code",))
def setup_verify(request, state):
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        result = authenticators.confirm_authenticator(
            user=request.user,
            authenticator_id=state.get("authenticator") or 0,
            code=form.cleaned_data["code"],
            request_meta=RequestMeta.from_request(request),
        )
        if result.outcome is CodeOutcome.NO_AUTHENTICATOR:
            messages.info(request, _("Setup started again in another window. Scan the new code."))
            state.update(step=3, authenticator=None)
            request.session[WIZARD_KEY] = state
            return HttpResponseRedirect(reverse("twofactor:setup_scan"))
        if result.accepted:
            return flows.complete_sign_in(
                request,
                request.user,
                result.authenticator,
                _advance(request, 5),
                announce_browser=False,  # the wizard emails "2FA on" or "authenticator added"
            )
        add_code_error(form, result)
    return _render_step(request, 4, "verify.html", {"form": form})


@wizard_step(5)
def setup_name(request, state):
    authenticator = Authenticator.objects.filter(
        user=request.user, pk=state.get("authenticator") or 0, confirmed=True
    ).first()
    if authenticator is None:
        request.session.pop(WIZARD_KEY, None)
        return HttpResponseRedirect(reverse("accounts:preferences"))
    form = AuthenticatorNameForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        authenticators.name_new_authenticator(
            user=request.user,
            authenticator=authenticator,
            name=form.cleaned_data["name"],
            request_meta=RequestMeta.from_request(request),
        )
        request.session.pop(WIZARD_KEY, None)
        next_url = state.get("next") or reverse("accounts:preferences")
        if not selectors.has_other_authenticator(request.user, authenticator):
            # The first setup (or the first after a reset): the codes, shown in this response.
            messages.success(request, _("Two-factor authentication is on."))
            return show_new_recovery_codes(request, continue_url=next_url)
        messages.success(
            request, _("Authenticator “%(name)s” added.") % {"name": form.cleaned_data["name"]}
        )
        return HttpResponseRedirect(next_url)
    return _render_step(request, 5, "name.html", {"form": form})
