"""Django admin for the two-factor records (the activity log and the counts of refused attempts
among them), all read-only.

Authenticators come only from the setup wizard, and every 2FA change goes through a service that
records the activity and emails the person (for administrators: the "Reset two-factor
authentication" action on users). So here administrators look; they do not add, edit or delete.
A key, encrypted or not, and a trusted browser's token hash are never loaded nor shown.
Recovery codes have no admin pages at all: a person's page and the users' list say how many
are left, and their digests are never loaded.

The activity log and the refused attempts offer "Download CSV" (a POST): the rows the changelist's
filters, search and dates select, in the file the Managers download (``activity_export``).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts import passwords
from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.forms import PasswordConfirmForm

from . import activity_export, activity_log, user_agents
from .models import Activity, Authenticator, Passkey, RefusedAttempts, ResetRequest, TrustedBrowser
from .selectors import with_recovery_codes_count
from .services.activity import PLATFORM_WIDE, RequestMeta, record_activity
from .services.resets import reset_two_factor
from .status import TwoFactorStatus, with_two_factor_status, with_two_factor_status_of

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
def added(authenticator):
    return authenticator.created_at


@admin.display(description=_("last used"), ordering="last_used_at")
def last_used(authenticator):
    return authenticator.last_used_at


class ReadOnlyModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    actions = None  # not even "delete selected"


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class AuthenticatorInline(ReadOnlyInline):
    model = Authenticator
    fields = ["name", "confirmed", added, last_used]
    readonly_fields = fields


class PasskeyInline(ReadOnlyInline):
    model = Passkey
    fields = ["name", added, last_used]
    readonly_fields = fields


class TrustedBrowserInline(ReadOnlyInline):
    model = TrustedBrowser
    fields = [browser, "ip_address", "created_at", "last_seen_at", "expires_at"]
    readonly_fields = fields


@admin.register(Authenticator)
class AuthenticatorAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "user", "team", "confirmed", added, last_used]
    list_filter = ["confirmed"]
    list_select_related = ["user__team"]
    search_fields = ["name", "user__email", "user__full_name"]
    fields = ["name", "user", "confirmed", added, last_used]
    readonly_fields = fields

    @admin.display(description=_("team"), ordering="user__team__name")
    def team(self, authenticator):
        return authenticator.user.team


@admin.register(Passkey)
class PasskeyAdmin(ReadOnlyModelAdmin):
    """Passkeys and security keys, read only: they are added only by the person's browser,
    removed by the person or by a reset."""

    list_display = ["name", "user", "team", added, last_used]
    list_select_related = ["user__team"]
    search_fields = ["name", "user__email", "user__full_name"]
    fields = ["name", "user", added, last_used, "sign_count", "transports", "backup_eligible"]
    readonly_fields = fields

    @admin.display(description=_("team"), ordering="user__team__name")
    def team(self, passkey):
        return passkey.user.team


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


@admin.display(description=_("who"))
def who(row):
    """Who acted (an activity record or a count of refused attempts), in the log's words: the
    person, else how the action came."""
    return activity_log.who_acted(
        actor_name=row.actor.get_full_name() if row.actor else "",
        origin=row.origin,
        kind=row.kind,
        via=row.detail.get("via") if isinstance(row, Activity) else None,
    )


@admin.display(description=_("event"), ordering="kind")
def event(record):
    """The record's kind, or the refusal it says it was (as the activity log reads it)."""
    return activity_log.kind_label(record.kind, refused=False, refusal=record.detail.get("refused"))


class DownloadCSVMixin:
    """A "Download CSV" button above the changelist: the rows that its filters, search and
    dates select (all pages), newest first, streamed. The download is recorded, as a
    Manager's is, in no team's log (it is the platform's log).

    The button is a form that posts to the download with the changelist's query string and
    the CSRF token (the admin's views check it), so another site cannot make an administrator
    take, and record, a copy through a link."""

    change_list_template = "admin/twofactor/change_list_with_download.html"
    log_rows = None  # activity_log.record_rows or refusal_rows
    UNRECORDED_PARAMETERS = {"q", "p", "o"}  # search text, page and order

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_download"
        view = self.admin_site.admin_view(require_POST(self.download_view))
        return [path("download/", view, name=name), *super().get_urls()]

    def download_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        request.GET = request.GET.copy()
        request.GET.pop("p", None)  # every page, whichever one was shown
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:  # as the changelist itself answers them
            changelist_url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            )
            return HttpResponseRedirect(f"{changelist_url}?e=1")
        filters = {
            key: value[:200]
            for key, value in request.GET.items()
            if key not in self.UNRECORDED_PARAMETERS
        }
        record_activity(
            kind=Activity.Kind.ACTIVITY_DOWNLOADED,
            actor=request.user,
            team=PLATFORM_WIDE,
            request_meta=RequestMeta.from_request(request),
            log=self.opts.model_name,
            **({"filters": filters} if filters else {}),
        )
        rows = self.log_rows(changelist.queryset, with_team=True)
        return activity_export.csv_response(rows.iterator(), filename="activity", with_team=True)


