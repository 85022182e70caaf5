"""Routes of the service pages (declared in sourcing.access.PERMISSIONS: public)."""

from __future__ import annotations

from django.urls import URLPattern, path

from sourcing.service import views

urlpatterns: list[URLPattern] = [
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy/", views.privacy, name="privacy"),
    path("cookies/", views.cookies, name="cookies"),
    path("feedback/", views.feedback, name="feedback"),
]
