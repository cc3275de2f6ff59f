from django.urls import path

from . import activity_views, views
from . import invitation_views as invitations

app_name = "team"

urlpatterns = [
    path("", views.members, name="members"),
    path("activity/", activity_views.activity, name="activity"),
    path("activity/download/", activity_views.activity_csv, name="activity_csv"),
    path("members/<int:member_id>/", views.member_detail, name="member_detail"),
    path("members/<int:member_id>/reset/", views.reset_member, name="reset_member"),
    path(
        "members/<int:member_id>/make-manager/",
        views.change_role,
        {"role": "manager"},
        name="make_manager",
    ),
    path(
        "members/<int:member_id>/make-member/",
        views.change_role,
        {"role": "member"},
        name="make_member",
    ),
    path("members/<int:member_id>/deactivate/", views.deactivate_member, name="deactivate_member"),
    path("members/<int:member_id>/reactivate/", views.reactivate_member, name="reactivate_member"),
    path("requests/<int:request_id>/dismiss/", views.dismiss_request, name="dismiss_request"),
    path("invite/", invitations.invite, name="invite"),
    path(
        "invitations/<int:invitation_id>/resend/",
        invitations.resend_invitation,
        name="resend_invitation",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/",
        invitations.revoke_invitation,
        name="revoke_invitation",
    ),
    path("join/<str:token>/", invitations.join_link, name="join_link"),
    path("join/", invitations.join, name="join"),
]
