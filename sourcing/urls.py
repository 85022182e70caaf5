"""URL routes: each feature's pages and the API root. Every route is declared in
sourcing.access.PERMISSIONS (the route matrix test fails on any that is not)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from sourcing.api import api
from sourcing.home import home

admin.site.site_header = "Sourcing decisions administration"
admin.site.site_title = "Sourcing decisions"

urlpatterns = [
    path("", home, name="home"),
    path("", include("sourcing.people.urls")),
    path("", include("sourcing.service.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("decisions.cases.urls")),
    path("", include("decisions.assessments.urls")),
    path("", include("decisions.review.urls")),
    path("", include("decisions.records.urls")),
    path("", include("decisions.integrity.urls")),
    path("", include("decisions.exports.urls")),
    # Before the rulesets' routes, so "replay" and "impact" are never read as versions.
    path("", include("decisions.impact.urls")),
    path("", include("decisions.rulesets.urls")),
    path("", include("suppliers.urls")),
]

# Errors no view handled: GOV.UK pages, or JSON under /api/ (sourcing.error_views).
handler400 = "sourcing.error_views.bad_request"
handler403 = "sourcing.error_views.permission_denied"
handler404 = "sourcing.error_views.page_not_found"
handler500 = "sourcing.error_views.server_error"