@admin.register(Activity)
class ActivityAdmin(DownloadCSVMixin, ReadOnlyModelAdmin):
    """The activity log: append-only, so read-only here (the model refuses changes too).
    Refused attempts are counted apart, in "Refused attempts"."""

    log_rows = staticmethod(activity_log.record_rows)

    list_display = ["created_at", event, who, "subject", "team", "ip_address", browser]
    list_filter = ["kind", "origin", "team"]
    list_select_related = ["actor", "subject", "team"]
    search_fields = ["subject__email", "actor__email", "ip_address"]
    date_hierarchy = "created_at"
    fields = [
        "created_at",
        "kind",
        who,
        "origin",
        "subject",
        "team",
        "ip_address",
        "user_agent",
        "detail",
    ]
    readonly_fields = fields


@admin.register(RefusedAttempts)
class RefusedAttemptsAdmin(DownloadCSVMixin, ReadOnlyModelAdmin):
    """Attempts refused unchecked, a count per person (or address) and window, newest last
    attempt first: read-only, as the activity log."""

    log_rows = staticmethod(activity_log.refusal_rows)

    list_display = [
        "last_at",
        "kind",
        "count",
        "first_at",
        who,
        "subject",
        "email",
        "team",
        "ip_address",
        browser,
    ]
    list_filter = ["kind", "origin", "team"]
    list_select_related = ["actor", "subject", "team"]
    search_fields = ["subject__email", "email", "ip_address"]
    date_hierarchy = "last_at"
    fields = [
        "kind",
        "count",
        "first_at",
        "last_at",
        "window_start",
        who,
        "origin",
        "subject",
        "email",
        "team",
        "ip_address",
        "user_agent",
    ]
    readonly_fields = fields


class TwoFactorStatusFilter(admin.SimpleListFilter):
    title = _("2FA status")
    parameter_name = "two_factor"

    def lookups(self, request, model_admin):
        return TwoFactorStatus.choices

    def queryset(self, request, queryset):
        if self.value() in TwoFactorStatus.values:
            return with_two_factor_status_of(queryset, self.value())
        return queryset


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserAdmin(AccountsUserAdmin):
    """accounts' user admin with each person's 2FA: status, authenticators, trusted browsers,
    code entry, and the action that resets it."""

    list_display = [*AccountsUserAdmin.list_display]
    list_display[list_display.index("role") + 1 : list_display.index("role") + 1] = [
        "two_factor",
        "authenticators",
        "recovery_codes",
    ]
    list_filter = ["team", "role", TwoFactorStatusFilter, "is_active", "is_staff"]
    readonly_fields = [
        "two_factor",
        "authenticators",
        "recovery_codes",
        *AccountsUserAdmin.readonly_fields,
    ]
    fieldsets = [
        *AccountsUserAdmin.fieldsets[:2],
        (
            _("Two-factor authentication"),
            {"fields": ["two_factor", "authenticators", "recovery_codes"]},
        ),
        *AccountsUserAdmin.fieldsets[2:],
    ]
    actions = ["reset_two_factor"]
    inlines = [AuthenticatorInline, PasskeyInline, TrustedBrowserInline]

    def get_queryset(self, request):
        return with_recovery_codes_count(with_two_factor_status(super().get_queryset(request)))

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj else []

    @admin.display(description=_("2FA status"), ordering="two_factor_status")
    def two_factor(self, user):
        return TwoFactorStatus(user.two_factor_status).label

    @admin.display(description=_("authenticators"), ordering="authenticator_count")
    def authenticators(self, user):
        return user.authenticator_count

    @admin.display(description=_("recovery codes left"), ordering="recovery_codes_left")
    def recovery_codes(self, user):
        return user.recovery_codes_left

    @admin.action(description=_("Reset two-factor authentication"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        """Confirm, then reset each selected person with the one reset service (which records
        the administrator as the actor and emails the person)."""
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(
                request,
                _(
                    "Your own two-factor authentication was not reset: ask another "
                    "administrator, or run “manage.py reset_2fa”."
                ),
                messages.WARNING,
            )
        people = list(queryset.exclude(pk=request.user.pk).select_related("team"))
        if not people:
            return None
        # Recent authentication, as for any reset: the password typed in the last minutes, or
        # typed here (throttled and recorded like the portal's own confirmation).
        confirming = request.POST.get("confirm") == "yes"
        recent = passwords.has_recent_authentication(request)
        password_form = None
        if confirming and not recent:
            password_form, recent = passwords.confirm_password(request)
        if confirming and recent:
            request_meta = RequestMeta.from_request(request)
            with transaction.atomic():
                for person in people:
                    reset_two_factor(actor=request.user, member=person, request_meta=request_meta)
            self.message_user(
                request,
                ngettext(
                    "Two-factor authentication of %(count)d person was reset.",
                    "Two-factor authentication of %(count)d people was reset.",
                    len(people),
                )
                % {"count": len(people)},
                messages.SUCCESS,
            )
            return None
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            "admin/accounts/user/reset_two_factor_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Reset two-factor authentication"),
                "opts": self.opts,
                "rows": [
                    (person, TwoFactorStatus(person.two_factor_status).label) for person in people
                ],
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "password_form": None
                if recent
                else password_form or PasswordConfirmForm(request.user),
                "media": self.media,
            },
        )
