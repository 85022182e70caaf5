"""The Django admin of the sourcing app (administrators only, see sourcing.access): people and
access (sourcing.people.admin, imported here so Django's admin discovery finds it) and cases,
read-only."""

from __future__ import annotations

from django.contrib import admin

from sourcing.models import Case
from sourcing.people import admin as people_admin  # noqa: F401  (registers people's models)


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through the service functions (and their audit events)."""

    list_display = ("reference", "title", "department", "status", "created_at")
    list_filter = ("status", "department")
    search_fields = ("reference", "title")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
