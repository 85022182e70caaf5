"""Page routes of this part (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from decisions import export_views

urlpatterns: list[URLPattern] = [
    path("records/<int:pk>/pdf/", export_views.record_pdf, name="record_pdf"),
    path("exports/", export_views.export_start_view, name="export_start"),
    path("exports/decisions.csv", export_views.export_csv, name="export_csv"),
    path("exports/ocds.json", export_views.export_ocds, name="export_ocds"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
]
