"""The portal's URLs and the two floors the benchmarks compare every page with."""

from django.urls import path

from axur_portal.urls import urlpatterns as portal_urlpatterns

from . import views

urlpatterns = [
    path("bench/floor/", views.floor, name="bench_floor"),
    path("bench/floor/signed-in/", views.floor_signed_in, name="bench_floor_signed_in"),
    path("bench/layout/", views.layout, name="bench_layout"),
    *portal_urlpatterns,
]
