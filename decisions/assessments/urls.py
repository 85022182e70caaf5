"""Routes of the assessment pages (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern, path

from decisions.assessments import views

urlpatterns: list[URLPattern] = [
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/replay/", views.assessment_replay, name="assessment_replay"),
]
