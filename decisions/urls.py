"""Routes for the review, record, audit and register pages (declared in sourcing.access)."""

from __future__ import annotations

from django.urls import path

from decisions import views

urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    # Before review/<reference>/, so "due" is never read as a case reference.
    path("review/due/", views.review_due, name="review_due"),
    path("review/<str:reference>/", views.review_case, name="review_case"),
    path("review/<str:reference>/reopen/", views.review_reopen_view, name="review_reopen"),
    path("records/", views.record_list, name="record_list"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("audit/", views.audit_chain, name="audit_chain"),
    path("register/", views.register, name="register"),
]
