from django.urls import path

from . import views

app_name = "team"

urlpatterns = [
    path("", views.members, name="members"),
    path("activity/", views.activity, name="activity"),
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
]
