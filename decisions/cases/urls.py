"""Routes of the case pages (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from decisions.cases import views

urlpatterns: list[URLPattern] = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/start/", views.case_start, name="case_start"),
    path("cases/<str:reference>/", views.case_detail, name="case_detail"),
    path(
        "cases/<str:reference>/sections/<slug:section>/",
        views.case_section,
        name="case_section",
    ),
    path("cases/<str:reference>/history/", views.case_history, name="case_history"),
    path("cases/<str:reference>/details/", views.case_details, name="case_details"),
    path("cases/<str:reference>/preview/", views.case_preview, name="case_preview"),
    path("cases/<str:reference>/check/", views.case_check, name="case_check"),
    path("cases/<str:reference>/assess/", views.case_assess, name="case_assess"),
    path(
        "cases/<str:reference>/explanations/",
        views.case_explanations,
        name="case_explanations",
    ),
    path("cases/<str:reference>/sign-offs/", views.case_signoffs, name="case_signoffs"),
    path("cases/<str:reference>/submit/", views.case_submit, name="case_submit"),
    path("cases/<str:reference>/withdraw/", views.case_withdraw, name="case_withdraw"),
    path("sign-off-requests/", views.signoff_request_list, name="signoff_request_list"),
    path(
        "sign-off-requests/<int:pk>/",
        views.signoff_request_detail,
        name="signoff_request_detail",
    ),
]
