"""Routes of the decision record pages and the public register (declared in
sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from decisions.records import public_interest_views, views

urlpatterns: list[URLPattern] = [
    path("records/", views.record_list, name="record_list"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/pdf/", views.record_pdf, name="record_pdf"),
    path("records/<int:pk>/outcome/", views.record_outcome, name="record_outcome"),
    path("records/<int:pk>/pdf/retry/", views.record_pdf_retry, name="record_pdf_retry"),
    path("register/", views.register, name="register"),
    path("register/download.csv", views.register_csv, name="register_csv"),
    path("register/download.json", views.register_json, name="register_json"),
    path("cases/<str:reference>/pdf/", views.case_draft_pdf, name="case_draft_pdf"),
    # The quarterly Public Interest Test return (PPN 024), printable, and its CSV.
    path(
        "returns/public-interest/",
        public_interest_views.public_interest_return_page,
        name="public_interest_return",
    ),
    path(
        "returns/public-interest/download.csv",
        public_interest_views.public_interest_return_csv,
        name="public_interest_return_csv",
    ),
]
