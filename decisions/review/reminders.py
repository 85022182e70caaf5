"""Reminders of decisions due for review: the owner is emailed once per decision record when its
review-by date is REVIEW_DUE_NOTICE_DAYS away or fewer (or has passed). Run hourly by the beat
(decisions.review_due_notify) and by `manage.py notify_review_due`; idempotent (one email per
record and address, ever: the notification's key)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from decisions.presenter import date_text
from decisions.records.models import DecisionRecord
from decisions.records.outcomes import awaiting_outcome_review
from sourcing.models import CaseStatus, Notification, NotificationKind
from sourcing.notifications import notify

REMINDER_TASK = "decisions.review_due_notify"  # decisions.review.tasks.review_due_notify_task


def reminder_key(record: DecisionRecord) -> str:
    """The notification key of a record's reminder (an address is added per recipient)."""
    return f"review_due:{record.pk}"


def review_due_notify(*, today: date) -> list[int]:
    """Email the owners of current approved decisions due for review within
    REVIEW_DUE_NOTICE_DAYS of `today` (past dates too), without an outcome review (that is the
    review: records.outcomes.awaiting_outcome_review), that were not reminded yet: the ids of
    the records whose reminder was written now (each in its own transaction)."""
    until = today + timedelta(days=settings.REVIEW_DUE_NOTICE_DAYS)
    records = list(
        awaiting_outcome_review(DecisionRecord.objects.current_approvals())
        .filter(review_by__lte=until, case__status=CaseStatus.APPROVED)
        .select_related("case", "case__owner", "case__department")
        .defer("content")
        .order_by("review_by", "pk")
    )
    reminded = {
        key.split(":")[1]
        for key in Notification.objects.filter(
            kind=NotificationKind.REVIEW_DUE, case_id__in=[r.case_id for r in records]
        ).values_list("key", flat=True)
    }
    written: list[int] = []
    for record in records:
        if str(record.pk) in reminded:
            continue
        with transaction.atomic():
            rows = notify(
                NotificationKind.REVIEW_DUE,
                to=[record.case.owner],
                case=record.case,
                link=reverse("record_detail", args=[record.pk]),
                context={"review_by": date_text(record.review_by)},
                key=reminder_key(record),
            )
        if rows:
            written.append(record.pk)
    return written
