"""Mandatory two-factor authentication, enforced on every view.

A signed-in user reaches a view only after passing a code in this session. Until then:
- a user with an authenticator goes to the code page;
- a user without one goes to the setup wizard.
The two-factor views that must stay reachable declare it with the decorators below; accounts'
sign-out, language switch and forgotten-password pages stay reachable by name (accounts knows
nothing of this app).
"""

from django.http import HttpResponseRedirect

from accounts.redirects import url_with_next

from .selectors import has_authenticator

_SETUP = "setup"
_CHALLENGE = "challenge"
ALWAYS_REACHABLE = frozenset(
    {
        "accounts:sign_out",
        "accounts:language",
        "accounts:forgot_password",
        "accounts:reset_link_sent",
        "accounts:password_reset_link",
        "accounts:choose_new_password",
        "twofactor:not_me",
        "twofactor:not_me_done",
    }
)


def _allow(view, state: str):
    # Django's view decorators copy function attributes, so the mark survives them.
    view.twofactor_allows = frozenset(getattr(view, "twofactor_allows", ())) | {state}
    return view


def allowed_during_setup(view):
    """Reachable by a signed-in user who has no authenticator yet (the wizard, help)."""
    return _allow(view, _SETUP)


def allowed_before_code(view):
    """Reachable by a signed-in user who has an authenticator but has not passed a code."""
    return _allow(view, _CHALLENGE)


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ALWAYS_REACHABLE:
            return None
        allows = getattr(view_func, "twofactor_allows", frozenset())
        state = _CHALLENGE if has_authenticator(user) else _SETUP
        if state in allows:
            return None
        viewname = "twofactor:code" if state == _CHALLENGE else "twofactor:setup"
        return HttpResponseRedirect(url_with_next(viewname, request.get_full_path()))
