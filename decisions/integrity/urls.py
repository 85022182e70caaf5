"""Routes of the audit chain's page (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from decisions.integrity import views

urlpatterns: list[URLPattern] = [
    path("audit/", views.audit_chain, name="audit_chain"),
]
