from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class TwoFactorConfig(AppConfig):
    name = "twofactor"
    verbose_name = "Two-factor authentication"

    def ready(self):
        """Plug the second factor into accounts' sign-in and My Preferences, record what accounts
        announces, and send django-otp's ``verify_token`` through the code-step service."""
        from django.contrib.auth.signals import user_logged_out, user_login_failed

        from accounts import hooks, signals

        from . import flows, receivers
        from .models import Authenticator
        from .services.codes import verify_authenticator_token
        from .views.preferences import two_factor_section

        hooks.after_password.register(flows.complete_password_step)
        hooks.preference_sections.register(two_factor_section)
        user_login_failed.connect(receivers.password_failed, dispatch_uid="twofactor.password")
        user_logged_out.connect(receivers.signed_out, dispatch_uid="twofactor.signed_out")
        signals.password_refused.connect(
            receivers.password_refused, dispatch_uid="twofactor.refused"
        )
        signals.deactivated_sign_in_refused.connect(
            receivers.deactivated_sign_in_refused, dispatch_uid="twofactor.deactivated_refused"
        )
        signals.password_changed.connect(
            receivers.password_changed, dispatch_uid="twofactor.password_changed"
        )
        Authenticator.verify_with = staticmethod(verify_authenticator_token)


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (staff who passed a code in this session)."""

    default = False  # twofactor's own config stays TwoFactorConfig
    default_site = "twofactor.admin_site.PortalAdminSite"
