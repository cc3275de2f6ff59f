from django.urls import path

from . import views

app_name = "twofactor"

urlpatterns = [
    path("code/", views.code, name="code"),
    path("setup/", views.setup, name="setup"),
    path("setup/app/", views.setup_app, name="setup_app"),
    path("setup/scan/", views.setup_scan, name="setup_scan"),
    path("setup/verify/", views.setup_verify, name="setup_verify"),
    path("setup/name/", views.setup_name, name="setup_name"),
]
