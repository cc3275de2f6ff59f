"""Django admin for users and teams (the site itself is ``admin_site.PortalAdminSite``).

Every changelist is a fixed number of queries however many rows it shows: counts and the 2FA
status are annotations, related rows come by ``list_select_related`` or one prefetch.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import (
    Count,
    Prefetch,
)
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from twofactor import flows, services
from twofactor.admin import AuthenticatorInline, TrustedBrowserInline
from twofactor.selectors import TwoFactorStatus, with_two_factor_status

from .forms import AdminUserChangeForm, AdminUserCreationForm, PasswordConfirmForm
from .models import Team, User


class TwoFactorStatusFilter(admin.SimpleListFilter):
    title = _("2FA status")
    parameter_name = "two_factor"

    def lookups(self, request, model_admin):
        return TwoFactorStatus.choices

    def queryset(self, request, queryset):
        if self.value() in TwoFactorStatus.values:
            return queryset.filter(two_factor_status=self.value())
        return queryset


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count", "manager_names", "created_at"]
    search_fields = ["name"]
    readonly_fields = ["member_count", "manager_names"]

    def get_queryset(self, request):
        managers = User.objects.filter(role=User.Role.MANAGER).order_by("full_name", "email")
        return (
            super()
            .get_queryset(request)
            .annotate(_members=Count("members"))
            .prefetch_related(Prefetch("members", queryset=managers, to_attr="managers"))
        )

    @admin.display(description=_("members"), ordering="_members")
    def member_count(self, team):
        return team._members

    @admin.display(description=_("Managers"))
    def manager_names(self, team):
        return ", ".join(manager.get_full_name() for manager in team.managers) or "—"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = AdminUserChangeForm
    add_form = AdminUserCreationForm
    ordering = ["email"]
    list_display = [
        "email",
        "full_name",
        "team",
        "role",
        "two_factor",
        "authenticators",
        "last_sign_in",
        "is_active",
        "is_staff",
    ]
    list_filter = ["team", "role", TwoFactorStatusFilter, "is_active", "is_staff"]
    list_select_related = ["team"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["two_factor", "authenticators", "last_login", "date_joined"]
    actions = ["reset_two_factor"]
    inlines = [AuthenticatorInline, TrustedBrowserInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "team", "role"]}),
        (_("Two-factor authentication"), {"fields": ["two_factor", "authenticators"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "team", "role", "password1", "password2"],
            },
        ),
    ]

    def get_queryset(self, request):
        return with_two_factor_status(super().get_queryset(request))

    def user_change_password(self, request, id, form_url=""):
        # Django's password form saves the user (and so the new security stamp); log_change,
        # called right after it in this transaction, does what any new password does.
        request.portal_password_form = True
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    def log_change(self, request, obj, message):
        super().log_change(request, obj, message)
        if getattr(request, "portal_password_form", False):
            services.forget_browsers_after_new_password(
                user=obj,
                actor=request.user,
                request_meta=services.RequestMeta.from_request(request),
            )

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj else []

    @admin.display(description=_("2FA status"), ordering="two_factor_status")
    def two_factor(self, user):
        return TwoFactorStatus(user.two_factor_status).label

    @admin.display(description=_("authenticators"), ordering="authenticator_count")
    def authenticators(self, user):
        return user.authenticator_count

    @admin.display(description=_("last sign-in"), ordering="last_login")
    def last_sign_in(self, user):
        return user.last_login

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
        recent = flows.has_recent_authentication(request)
        password_form = None
        if confirming and not recent:
            password_form, recent = flows.confirm_password(request)
        if confirming and recent:
            request_meta = services.RequestMeta.from_request(request)
            with transaction.atomic():
                for person in people:
                    services.reset_two_factor(
                        actor=request.user, member=person, request_meta=request_meta
                    )
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
