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
    path("password/forgot/", views.forgot_password, name="forgot_password"),
    path("password/forgot/sent/", views.reset_link_sent, name="reset_link_sent"),
    path(
        "password/reset/<str:uidb64>/<str:token>/",
        views.password_reset_link,
        name="password_reset_link",
    ),
    path("password/new/<str:uidb64>/", views.choose_new_password, name="choose_new_password"),
]
