"""The Django admin of the sourcing app (administrators only, see sourcing.access): people and
access (sourcing.people.admin, imported here so Django's admin discovery finds it) and cases,
read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from sourcing.models import Case, Notification, NotificationStatus
from sourcing.notifications import notification_send_again
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


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The email outbox: what was sent, what waits and what failed (with its last error), and
    "Send again" for failed emails. Rows are written only by sourcing.notifications.notify."""

    list_display = ("created_at", "kind", "email", "case", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("email", "subject", "case__reference")
    readonly_fields = (
        "kind", "recipient", "email", "subject", "body", "personalisation", "case", "key",
        "status", "attempts", "last_error", "created_at", "dispatched_at", "sent_at",
    )  # fmt: skip
    actions = ["send_again"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False

    @admin.action(description="Send the selected failed emails again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        failed = list(queryset.filter(status=NotificationStatus.FAILED))
        for notification in failed:
            notification_send_again(notification=notification)
        self.message_user(request, f"{len(failed)} failed email(s) queued again.", messages.SUCCESS)
