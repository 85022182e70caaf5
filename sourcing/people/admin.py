"""The Django admin of people and access: departments, users and their roles, API tokens."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from sourcing.models import ApiToken, Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(User)
class SourcingUserAdmin(UserAdmin):
    list_display = ("username", "role", "department", "is_active")
    list_filter = ("role", "department", "is_active")
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Access", {"fields": ("role", "department")}))


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("user", "token_sha256", "prefix", "created_at", "expires_at", "last_used_at")
    list_filter = ("revoked_at",)

    def has_add_permission(self, request: object) -> bool:
        return False  # tokens are issued with `manage.py issue_token`, which shows them once
