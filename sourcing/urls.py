"""URL routes. Every route is declared in sourcing.access.PERMISSIONS."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from sourcing import case_views, views
from sourcing.api import api

admin.site.site_header = "Sourcing decisions administration"
admin.site.site_title = "Sourcing decisions"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("admin/", admin.site.urls),
    # Case pages (issue 5)
    path("cases/", case_views.case_list, name="case_list"),
    path("cases/start/", case_views.case_start, name="case_start"),
    path("cases/<str:reference>/", case_views.case_detail, name="case_detail"),
    path(
        "cases/<str:reference>/sections/<slug:section>/",
        case_views.case_section,
        name="case_section",
    ),
    path("cases/<str:reference>/preview/", case_views.case_preview, name="case_preview"),
    path("cases/<str:reference>/check/", case_views.case_check, name="case_check"),
    path("cases/<str:reference>/assess/", case_views.case_assess, name="case_assess"),
    path(
        "cases/<str:reference>/explanations/",
        case_views.case_explanations,
        name="case_explanations",
    ),
    path("cases/<str:reference>/sign-offs/", case_views.case_signoffs, name="case_signoffs"),
    path("cases/<str:reference>/submit/", case_views.case_submit, name="case_submit"),
    path("cases/<str:reference>/withdraw/", case_views.case_withdraw, name="case_withdraw"),
    path("assessments/<int:pk>/", case_views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/replay/", case_views.assessment_replay, name="assessment_replay"),
    path("api/v1/", api.urls),
    # Each app's pages (their routes are declared in sourcing.access.PERMISSIONS too).
    path("", include("decisions.urls")),
    path("", include("decisions.export_urls")),
    path("", include("suppliers.urls")),
    path("", include("decisions.impact.urls")),
    path("", include("decisions.rulesets.urls")),
]
