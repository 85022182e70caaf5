"""Writes for people and access: departments, users, API tokens."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from decisions.audit.services import audit_append, audit_on
from sourcing.access import token_hash
from sourcing.errors import ValidationFailed
from sourcing.models import ApiToken, Department, Role, User

DEPARTMENT_CODE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)


def department_ensure(*, code: str, name: str) -> Department:
    """The department with this code, created or renamed to `name`."""
    department, _ = Department.objects.update_or_create(code=code, defaults={"name": name})
    return department


DEPARTMENT_FIELDS = ("code", "name")


@transaction.atomic
def department_save(
    *, by: User | None, department: Department | None, code: str, name: str
) -> Department:
    """Create a department (`department` None) or change its code or name. Appends
    `department.created` or `department.changed` (the fields changed, before and after) to
    the audit chain; ValidationFailed names the field at fault (code: lower-case letters,
    digits and hyphens, up to 20; name: up to 200 characters; both unique)."""
    code, name = (code or "").strip(), (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = ["Enter the department's code, like dept-a"]
    elif len(code) > 20 or not DEPARTMENT_CODE.fullmatch(code):
        errors["code"] = [
            "Code must be 20 characters or fewer: lower-case letters, digits and hyphens"
        ]
    if not name:
        errors["name"] = ["Enter the department's name"]
    elif len(name) > 200 or "\x00" in name:
        errors["name"] = ["Name must be 200 characters or fewer, without null characters"]
    others = (
        Department.objects.exclude(pk=department.pk) if department else Department.objects.all()
    )
    if "code" not in errors and others.filter(code=code).exists():
        errors["code"] = [f"Code {code} is another department's"]
    if "name" not in errors and others.filter(name=name).exists():
        errors["name"] = [f"Name {name} is another department's"]
    if errors:
        raise ValidationFailed(errors)
    created = department is None
    target = (
        Department()
        if department is None
        else Department.objects.select_for_update().get(pk=department.pk)
    )
    before = {} if created else {f: getattr(target, f) for f in DEPARTMENT_FIELDS}
    target.code, target.name = code, name
    target.save()
    after = {f: getattr(target, f) for f in DEPARTMENT_FIELDS}
    changed = [f for f in DEPARTMENT_FIELDS if before.get(f) != after[f]]
    if changed:
        audit_append(
            action="department.created" if created else "department.changed",
            actor=by,
            object_type="department",
            object_id=target.pk,
            payload={**after, "before": before, "changed": changed},
        )
    return target


@transaction.atomic
def user_ensure(
    *,
    username: str,
    role: str,
    password: str,
    department: Department | None = None,
    first_name: str = "",
    last_name: str = "",
    keep_password: bool = False,
) -> User:
    """A user with this username, role and department; the password is (re)set, unless
    `keep_password` and the user exists (so their sessions stay valid)."""
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    user, created = User.objects.update_or_create(
        username=username,
        defaults={
            "role": role,
            "department": department,
            "first_name": first_name,
            "last_name": last_name,
            "is_active": True,
            "is_staff": role == Role.ADMIN,
            "is_superuser": role == Role.ADMIN,
        },
    )
    if created or not keep_password:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def token_issue(*, user: User, days: int | None = None) -> str:
    """Create an API token for an active user; returns the raw token (stored only hashed).

    Lasts `days` (default API_TOKEN_DAYS), from 1 to API_TOKEN_MAX_DAYS; ValueError otherwise.
    """
    if not user.is_active:
        raise ValueError(f"User {user.username} is not active.")
    days = settings.API_TOKEN_DAYS if days is None else days
    if days < 1:
        raise ValueError("A token must last at least 1 day.")
    if days > settings.API_TOKEN_MAX_DAYS:
        raise ValueError(
            f"A token can last at most {settings.API_TOKEN_MAX_DAYS} days (API_TOKEN_MAX_DAYS); "
            "issue a new one when it expires."
        )
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        token_sha256=token_hash(raw),
        prefix=raw[:8],
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_on(
        "api_token",
        token.pk,
        "token.issued",
        user,
        prefix=token.prefix,
        expires_at=token.expires_at.isoformat(),
    )
    return raw


@transaction.atomic
def tokens_revoke(*, user: User) -> int:
    """Revoke every usable token of the user; returns how many."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit_on("user", user.pk, "token.revoked", user, count=count)
    return count


USER_FIELDS = ("username", "role", "department", "first_name", "last_name", "email", "is_active")


def user_role_errors(*, role: str, department: Department | None) -> dict[str, list[str]]:
    """What is wrong with a role and department together (the admin's form shows the same)."""
    if role not in Role.values:
        return {"role": ["Choose a role"]}
    if role == Role.COMMERCIAL and department is None:
        return {"department": ["Choose the department of a department commercial user"]}
    if role != Role.COMMERCIAL and department is not None:
        return {"department": ["Only a department commercial user belongs to a department"]}
    return {}


def _user_state(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "department": user.department.code if user.department_id else None,  # type: ignore[union-attr]
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
    }


@transaction.atomic
def user_save(
    *,
    by: User | None,
    user: User | None,
    username: str,
    role: str,
    department: Department | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    is_active: bool = True,
    password: str | None = None,
) -> User:
    """Create a user (`user` None) or change one: role, department, names, email, active, and
    the password when given (never logged). Administrators are Django staff and superusers;
    nobody else is. Appends `user.created` or `user.changed` (with the fields changed, and
    whether the password was) to the audit chain; ValidationFailed names the field at fault.
    """
    errors = user_role_errors(role=role, department=department)
    if errors:
        raise ValidationFailed(errors)
    created = user is None
    target = (
        User(username=username)
        if user is None
        else User.objects.select_for_update().get(pk=user.pk)
    )
    before = {} if created else _user_state(target)
    target.username = username
    target.role = role
    target.department = department
    target.first_name, target.last_name, target.email = first_name, last_name, email
    target.is_active = is_active
    target.is_staff = target.is_superuser = role == Role.ADMIN
    if password:
        target.set_password(password)
    elif created:
        target.set_unusable_password()
    target.save()
    after = _user_state(target)
    changed = [name for name in USER_FIELDS if before.get(name) != after[name]]
    if changed or password:
        audit_append(
            action="user.created" if created else "user.changed",
            actor=by,
            object_type="user",
            object_id=target.pk,
            payload={**after, "changed": changed, "password_changed": bool(password)},
        )
    return target
