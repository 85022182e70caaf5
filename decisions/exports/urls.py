"""Routes of the export pages (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from decisions.exports import views

urlpatterns: list[URLPattern] = [
    path("exports/", views.export_start_view, name="export_start"),
    path("exports/decisions.csv", views.export_csv, name="export_csv"),
    path("exports/ocds.json", views.export_ocds, name="export_ocds"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
