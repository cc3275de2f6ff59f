from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from .. import flows, qr, services, totp
from ..forms import CodeForm, DeviceNameForm
from ..middleware import allowed_during_setup
from ..models import Authenticator
from ..services import CodeOutcome
from .code import add_code_error

AUTHENTICATOR_APPS = [
    {
        "name": "Google Authenticator",
        "google_play": "https://play.google.com/store/apps/details?id=com.google.android.apps.authenticator2",
        "app_store": "https://apps.apple.com/app/google-authenticator/id388497605",
    },
    {
        "name": "Microsoft Authenticator",
        "google_play": "https://play.google.com/store/apps/details?id=com.azure.authenticator",
        "app_store": "https://apps.apple.com/app/microsoft-authenticator/id983156458",
    },
]


# Setup wizard ----------------------------------------------------------------------------------

SETUP_STEPS = ["setup", "setup_app", "setup_scan", "setup_verify", "setup_name"]


def _wizard(request) -> dict:
    state = request.session.get(flows.WIZARD_KEY)
    return state if isinstance(state, dict) else {}


def _advance(request, step: int, **changes) -> HttpResponseRedirect:
    """Allow the wizard up to ``step`` and go there."""
    state = _wizard(request)
    state.update(changes, step=max(step, state.get("step", 1)) if step < 5 else 5)
    request.session[flows.WIZARD_KEY] = state
    return HttpResponseRedirect(reverse(f"twofactor:{SETUP_STEPS[step - 1]}"))


def wizard_step(number: int):
    """Guard a wizard step: earlier steps first, a recent password for steps 2 to 4, and once
    the authenticator is on only the naming step remains."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            state = _wizard(request)
            reached = state.get("step", 1)
            if reached == 5 and number != 5:
                return HttpResponseRedirect(reverse("twofactor:setup_name"))
            if number > reached:
                return HttpResponseRedirect(reverse(f"twofactor:{SETUP_STEPS[reached - 1]}"))
            if 1 < number < 5 and not flows.has_recent_authentication(request):
                messages.info(request, _("For your security, enter your password again."))
                request.session[flows.WIZARD_KEY] = {"step": 1, "next": state.get("next")}
                return HttpResponseRedirect(reverse("twofactor:setup"))
            return view(request, state, *args, **kwargs)

        return wrapped

    return decorator


def _render_step(request, number: int, template: str, context: dict):
    context |= {"step": number, "steps": len(SETUP_STEPS)}
    return render(request, f"twofactor/setup/{template}", context)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@login_required
@allowed_during_setup
@require_http_methods(["GET", "POST"])
@wizard_step(1)
def setup(request, state):
    if request.method == "GET":
        next_url = flows.safe_next(request) if "next" in request.GET else state.get("next")
        request.session[flows.WIZARD_KEY] = {
            "step": 1,
            "next": next_url or reverse("accounts:preferences"),
        }
    form, confirmed = flows.confirm_password(request)
    if confirmed:
        return _advance(request, 2)
    return _render_step(request, 1, "password.html", {"form": form})


@csrf_protect
@login_required
@allowed_during_setup
@require_http_methods(["GET", "POST"])
@wizard_step(2)
def setup_app(request, state):
    if request.method == "POST":
        return _advance(request, 3)
    return _render_step(request, 2, "app.html", {"apps": AUTHENTICATOR_APPS})


@csrf_protect
@never_cache
@login_required
@allowed_during_setup
@require_http_methods(["GET", "POST"])
@wizard_step(3)
def setup_scan(request, state):
    if request.method == "POST":
        return _advance(request, 4)
    device_id = state.get("device")
    device = (
        Authenticator.objects.filter(user=request.user, pk=device_id, confirmed=False).first()
        if isinstance(device_id, int)
        else None  # the first view of the step: nothing to look for
    )
    if device is None:
        device = services.start_authenticator_setup(user=request.user)
        state["device"] = device.pk
        request.session[flows.WIZARD_KEY] = state
    key = device.key
    uri = totp.provisioning_uri(key, request.user.email)
    return _render_step(
        request,
        3,
        "scan.html",
        {
            "qr_data_uri": qr.qr_png_data_uri(uri),
            "manual_key": totp.group_for_reading(totp.key_to_base32(key)),
            "account": request.user.email,
            "issuer": totp.ISSUER,
        },
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@login_required
@allowed_during_setup
@require_http_methods(["GET", "POST"])
@wizard_step(4)
def setup_verify(request, state):
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        result = services.confirm_authenticator(
            user=request.user,
            device_id=state.get("device") or 0,
            code=form.cleaned_data["code"],
            request_meta=services.RequestMeta.from_request(request),
        )
        if result.outcome is CodeOutcome.NO_DEVICE:
            messages.info(request, _("Setup started again in another window. Scan the new code."))
            state.update(step=3, device=None)
            request.session[flows.WIZARD_KEY] = state
            return HttpResponseRedirect(reverse("twofactor:setup_scan"))
        if result.accepted:
            request.session.cycle_key()
            otp_login(request, result.device)
            cookie = services.trust_browser(
                user=request.user,
                request_meta=services.RequestMeta.from_request(request),
                replacing=flows.trusted_cookie(request),
                announce=False,
            )
            response = _advance(request, 5)
            flows.set_trusted_cookie(response, cookie)
            return response
        add_code_error(form, result)
    return _render_step(request, 4, "verify.html", {"form": form})


@csrf_protect
@login_required
@allowed_during_setup
@require_http_methods(["GET", "POST"])
@wizard_step(5)
def setup_name(request, state):
    device = Authenticator.objects.filter(
        user=request.user, pk=state.get("device") or 0, confirmed=True
    ).first()
    if device is None:
        request.session.pop(flows.WIZARD_KEY, None)
        return HttpResponseRedirect(reverse("accounts:preferences"))
    form = DeviceNameForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        services.rename_authenticator(
            user=request.user,
            device=device,
            name=form.cleaned_data["name"],
            request_meta=services.RequestMeta.from_request(request),
        )
        request.session.pop(flows.WIZARD_KEY, None)
        messages.success(request, _("Two-factor authentication is on."))
        return HttpResponseRedirect(state.get("next") or reverse("accounts:preferences"))
    return _render_step(request, 5, "name.html", {"form": form})
