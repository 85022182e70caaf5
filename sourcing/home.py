"""The signed-in home page: what waits for this person, with counts, by role.

- department commercial user: cases to finish (their drafts), returned cases (with the
  reviewer's latest comments), sign-offs requested of them, decisions of their department due
  for review;
- Centre of Excellence reviewer: cases to review, oldest submission first with days waiting,
  and decisions due for review;
- auditor: the latest decision records and the latest signed head of the chain (to verify);
- ruleset steward: drafts to publish.

It sits in the composition root (it reads cases, reviews, records and rulesets); each list is a
count and its first TODO_ROWS rows, in a constant number of queries whatever their length.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from decisions.cases.selectors import signoff_requests_for
from decisions.integrity.models import SignedHead
from decisions.records.models import DecisionRecord
from decisions.review.selectors import DUE_WITHIN_DAYS, queue_cases
from decisions.rulesets.models import Ruleset
from sourcing.access import signed_in_user
from sourcing.models import Case, CaseStatus, Role, User

TODO_ROWS = 10


def _counted(queryset: QuerySet[Any], rows: int = TODO_ROWS) -> tuple[int, list[Any]]:
    """The count and the first rows of a queryset (two queries)."""
    return queryset.count(), list(queryset[:rows])


def _signoffs_waiting(user: User) -> tuple[int, list[dict[str, Any]]]:
    """Sign-offs requested of the person (decisions.cases.selectors.signoff_requests_for): the
    count and the first rows, each with its case, discipline and the page where they decide."""
    count, waiting = _counted(signoff_requests_for(user))
    rows = [
        {
            "case": request.case,
            "discipline": request.get_discipline_display(),
            "url": reverse("signoff_request_detail", args=[request.pk]),
        }
        for request in waiting
    ]
    return count, rows


def _commercial(user: User) -> dict[str, Any]:
    department = user.department_id or 0  # a commercial user always has one
    mine = Case.objects.filter(owner=user, department_id=department).select_related("department")
    drafts = mine.filter(status=CaseStatus.DRAFT).order_by("-updated_at", "-pk")
    returned = (
        Case.objects.filter(department_id=department, status=CaseStatus.RETURNED)
        .annotate(
            returned_at=Max(
                "status_changes__at", filter=Q(status_changes__to_status=CaseStatus.RETURNED)
            )
        )
        .order_by("returned_at", "pk")
    )
    today = timezone.localdate()
    due = (
        DecisionRecord.objects.current_approvals()
        .filter(
            department_id=department,
            case__status=CaseStatus.APPROVED,
            review_by__lte=today + timedelta(days=DUE_WITHIN_DAYS),
        )
        .defer("content")
        .select_related("case")
        .order_by("review_by", "pk")
    )
    return {
        "drafts": _counted(drafts),
        "returned": _counted(returned),
        "signoffs": _signoffs_waiting(user),
        "due": _counted(due),
        "today": today,
    }


def _reviewer(user: User) -> dict[str, Any]:
    waiting = queue_cases(user).filter(status=CaseStatus.SUBMITTED)
    count, cases = _counted(waiting)
    now = timezone.now()
    rows = [
        {"case": case, "days": (now - case.submitted_at).days if case.submitted_at else 0}
        for case in cases
    ]
    today = timezone.localdate()
    due = DecisionRecord.objects.current_approvals().filter(
        case__status=CaseStatus.APPROVED, review_by__lte=today + timedelta(days=DUE_WITHIN_DAYS)
    )
    return {"to_review": (count, rows), "due_count": due.count()}


def _auditor() -> dict[str, Any]:
    records = (
        DecisionRecord.objects.summaries()
        .select_related("department")
        .order_by("-decided_at", "-pk")
    )
    return {"records": _counted(records), "head": SignedHead.objects.order_by("-seq").first()}


def _steward() -> dict[str, Any]:
    drafts = (
        Ruleset.objects.filter(published_at__isnull=True)
        .defer("content", "golden_result")
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )
    return {"ruleset_drafts": _counted(drafts)}


TODOS: dict[str, Callable[[User], dict[str, Any]]] = {
    Role.COMMERCIAL: _commercial,
    Role.REVIEWER: _reviewer,
    Role.AUDITOR: lambda user: _auditor(),
    Role.STEWARD: lambda user: _steward(),
}


def home(request: HttpRequest) -> HttpResponse:
    """The signed-in home page: what this role can do, and what waits for them (counts and the
    first rows of each list)."""
    user = signed_in_user(request)
    todo = TODOS.get(user.role)
    context = {
        "role": user.get_role_display(),
        "waiting_for_role": user.role == Role.NONE,
        "todo": todo(user) if todo else {},
    }
    return render(request, "sourcing/home.html", context)
