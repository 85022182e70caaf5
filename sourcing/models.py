"""People and access: departments, users with roles, API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Department(models.Model):
    """A government department; commercial users belong to one."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COMMERCIAL = "commercial", "Department commercial user"
    REVIEWER = "reviewer", "Centre of Excellence reviewer"
    STEWARD = "steward", "Ruleset steward"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    """A person who signs in; their role decides what they may do."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.COMMERCIAL)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="commercial") | Q(department__isnull=False),
                name="commercial_user_has_department",
                violation_error_message="A department commercial user must belong to a department.",
            )
        ]

    def __str__(self) -> str:
        return self.get_username()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        from django.utils import timezone

        return self.filter(
            revoked_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True
        )


class ApiToken(models.Model):
    """A bearer token for the API; only its sha256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    token_sha256 = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to tell tokens apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"
