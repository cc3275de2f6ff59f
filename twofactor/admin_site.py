"""The administration site: staff only, and only after a code in this session.

The portal's two-factor middleware already sends an unverified user to the code page or the
setup wizard; the site checks the same rule itself (like django-otp's ``OTPAdminSite``), so the
admin does not depend on the middleware alone. The admin has no sign-in of its own: its login
page sends people to the portal's two-step sign-in, so it is not a second, password-only way in;
its sign-out is the portal's (which records the activity), and so is its change password (which
throttles the current password).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts.redirects import safe_next, url_with_next
from accounts.views import sign_out

from .selectors import has_authenticator


def is_verified(user) -> bool:
    """Whether the user passed a code in this session (False where django-otp did not run)."""
    check = getattr(user, "is_verified", None)
    return callable(check) and check()


class PortalAdminSite(admin.AdminSite):
    site_header = _("Axur One administration")
    site_title = _("Axur One administration")
    index_title = _("Administration")

    def has_permission(self, request):
        return super().has_permission(request) and is_verified(request.user)

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        """Never a password form: the portal's sign-in (password, then code) and back here."""
        next_url = safe_next(request, default="admin:index")
        user = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(url_with_next("accounts:sign_in", next_url))
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        if not is_verified(user):
            step = "twofactor:code" if has_authenticator(user) else "twofactor:setup"
            return HttpResponseRedirect(url_with_next(step, next_url))
        raise PermissionDenied  # signed in with a code, but not staff

    def password_change(self, request, extra_context=None):
        """The portal's change password: the current password under the sign-in's throttle,
        recorded, and announced by email (the admin's own form does none of it)."""
        return HttpResponseRedirect(reverse("accounts:change_password"))

    def password_change_done(self, request, extra_context=None):
        return HttpResponseRedirect(reverse("accounts:change_password"))

    def logout(self, request, extra_context=None):
        return sign_out(request)
