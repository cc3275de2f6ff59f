"""Manage Access: the person's authenticators and trusted browsers."""

from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from accounts.redirects import url_with_next
from accounts.rows import RowLinks, local_datetime

from .. import flows, passkeys, recovery, selectors, user_agents
from ..forms import AuthenticatorNameForm, PasskeyNameForm
from ..models import Authenticator, Passkey, TrustedBrowser
from ..services import authenticators, browsers
from ..services.activity import RequestMeta
from ..step_up import require_step_up

MANAGE = "twofactor:manage"
ONLY_AUTHENTICATOR_OF_A_MEMBER = _lazy(
    "This is your only authenticator. To replace it, ask a Manager of your team to reset your "
    "two-factor authentication."
)


def _meta(request):
    return RequestMeta.from_request(request)


@login_required
def manage(request):
    browser_rows = selectors.trusted_browsers_of(
        request.user, cookie_value=flows.trusted_cookie(request)
    )
    return render(
        request,
        "twofactor/manage.html",
        {
            "authenticators": _authenticator_rows(selectors.authenticators_of(request.user)),
            "browsers": _browser_rows(browser_rows),
            "has_other_browsers": any(not row.is_current for row in browser_rows),
            "add_url": url_with_next("twofactor:setup", reverse(MANAGE)),
            # The add page starts the ceremony; here only whether passkeys can work at all.
            "add_passkey_url": (
                reverse("twofactor:add_passkey") if passkeys.relying_party(request).usable else None
            ),
            "may_remove_last": selectors.may_remove_last_authenticator(request.user),
            "recovery_codes": _recovery_codes_row(selectors.recovery_codes_summary(request.user)),
        },
    )


def _recovery_codes_row(summary) -> dict | None:
    """What Manage Access says of the recovery codes: how many are left of a set, since when."""
    if summary is None:
        return None
    left, created_at = summary
    return {
        "left": left,
        "total": recovery.COUNT,
        "created": local_datetime(created_at),
        "few": left <= recovery.FEW_LEFT,
    }


def _authenticator_rows(rows) -> list[dict]:
    """What the authenticators' rows show, of every kind (accounts/rows.py says why here)."""
    links = {
        Authenticator: (
            RowLinks("twofactor:rename_authenticator"),
            RowLinks("twofactor:remove_authenticator"),
        ),
        Passkey: (RowLinks("twofactor:rename_passkey"), RowLinks("twofactor:remove_passkey")),
    }
    rename_label, remove_label, never = _("Rename %(name)s"), _("Remove %(name)s"), _("Never")
    result = []
    for authenticator in rows:
        rename_url, remove_url = links[type(authenticator)]
        result.append(
            {
                "name": authenticator.name,
                "kind": authenticator.KIND_LABEL,
                "added": local_datetime(authenticator.created_at),
                "last_used": (
                    local_datetime(authenticator.last_used_at)
                    if authenticator.last_used_at
                    else never
                ),
                "rename_url": rename_url(authenticator.pk),
                "rename_label": rename_label % {"name": authenticator.name},
                "remove_url": remove_url(authenticator.pk),
                "remove_label": remove_label % {"name": authenticator.name},
            }
        )
    return result


def _browser_rows(rows) -> list[dict]:
    """What the trusted browsers' rows show, this browser first."""
    revoke_url, revoke_label = RowLinks("twofactor:revoke_browser"), _("Revoke %(name)s")
    return [
        {
            "description": row.description,
            "is_current": row.is_current,
            "ip_address": row.browser.ip_address or "—",
            "first_seen": local_datetime(row.browser.created_at),
            "last_seen": local_datetime(row.browser.last_seen_at),
            "revoke_url": revoke_url(row.browser.pk),
            "revoke_label": revoke_label % {"name": row.description},
        }
        for row in rows
    ]


@login_required
@require_POST
def revoke_browser(request, browser_id: int):
    try:
        browser = browsers.revoke_browser(
            user=request.user, browser_id=browser_id, request_meta=_meta(request)
        )
    except TrustedBrowser.DoesNotExist:
        raise Http404 from None
    # The description comes from the browser's User-Agent: text, escaped where it is shown.
    messages.success(
        request,
        _("%(browser)s was revoked: it will be asked for a code.")
        % {"browser": user_agents.describe(browser.user_agent)},
    )
    return HttpResponseRedirect(reverse(MANAGE))


