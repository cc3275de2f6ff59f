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

# The portal's own error pages, in its layout (and the 503 of a service that does not answer).
handler400 = "accounts.errors.bad_request"
handler403 = "accounts.errors.permission_denied"
handler404 = "accounts.errors.page_not_found"
handler500 = "accounts.errors.server_error"
