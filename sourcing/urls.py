"""URL routes. Every route is declared in sourcing.access.PERMISSIONS."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from sourcing import views
from sourcing.api import api

admin.site.site_header = "Sourcing decisions administration"
admin.site.site_title = "Sourcing decisions"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("admin/", admin.site.urls),
    path("", include("decisions.cases.urls")),
    path("", include("decisions.assessments.urls")),
    path("api/v1/", api.urls),
    # Each app's pages (their routes are declared in sourcing.access.PERMISSIONS too).
    path("", include("decisions.review.urls")),
    path("", include("decisions.records.urls")),
    path("", include("decisions.exports.urls")),
    path("", include("suppliers.urls")),
    path("", include("decisions.impact.urls")),
    path("", include("decisions.rulesets.urls")),
]
