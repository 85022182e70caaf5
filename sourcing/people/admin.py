"""The Django admin of people and access: departments, users and their roles, API tokens.

Departments are added and changed through sourcing.people.services.department_save (audited).

Users are added and changed through sourcing.people.services.user_save (so every role,
department, activation and password change is on the audit chain); the role decides staff
and superuser status, and a department commercial user must be given a department.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from django.http import HttpRequest, HttpResponse

from sourcing.access import signed_in_user
from sourcing.errors import ValidationFailed
from sourcing.models import (
    ApiToken,
    Department,
    DepartmentMapping,
    Invitation,
    SignInIdentity,
    User,
)
from sourcing.people.services import (
    department_mapping_delete,
    department_mapping_save,
    department_save,
    user_role_errors,
    user_save,
    username_errors,
    username_normalised,
)


class _RoleCheck(forms.ModelForm):
    """The role and department checked together, as the service checks them."""

    def clean_username(self) -> str:
        username = username_normalised(str(self.cleaned_data.get("username") or ""))
        errors = username_errors(username)
        if errors:
            raise forms.ValidationError(errors["username"][0])
        return username

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "role" in cleaned:
            errors = user_role_errors(role=cleaned["role"], department=cleaned.get("department"))
            for field, messages in errors.items():
                for message in messages:
                    self.add_error(field, message)
        return cleaned


class UserAddForm(_RoleCheck, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "role", "department")


class UserEditForm(_RoleCheck, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = (  # type: ignore[assignment]
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "department",
            "is_active",
        )


class AuditedPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password" form, saved through user_save (audited, never logged)."""

    by: User | None = None

    def save(self, commit: bool = True) -> User:
        user = self.user
        password = (
            self.cleaned_data.get("password1")
            if self.cleaned_data.get("set_usable_password", True)
            else None
        )
        return user_save(
            by=self.by,
            user=user,
            username=user.username,
            role=user.role,
            department=user.department,
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            is_active=user.is_active,
            password=password,
        )


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    """Departments are added and changed through department_save (on the audit chain), and
    never deleted (cases, users and decision records name them)."""

    list_display = ("code", "name")
    search_fields = ("code", "name")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Department, form: Any, change: bool) -> None:
        """Write through department_save (audited) instead of saving the form's instance."""
        data = form.cleaned_data
        try:
            saved = department_save(
                by=signed_in_user(request),
                department=Department.objects.get(pk=obj.pk) if change else None,
                code=data.get("code", obj.code),
                name=data.get("name", obj.name),
            )
        except ValidationFailed as failed:  # the form checked the same: only a race gets here
            raise forms.ValidationError(str(failed.errors)) from failed
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(User)
class SourcingUserAdmin(UserAdmin):
    form = UserEditForm
    add_form = UserAddForm
    change_password_form = AuditedPasswordChangeForm
    list_display = ("username", "role", "department", "is_active")
    list_filter = ("role", "department", "is_active")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Access",
            {
                "fields": ("role", "department", "is_active"),
                "description": "A department commercial user or department administrator "
                "needs a department; reviewers, auditors, stewards and administrators have none. "
                "Administrators get the Django admin. Someone with no role yet signs in and "
                "sees only the home page.",
            },
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "department", "password1", "password2"),
                "description": "A department commercial user needs a department.",
            },
        ),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decisions and the chain name people: make them inactive instead

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Write through user_save (audited) instead of saving the form's instance."""
        data = form.cleaned_data
        try:
            saved = user_save(
                by=signed_in_user(request),
                user=obj if change else None,
                username=data.get("username", obj.username),
                role=data.get("role", obj.role),
                department=data.get("department"),
                first_name=data.get("first_name", obj.first_name),
                last_name=data.get("last_name", obj.last_name),
                email=data.get("email", obj.email),
                is_active=data.get("is_active", obj.is_active),
                password=None if change else data.get("password1") or None,
            )
        except ValidationFailed as failed:  # the form checked the same: only a race gets here
            raise forms.ValidationError(str(failed.errors)) from failed
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing else: groups and permissions follow the role, not the admin's boxes."""

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # The form saves through user_save: it needs who is changing the password. A copy of
        # this admin per request, as the admin instance is shared between threads.
        per_request = copy.copy(self)
        per_request.change_password_form = type(  # type: ignore[assignment]
            "PasswordChangeBy", (AuditedPasswordChangeForm,), {"by": request.user}
        )
        return UserAdmin.user_change_password(per_request, request, id, form_url)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at")
    # Read-only: tokens are issued and revoked with manage.py issue_token and revoke_tokens
    # (services that audit them).
    readonly_fields = (
        "user",
        "token_sha256",
        "prefix",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("revoked_at",)

    def has_add_permission(self, request: object) -> bool:
        return False  # tokens are issued with `manage.py issue_token`, which shows them once


@admin.register(DepartmentMapping)
class DepartmentMappingAdmin(admin.ModelAdmin):
    """Which email domains and claims admit a first sign-in to which department; saved and
    deleted through the services (audited)."""

    list_display = ("department", "kind", "claim", "value")
    list_filter = ("kind", "department")
    search_fields = ("value", "claim", "department__name")
    fields = ("department", "kind", "claim", "value")

    def save_model(
        self, request: HttpRequest, obj: DepartmentMapping, form: Any, change: bool
    ) -> None:
        data = form.cleaned_data
        try:
            saved = department_mapping_save(
                by=signed_in_user(request),
                mapping=obj if change else None,
                department=data["department"],
                kind=data["kind"],
                claim=data.get("claim", ""),
                value=data["value"],
            )
        except ValidationFailed as failed:  # the form's own checks passed: a race or a format
            raise forms.ValidationError(str(failed.errors)) from failed
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: DepartmentMapping) -> None:
        department_mapping_delete(by=signed_in_user(request), mapping=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for mapping in queryset:
            self.delete_model(request, mapping)


@admin.register(SignInIdentity)
class SignInIdentityAdmin(admin.ModelAdmin):
    """Provider accounts linked to users: read-only (linked at first sign-in, audited)."""

    list_display = ("user", "issuer", "subject", "created_at", "last_sign_in_at")
    search_fields = ("user__username", "subject", "issuer")
    readonly_fields = ("user", "issuer", "subject", "created_at", "last_sign_in_at")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Department administrators' invitations: read-only here (made on their pages, audited)."""

    list_display = ("email", "department", "invited_by", "created_at", "accepted_at")
    list_filter = ("department",)
    readonly_fields = (
        "department",
        "email",
        "invited_by",
        "created_at",
        "accepted_at",
        "accepted_by",
        "withdrawn_at",
    )

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
