"""Every write of the Centre of Excellence review: approve (or override), return, reject, and
reopen an approved decision; four eyes; the default review-by date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from decisions.assessments.selectors import current_assessment
from decisions.audit.services import audit_on
from decisions.cases.selectors import RETURN_TASKS, current_signoffs
from decisions.cases.services import case_move
from decisions.engine import OPTIONS
from decisions.presenter import date_text, decision_text
from decisions.records.content import Decision
from decisions.records.models import DecisionAction, DecisionRecord
from decisions.records.pdf import pdf_outbox_add
from decisions.records.services import record_issue
from sourcing.errors import Blocker, TransitionRefused, ValidationFailed
from sourcing.models import (
    Case,
    CaseStatus,
    CaseStatusChange,
    NotificationKind,
    Role,
    SignOff,
    User,
)
from sourcing.notifications import notify
from sourcing.questionnaire import OPTION_LABELS

ACTIONS = ("approve", "return", "reject")
RATIONALE_MAX = 10000


# How long until a decision is looked at again, by criticality (years), capped by the budget's life.
REVIEW_YEARS = {"critical": 1, "high": 2, "medium": 3, "low": 3}


def default_review_by(answers: dict[str, Any], decided_at: datetime) -> date:
    """Review-by date from the criticality and the length of the budget (contract)."""
    years = REVIEW_YEARS.get(str(answers.get("criticality")), 3)
    life = answers.get("whole_life_years")
    if isinstance(life, int) and life > 0:
        years = min(years, life)
    day = decided_at.date()
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# Codes of the four-eyes blockers (Blocker.code); each concerns the reviewer.
NOT_A_REVIEWER = "not_a_reviewer"
OWN_DEPARTMENT = "own_department"
OWN_CASE = "own_case"
SIGNED_OFF = "signed_off"


def review_blockers(
    case: Case, reviewer: User, *, signoffs: Iterable[SignOff] | None = None
) -> list[Blocker]:
    """Why this reviewer may not decide this case (four eyes); empty when they may.
    `signoffs`: every sign-off of the case (decisions.cases.selectors.case_signoffs), when the
    caller has read them; else they are asked of the database."""
    blockers = []
    if reviewer.role != Role.REVIEWER:
        blockers.append(
            Blocker(
                NOT_A_REVIEWER, "reviewer", "Only a Centre of Excellence reviewer can review cases."
            )
        )
    if reviewer.department_id is not None and reviewer.department_id == case.department_id:
        blockers.append(
            Blocker(OWN_DEPARTMENT, "reviewer", "You cannot review a case of your own department.")
        )
    if case.owner_id == reviewer.pk:
        blockers.append(Blocker(OWN_CASE, "reviewer", "You cannot review your own case."))
    if (
        any(s.recorded_by_id == reviewer.pk for s in signoffs)
        if signoffs is not None
        else SignOff.objects.filter(case=case, recorded_by=reviewer).exists()
    ):
        blockers.append(
            Blocker(
                SIGNED_OFF,
                "reviewer",
                "You recorded a sign-off on this case, so someone else must review it.",
            )
        )
    return blockers


def review_problems(
    *,
    action: Any,
    rationale: Any,
    option: Any,
    recommended: str | None = None,
    review_by: date | None = None,
    today: date | None = None,
    sections: Any = None,
) -> dict[str, list[str]]:
    """Every problem with a decision's fields, by field (action, option, rationale, review_by),
    all at once: the decision form and the API report them in one round and review_decide
    refuses with them. Fields of any type as sent; each field is refused once.

    Without `recommended` (the assessment's recommendation, "" when nothing was viable), only
    what needs no case is checked: the action, the option, the reasons (their length, and
    that returning or rejecting gives them) and that the review-by date is in the future.
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(action, str) or action not in ACTIONS:
        errors["action"] = ["Action must be approve, return or reject"]
    if not isinstance(rationale, str) or len(rationale) > RATIONALE_MAX or "\x00" in rationale:
        errors["rationale"] = [
            f"Reasons must be text of {RATIONALE_MAX} characters or fewer, without null characters"
        ]
        rationale = ""
    if option is not None and (not isinstance(option, str) or option not in OPTIONS):
        errors["option"] = [f"Option must be one of: {', '.join(OPTIONS)}"]
    if sections is not None and (
        not isinstance(sections, list)
        or not all(isinstance(t, str) and t in RETURN_TASKS for t in sections)
    ):
        errors["sections"] = [
            "Sections must be a list of the case's tasks: " + ", ".join(RETURN_TASKS)
        ]
    rationale = rationale.strip()
    if action in ("return", "reject") and not rationale and "rationale" not in errors:
        verb = "returning" if action == "return" else "rejecting"
        errors["rationale"] = [f"Enter your reasons for {verb} the case"]
    # A rejection stores no review-by date; one sent with it must still be a sensible date.
    if action != "return" and review_by is not None and review_by <= (today or date.today()):
        errors["review_by"] = ["Review-by date must be in the future"]
    if recommended is None or action != "approve" or "option" in errors:
        return errors
    decided = option or recommended
    if not decided:
        errors["option"] = ["Nothing was viable: choose the option to approve"]
    elif decided != recommended and not rationale and "rationale" not in errors:
        errors["rationale"] = [
            f"Enter why you chose {OPTION_LABELS.get(decided, decided)} instead of the "
            f"recommended {OPTION_LABELS.get(recommended, recommended)}"
        ]
    return errors


@transaction.atomic
def review_decide(
    *,
    case: Case,
    by: User,
    action: str,
    rationale: str = "",
    option: str | None = None,
    review_by: date | None = None,
    sections: list[str] | None = None,
) -> DecisionRecord | None:
    """Decide a submitted case; approval and rejection issue a record in the same transaction.
    A return may name the tasks that need changes (`sections`: RETURN_TASKS keys); the case
    page marks them "Needs changes".

    A second, concurrent decision on the same case waits for the row lock and then finds the
    case no longer submitted: it is refused, so there is never more than one decision.
    """
    basic = review_problems(action=action, rationale=rationale, option=option, sections=sections)
    if basic:
        raise ValidationFailed(basic)
    rationale = rationale.strip()
    # OF self: lock the case row only, never its department and owner (every approval in a
    # department would otherwise wait for the one before it, and so would the workers).
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("department", "owner")
        .get(pk=case.pk)
    )
    if case.status != CaseStatus.SUBMITTED:
        raise TransitionRefused(
            f"This case is {case.get_status_display().lower()}, not awaiting review: "
            "it may have been decided by someone else already."
        )
    blockers = review_blockers(case, by)
    if blockers:
        raise TransitionRefused(" ".join(b.message for b in blockers), blockers=tuple(blockers))
    assessment = current_assessment(case)
    if assessment is None:
        raise TransitionRefused("The case has no assessment of its current answers.")
    recommended = assessment.result.get("recommended") or ""
    now = timezone.now()
    problems = review_problems(
        action=action,
        rationale=rationale,
        option=option,
        recommended=recommended,
        review_by=review_by,
        today=now.date(),
    )
    if problems:
        raise ValidationFailed(problems)
    if action == "return":
        named = [t for t in RETURN_TASKS if t in (sections or [])]
        case_move(case, by=by, to=CaseStatus.RETURNED, comment=rationale, sections=named)
        if named:
            audit_on("case", case.pk, "case.returned", by, comments=rationale, sections=named)
        else:
            audit_on("case", case.pk, "case.returned", by, comments=rationale)
        notify(
            NotificationKind.CASE_RETURNED,
            to=[case.owner],
            case=case,
            link=reverse("case_detail", args=[case.reference]),
            context={"comments": rationale},
        )
        return None
    decided = option or recommended
    overridden = action == "approve" and decided != recommended
    # A rejection has nothing to review: no review-by date.
    due = (review_by or default_review_by(assessment.answers, now)) if action == "approve" else None
    to = CaseStatus.APPROVED if action == "approve" else CaseStatus.REJECTED
    case_move(case, by=by, to=to, comment=rationale)
    supersedes = (
        DecisionRecord.objects.filter(case=case, superseded_by__isnull=True)
        .order_by("-seq")
        .first()
    )
    record = record_issue(
        Decision(
            case=case,
            assessment=assessment,
            reviewer=by,
            action=DecisionAction.APPROVE if action == "approve" else DecisionAction.REJECT,
            decided_option=decided if action == "approve" else "",
            rationale=rationale,
            decided_at=now,
            review_by=due,
            supersedes=supersedes,
        )
    )
    # The PDF outbox row is written with the record, so a broker outage delays it, never loses it.
    pdf_outbox_add(record)
    event = "case.overridden" if overridden else f"case.{to}"
    audit_on(
        "case",
        case.pk,
        event,
        by,
        option=decided if action == "approve" else None,
        recommended=recommended or None,
        rationale=rationale,
    )
    audit_on(
        "decision_record",
        record.pk,
        "record.issued",
        by,
        reference=record.reference,
        record_sha256=record.record_sha256,
        previous_sha256=record.previous_sha256,
    )
    notify(
        NotificationKind.CASE_APPROVED if action == "approve" else NotificationKind.CASE_REJECTED,
        to=decision_recipients(case),
        case=case,
        link=reverse("record_detail", args=[record.pk]),
        context={
            "comments": rationale,
            "decision": decision_text(action, decided),
            "review_by": date_text(due),
        },
    )
    return record


