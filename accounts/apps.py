from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the portal's site (staff who passed a code in this session)."""

    default = False  # accounts' own config stays AccountsConfig
    default_site = "accounts.admin_site.PortalAdminSite"
