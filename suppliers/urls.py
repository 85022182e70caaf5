"""Page routes of this part (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
