from django.urls import path

from . import views

app_name = "team"

urlpatterns = [
    path("", views.members, name="members"),
    path("activity/", views.activity, name="activity"),
    path("members/<int:member_id>/", views.member_detail, name="member_detail"),
    path("members/<int:member_id>/reset/", views.reset_member, name="reset_member"),
    path("requests/<int:request_id>/dismiss/", views.dismiss_request, name="dismiss_request"),
]
