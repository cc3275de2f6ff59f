"""Django admin for users and teams.

Every changelist is a fixed number of queries however many rows it shows: counts are
annotations, related rows come by ``list_select_related`` or one prefetch. The two-factor app
extends ``UserAdmin`` with the person's 2FA (``twofactor.admin``).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils.translation import gettext_lazy as _

from .forms import AdminUserChangeForm, AdminUserCreationForm
from .models import Team, User
from .signals import password_changed


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
    list_display = ["email", "full_name", "team", "role", "last_sign_in", "is_active", "is_staff"]
    list_filter = ["team", "role", "is_active", "is_staff"]
    list_select_related = ["team"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "team", "role"]}),
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

    def user_change_password(self, request, id, form_url=""):
        # Django's password form saves the user (and so the new security stamp); log_change,
        # called right after it in this transaction, tells the portal as any new password does.
        request.portal_password_form = True
        with transaction.atomic():
            return super().user_change_password(request, id, form_url)

    def log_change(self, request, obj, message):
        super().log_change(request, obj, message)
        if getattr(request, "portal_password_form", False):
            password_changed.send(sender=type(obj), user=obj, actor=request.user, request=request)

    @admin.display(description=_("last sign-in"), ordering="last_login")
    def last_sign_in(self, user):
        return user.last_login
