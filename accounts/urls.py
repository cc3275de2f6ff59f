from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("preferences/", views.preferences, name="preferences"),
    path("language/", views.change_language, name="language"),
    path("password/", views.change_password, name="change_password"),
    path("password/confirm/", views.confirm_password, name="confirm_password"),
]
