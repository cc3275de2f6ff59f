"""Django admin for invitations: the list, "Revoke" and "Invite people", all through the same
services as My Team (so every invitation is recorded and emailed alike). A token, even its
digest, is never shown."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from twofactor.services.activity import RequestMeta

from .forms import AdminInvitationForm
from .models import Invitation
from .services import invitations


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "team", "role", "invited_by", "sent_at", "expires_at", "state"]
    list_filter = ["team", "role"]
    list_select_related = ["team", "invited_by"]
    search_fields = ["email", "team__name"]
    date_hierarchy = "sent_at"
    fields = [
        "email",
        "team",
        "role",
        "invited_by",
        "language",
        "sent_at",
        "expires_at",
        "state",
        "accepted_at",
        "accepted_user",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("token_hash")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("status"))
    def state(self, invitation):
        return invitation.status().label

    @admin.action(description=_("Revoke the selected invitations"))
    def revoke(self, request, queryset):
        revoked = 0
        meta = RequestMeta.from_request(request)
        for invitation in queryset.pending():
            revoked += invitations.revoke_invitation(
                actor=request.user, invitation=invitation, request_meta=meta
            )
        self.message_user(
            request,
            ngettext(
                "%(count)d invitation was revoked.", "%(count)d invitations were revoked.", revoked
            )
            % {"count": revoked},
            messages.SUCCESS,
        )

    def add_view(self, request, form_url="", extra_context=None):
        """ "Invite people": addresses, a team and a role, sent as My Team sends them."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AdminInvitationForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                result = invitations.send_invitations(
                    actor=request.user,
                    team=form.cleaned_data["team"],
                    emails=form.cleaned_data["emails"],
                    role=form.cleaned_data["role"],
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                    request_meta=RequestMeta.from_request(request),
                )
            except invitations.InvitationLimitReached as refused:
                form.refuse_past_limit(refused.left)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d invitation was sent.",
                        "%(count)d invitations were sent.",
                        len(result.sent),
                    )
                    % {"count": len(result.sent)},
                    messages.SUCCESS,
                )
                for email in result.already_in_team:
                    self.message_user(
                        request,
                        _("%(email)s is already in this team: not invited.") % {"email": email},
                        messages.WARNING,
                    )
                return HttpResponseRedirect(reverse("admin:team_invitation_changelist"))
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            "admin/team/invitation/invite.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Invite people"),
                "opts": self.opts,
                "form": form,
                "media": self.media + form.media,
            },
        )