def decision_recipients(case: Case) -> list[User]:
    """Who is told of a decision: the case's owner and the signatories of its current
    sign-offs who signed in as themselves (notify emails each address once)."""
    signed = [s.signatory for s in current_signoffs(case).values() if s.signatory is not None]
    return [case.owner, *signed]


# How long after a decision the same reviewer's identical decision is read as a repeat of it (a
# double click, a browser sending the form again) rather than a second decision.
REPEAT_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class ReviewDecision:
    """What a reviewer decided, as review_decide takes it (its keyword arguments but the case
    and the reviewer): compared with the last decision by review_repeat."""

    action: str
    rationale: str = ""
    option: str | None = None
    review_by: date | None = None
    sections: list[str] | None = None


@dataclass(frozen=True)
class RepeatedDecision:
    """The decision a repeated submission already made: its record (None for a return)."""

    record: DecisionRecord | None


def review_repeat(*, case: Case, by: User, decision: ReviewDecision) -> RepeatedDecision | None:
    """Server-side idempotency of the decision form: when review_decide refused a decision
    because the case is no longer submitted, whether it was this same reviewer's same decision
    (action, option, reasons, the tasks a return names) made in the last REPEAT_WINDOW, as
    when an approve button was pressed twice: the second request waits for the first's row
    lock, then is answered with the first one's result. None otherwise (someone else
    decided, or differently)."""
    action, option, review_by = decision.action, decision.option, decision.review_by
    rationale, sections = decision.rationale, decision.sections
    last = case.status_changes.order_by("-at", "-pk").first()
    to = {"approve": CaseStatus.APPROVED, "reject": CaseStatus.REJECTED}.get(
        action, CaseStatus.RETURNED if action == "return" else None
    )
    if (
        not isinstance(last, CaseStatusChange)
        or to is None
        or last.to_status != to
        or last.by_id != by.pk
        or last.comment != rationale.strip()
        or timezone.now() - last.at > REPEAT_WINDOW
    ):
        return None
    if action == "return":
        named = [t for t in RETURN_TASKS if t in (sections or [])]
        return RepeatedDecision(record=None) if last.sections == named else None
    record = (
        DecisionRecord.objects.filter(case=case, superseded_by__isnull=True)
        .order_by("-seq")
        .first()
    )
    if record is None or record.decided_by_id != by.pk or record.action != action:
        return None
    if action == "approve" and option and record.decided_option != option:
        return None
    if action == "approve" and review_by is not None and record.review_by != review_by:
        return None
    return RepeatedDecision(record=record)


@transaction.atomic
def review_reopen(*, case: Case, by: User, reason: str) -> Case:
    """Open an approved decision for review again; its next record will supersede the old one."""
    if by.role != Role.REVIEWER:
        raise TransitionRefused("Only a Centre of Excellence reviewer can reopen a decision.")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed({"reason": ["Enter why the decision is being reviewed again"]})
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.APPROVED:
        # Only a decision is reopened: never a department's draft (that would submit it).
        raise TransitionRefused("Only an approved decision can be reopened for review.")
    case_move(case, by=by, to=CaseStatus.SUBMITTED, comment=reason.strip())
    audit_on("case", case.pk, "case.reopened", by, reason=reason.strip())
    return case
