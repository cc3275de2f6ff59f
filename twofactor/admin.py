"""Django admin for the two-factor records, all read-only.

Authenticators come only from the setup wizard, and every 2FA change goes through a service that
records the activity and emails the person (for administrators: the "Reset two-factor
authentication" action on users). So here administrators look; they do not add, edit or delete.
A key, encrypted or not, and a trusted browser's token hash are never loaded nor shown.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import user_agents
from .models import Activity, Authenticator, ResetRequest, TrustedBrowser

# Never loaded by the admin, so no page, column or export can show them.
SECRET_FIELDS = {Authenticator: ["encrypted_key"], TrustedBrowser: ["token_hash"]}


class ReadOnlyAdminMixin:
    """View only: no add, change or delete, for superusers too; secrets left in the database."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset.defer(*SECRET_FIELDS.get(queryset.model, []))

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.display(description=_("browser"))
def browser(record):
    return user_agents.describe(record.user_agent)


@admin.display(description=_("added"), ordering="created_at")
def added(device):
    return device.created_at


@admin.display(description=_("last used"), ordering="last_used_at")
def last_used(device):
    return device.last_used_at


class ReadOnlyModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    actions = None  # not even "delete selected"


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class AuthenticatorInline(ReadOnlyInline):
    model = Authenticator
    fields = ["name", "confirmed", added, last_used]
    readonly_fields = fields


class TrustedBrowserInline(ReadOnlyInline):
    model = TrustedBrowser
    fields = [browser, "ip_address", "created_at", "last_seen_at", "expires_at"]
    readonly_fields = fields


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "user", "team", "confirmed", added, last_used, "locked"]
    list_filter = ["confirmed"]
    list_select_related = ["user__team"]
    search_fields = ["name", "user__email", "user__full_name"]
    fields = [
        "name",
        "user",
        "confirmed",
        added,
        last_used,
        "throttling_failure_count",
        "throttling_failure_timestamp",
    ]
    readonly_fields = fields

    @admin.display(description=_("team"), ordering="user__team__name")
    def team(self, device):
        return device.user.team

    @admin.display(description=_("locked"), boolean=True)
    def locked(self, device):
        locked_until = device.lock_expires_at()
        return locked_until is not None and timezone.now() < locked_until


@admin.register(TrustedBrowser)
class TrustedBrowserAdmin(ReadOnlyModelAdmin):
    list_display = ["user", browser, "ip_address", "created_at", "last_seen_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__full_name", "ip_address"]
    fields = [
        "user",
        browser,
        "user_agent",
        "ip_address",
        "created_at",
        "last_seen_at",
        "expires_at",
    ]
    readonly_fields = fields


@admin.register(ResetRequest)
class ResetRequestAdmin(ReadOnlyModelAdmin):
    list_display = ["user", "team", "status", "created_at", "closed_at", "closed_by"]
    list_filter = ["status", "team"]
    list_select_related = ["user", "team", "closed_by"]
    search_fields = ["user__email", "user__full_name"]
    fields = list_display + ["ip_address", "user_agent"]
    readonly_fields = fields


@admin.register(Activity)
class ActivityAdmin(ReadOnlyModelAdmin):
    """The activity log: append-only, so read-only here (the model refuses changes too)."""

    list_display = ["created_at", "kind", "actor", "subject", "team", "ip_address", browser]
    list_filter = ["kind", "team"]
    list_select_related = ["actor", "subject", "team"]
    search_fields = ["subject__email", "actor__email", "ip_address"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "kind",
        "actor",
        "subject",
        "team",
        "ip_address",
        "user_agent",
        "detail",
    ]
    readonly_fields = fields
