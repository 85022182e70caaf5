"""Routes of the audit chain's page and the auditor's verification forms (declared in
sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from decisions.integrity import events, views

urlpatterns: list[URLPattern] = [
    path("audit/", views.audit_chain, name="audit_chain"),
    path("audit/events/", events.audit_events, name="audit_events"),
    path("audit/events/<int:seq>/", events.audit_event, name="audit_event"),
    path("audit/verify/heads/", views.audit_verify_heads, name="audit_verify_heads"),
    path("audit/verify/pdf/", views.audit_verify_pdf, name="audit_verify_pdf"),
    path("audit/verify/record/", views.audit_verify_record, name="audit_verify_record"),
]
