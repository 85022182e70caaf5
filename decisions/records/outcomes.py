"""Outcome reviews of a decision (issue 20, item 2): at the review-by date, a break point or a
contract's end, the department records how the decision turned out. Each review is an event
appended to the audit chain about the record (`record.outcome`), never edited: the record's
frozen content stays as issued, and later reviews are read after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast

from decisions.audit.models import AuditEvent
from decisions.audit.services import audit_on
from decisions.engine.schema import MONEY_MAX
from decisions.records.models import DecisionRecord, DecisionRecordQuerySet
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import Role, User

OUTCOME_ACTION = "record.outcome"
BENEFITS = ("none", "partly", "fully")
LOCK_IN = ("none", "moderate", "severe")
COMMENT_MAX = 2000
MONTHS_LATE_MAX = 120


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def outcome_problems(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every problem of an outcome review, by field: `delivered`, `on_time`, `same_again`
    (yes/no), `months_late` (0-120, needed when not on time), `actual_cost_gbp` (whole pounds,
    0 to a trillion), `benefits_realised` (none, partly, fully), `lock_in` (none, moderate,
    severe), `comment` (at most 2,000 characters)."""
    errors: dict[str, list[str]] = {}
    for key, label in (
        ("delivered", "whether it was delivered"),
        ("on_time", "whether it was on time"),
        ("same_again", "whether you would choose the same option again"),
    ):
        if not isinstance(data.get(key), bool):
            errors[key] = [f"Say {label}"]
    late = data.get("months_late")
    late_ok = isinstance(late, int) and not isinstance(late, bool) and 1 <= late <= MONTHS_LATE_MAX
    if data.get("on_time") is False and not late_ok:
        errors["months_late"] = [f"Enter how many months late, from 1 to {MONTHS_LATE_MAX}"]
    elif data.get("on_time") is True and late not in (None, 0):
        errors["months_late"] = ["Leave months late empty when it was on time"]
    cost = data.get("actual_cost_gbp")
    if not (isinstance(cost, int) and not isinstance(cost, bool) and 0 <= cost <= MONEY_MAX):
        errors["actual_cost_gbp"] = ["Enter the actual whole-life cost to date in whole pounds"]
    if data.get("benefits_realised") not in BENEFITS:
        errors["benefits_realised"] = ["Choose how far the benefits were realised"]
    if data.get("lock_in") not in LOCK_IN:
        errors["lock_in"] = ["Choose how much lock-in you experienced"]
    comment = data.get("comment", "")
    if not isinstance(comment, str) or len(comment) > COMMENT_MAX:
        errors["comment"] = [f"Comment must be {COMMENT_MAX:,} characters or fewer"]
    return errors


def outcome_estimate(record: DecisionRecord) -> int | None:
    """The whole-life estimate for the decided option, in pounds, as the record froze it: the
    department's should-cost estimate for that option, else the whole-life budget (None when
    neither was given)."""
    answers = record.content.get("answers") or {}
    estimates = answers.get("option_cost_estimates") or {}
    value = estimates.get(record.decided_option, answers.get("whole_life_budget_gbp"))
    return value if _is_int(value) else None


@transaction.atomic
def outcome_record(*, record: DecisionRecord, by: User, data: Mapping[str, Any]) -> AuditEvent:
    """Append an outcome review of a current approved decision, by a department user of its
    department; the payload adds the estimate for the decided option and the cost variance
    (actual minus estimate, pounds). ValidationFailed naming every bad field; TransitionRefused
    for a record that is not a current approval; PermissionError for anyone else."""
    if by.role != Role.COMMERCIAL or by.department_id != record.department_id:
        raise PermissionError("Only the department records the outcome of its decisions")
    errors = outcome_problems(data)
    if errors:
        raise ValidationFailed(errors)
    current = DecisionRecord.objects.current_approvals().filter(pk=record.pk).exists()
    if not current:
        raise TransitionRefused("Outcomes are recorded on a current approved decision only")
    estimate = outcome_estimate(record)
    cost: int = data["actual_cost_gbp"]
    return audit_on(
        "decision_record",
        record.pk,
        OUTCOME_ACTION,
        by,
        reference=record.reference,
        record_sha256=record.record_sha256,
        decided_option=record.decided_option,
        delivered=data["delivered"],
        on_time=data["on_time"],
        months_late=data.get("months_late") or 0,
        actual_cost_gbp=cost,
        estimate_gbp=estimate,
        variance_gbp=None if estimate is None else cost - estimate,
        benefits_realised=data["benefits_realised"],
        lock_in=data["lock_in"],
        same_again=data["same_again"],
        comment=str(data.get("comment", "")).strip(),
    )


def outcomes_of(record: DecisionRecord) -> list[AuditEvent]:
    """The record's outcome reviews, oldest first (one query)."""
    return list(
        AuditEvent.objects.filter(
            object_type="decision_record", object_id=str(record.pk), action=OUTCOME_ACTION
        ).order_by("seq")
    )


def awaiting_outcome_review(records: DecisionRecordQuerySet) -> DecisionRecordQuerySet:
    """The records without an outcome review: a recorded outcome review is the review, so a
    decision with one is neither due nor overdue for review (the due-for-review list, the
    home pages, the dashboard and the review-by reminders all use this one rule). A filter in
    the same query (NOT EXISTS over the chain's outcome events, by their object index)."""
    reviewed = AuditEvent.objects.filter(
        object_type="decision_record",
        action=OUTCOME_ACTION,
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
    )
    return records.filter(~Exists(reviewed))
