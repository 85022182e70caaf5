"""Routes of the review pages (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from decisions.review import calibration_views, views

urlpatterns: list[URLPattern] = [
    path("review/", views.review_queue, name="review_queue"),
    # Before review/<reference>/, so "due" is never read as a case reference.
    path("review/due/", views.review_due, name="review_due"),
    path("review/consistency/", views.consistency_report, name="consistency_report"),
    path("review/consistency/csv/", views.consistency_report_csv, name="consistency_report_csv"),
    path(
        "review/calibration/", calibration_views.calibration_report_page, name="calibration_report"
    ),
    path(
        "review/calibration/csv/",
        calibration_views.calibration_report_csv,
        name="calibration_report_csv",
    ),
    path(
        "review/calibration/<int:pk>/golden-case/",
        calibration_views.calibration_golden_case,
        name="calibration_golden_case",
    ),
    path("review/dashboard/", views.coe_dashboard, name="coe_dashboard"),
    path("review/dashboard/csv/<slug:chart>/", views.coe_dashboard_csv, name="coe_dashboard_csv"),
    path("review/<str:reference>/", views.review_case, name="review_case"),
    path("review/<str:reference>/reopen/", views.review_reopen_view, name="review_reopen"),
]