@login_required
@require_POST
def revoke_other_browsers(request):
    current = selectors.current_trusted_browser_id(
        user=request.user, cookie_value=flows.trusted_cookie(request)
    )
    count = browsers.revoke_other_browsers(
        user=request.user, keep_browser_id=current, request_meta=_meta(request)
    )
    if count:
        message = ngettext(
            "%(count)d other browser was revoked: it will be asked for a code.",
            "%(count)d other browsers were revoked: they will be asked for a code.",
            count,
        ) % {"count": count}
    else:  # none left by the time the button was pressed (another window, an expiry)
        message = _("There was no other trusted browser to revoke.")
    messages.success(request, message)
    return HttpResponseRedirect(reverse(MANAGE))


@login_required
@require_POST
def sign_out_everywhere_else(request):
    user = browsers.sign_out_everywhere_else(
        user=request.user, cookie_value=flows.trusted_cookie(request), request_meta=_meta(request)
    )
    auth.update_session_auth_hash(request, user)  # this session carries on with the new stamp
    messages.success(
        request,
        _(
            "You were signed out everywhere else. The other browsers will be asked for a code "
            "at their next sign-in."
        ),
    )
    return HttpResponseRedirect(reverse(MANAGE))


@login_required
@require_http_methods(["GET", "POST"])
def rename_authenticator(request, authenticator_id: int, model=Authenticator):
    """Rename one of the person's authenticators of kind ``model`` (an app, a passkey)."""
    authenticator = get_object_or_404(model, pk=authenticator_id, user=request.user, confirmed=True)
    data = request.POST if request.method == "POST" else None
    form_class = PasskeyNameForm if model is Passkey else AuthenticatorNameForm
    form = form_class(data, initial={"name": authenticator.name})
    if form.is_valid():
        authenticators.rename_authenticator(
            user=request.user,
            authenticator=authenticator,
            name=form.cleaned_data["name"],
            request_meta=_meta(request),
        )
        messages.success(request, _("The authenticator was renamed."))
        return HttpResponseRedirect(reverse(MANAGE))
    return render(request, "twofactor/rename.html", {"form": form, "authenticator": authenticator})


@login_required
@require_http_methods(["GET", "POST"])
@require_step_up
def remove_authenticator(request, authenticator_id: int, model=Authenticator):
    """Remove one of the person's authenticators of kind ``model`` (an app, a passkey)."""
    authenticator = get_object_or_404(model, pk=authenticator_id, user=request.user, confirmed=True)
    remaining = selectors.other_authenticators(request.user, authenticator)
    if request.method == "POST":
        try:
            removal = authenticators.remove_authenticator(
                user=request.user,
                authenticator_id=authenticator.pk,
                request_meta=_meta(request),
                model=model,
            )
        except authenticators.LastAuthenticator:
            messages.error(request, ONLY_AUTHENTICATOR_OF_A_MEMBER)
            return HttpResponseRedirect(reverse(MANAGE))
        except model.DoesNotExist:  # removed meanwhile in another window
            raise Http404 from None
        if removal.reset:
            messages.info(
                request,
                _(
                    "That was your only authenticator, so your two-factor authentication was "
                    "reset: your trusted browsers were forgotten and your other sessions ended. "
                    "Set up an authenticator app again."
                ),
            )
            return flows.continue_after_own_reset(request, request.user, reverse(MANAGE))
        device = request.user.otp_device
        if device is None or device == authenticator:
            # This session stays verified by one that remains (read after the removal).
            remaining = selectors.other_authenticators(request.user, authenticator)
            if remaining:
                otp_login(request, remaining[0])
        messages.success(request, _("The authenticator was removed."))
        return HttpResponseRedirect(reverse(MANAGE))
    return render(
        request,
        "twofactor/remove.html",
        {
            "authenticator": authenticator,
            "is_passkey": isinstance(authenticator, Passkey),
            "is_last": not remaining,
            "may_remove_last": selectors.may_remove_last_authenticator(request.user),
            "recovery_codes": _recovery_codes_row(selectors.recovery_codes_summary(request.user)),
        },
    )
