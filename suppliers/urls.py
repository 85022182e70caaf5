"""Page routes of this part (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from suppliers import views

urlpatterns: list[URLPattern] = [
    path("suppliers/", views.supplier_list, name="supplier_list"),
    path("suppliers/segments/", views.segment_list, name="segment_list"),
    path("suppliers/segments/<slug:key>/", views.segment_detail, name="segment_detail"),
    path("suppliers/new/", views.supplier_new, name="supplier_new"),
    path("suppliers/import/", views.catalogue_import, name="catalogue_import"),
    path("suppliers/import/sample.csv", views.catalogue_sample, name="catalogue_sample"),
    path(
        "suppliers/import/<int:pk>/",
        views.catalogue_import_detail,
        name="catalogue_import_detail",
    ),
    path("suppliers/<str:company_number>/", views.supplier_detail, name="supplier_detail"),
    path("suppliers/<str:company_number>/edit/", views.supplier_edit, name="supplier_edit"),
    path("cases/<str:reference>/shortlist/", views.case_shortlist, name="case_shortlist"),
    path("cases/<str:reference>/contracts/", views.contract_record_view, name="contract_record"),
    path("cases/<str:reference>/contracts/let/", views.case_contracts, name="case_contracts"),
    path("contracts/", views.contract_list, name="contract_list"),
    path("concentration/", views.concentration_radar, name="concentration_radar"),
]
