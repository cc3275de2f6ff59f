from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="accounts:preferences"), name="home"),
    path("", include("accounts.urls")),
    path("2fa/", include("twofactor.urls")),
    path("team/", include("team.urls")),
    path("admin/", admin.site.urls),
]
