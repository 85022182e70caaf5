"""The signed-in home page: what waits for this person, with counts, by role.

- department commercial user: cases to finish (their drafts), returned cases (with the
  reviewer's latest comments), sign-offs requested of them, decisions of their department due
  for review;
- Centre of Excellence reviewer: cases to review, oldest submission first with days waiting,
  and decisions due for review;
- auditor: the latest decision records and the latest signed head of the chain (to verify);
- ruleset steward: drafts to publish.

It sits in the composition root (it reads cases, reviews, records and rulesets); each list is a
count and its first TODO_ROWS rows, in a constant number of queries whatever their length, and
reads only the columns the page shows (not the cases' answers and explanations, nor the
records' content).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from decisions.cases.selectors import drafts_of, returned_cases, signoff_requests_for
from decisions.integrity.selectors import latest_signed_head
from decisions.records.selectors import latest_records
from decisions.review.selectors import approvals_due, submitted_waiting
from decisions.rulesets.selectors import ruleset_drafts_listed
from sourcing.access import signed_in_user
from sourcing.compiled_sql import compiled
from sourcing.models import Discipline, Role, User

TODO_ROWS = 10


def _listed(
    key: tuple[Any, ...],
    build: Callable[..., QuerySet[Any]],
    *columns: str,
    params: dict[str, Any] | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """The count and the first TODO_ROWS rows of a queryset, in one query (each row carries the
    count of the whole list, COUNT(*) OVER (), computed after any grouping, so no rows means
    none): the columns given, as dicts (`values()`). Its SQL is built and compiled once per
    process for `key`, which names what the queryset's SQL is built from, `build(**params)`
    taking the ids it is filtered by as parameters (sourcing.compiled_sql: the query still
    runs on every call)."""
    listed = compiled(
        key,
        lambda **values: (
            build(**values).values(*columns).annotate(listed_total=Window(Count("*")))[:TODO_ROWS]
        ),
        params=params or {},
    ).dicts()
    return (listed[0]["listed_total"] if listed else 0), listed


def _signoffs_waiting(user: User) -> tuple[int, list[dict[str, Any]]]:
    """Sign-offs requested of the person (decisions.cases.selectors.signoff_requests_for): the
    count and the first rows, each with its case, discipline and the page where they decide."""
    count, waiting = _listed(
        ("home-signoffs",),
        lambda user_id, department_id: signoff_requests_for(
            User(pk=user_id, department_id=department_id)  # the ids alone: built from them
        ).select_related(None),
        "pk",
        "discipline",
        "case__reference",
        "case__title",
        params={"user_id": user.pk, "department_id": user.department_id},
    )
    rows = [
        {
            "case": {"reference": row["case__reference"], "title": row["case__title"]},
            "discipline": Discipline(row["discipline"]).label,
            "url": reverse("signoff_request_detail", args=[row["pk"]]),
        }
        for row in waiting
    ]
    return count, rows


def _commercial(user: User) -> dict[str, Any]:
    department = user.department_id or 0  # a commercial user always has one
    today = timezone.localdate()
    due_count, due = _listed(
        ("home-due", today),  # today: the SQL holds a day computed from it
        lambda department_id: approvals_due(today=today, department_id=department_id),
        "pk",
        "review_by",
        "case__reference",
        "case__title",
        params={"department_id": department},
    )
    return {
        "drafts": _listed(
            ("home-drafts",),
            lambda user_id, department_id: drafts_of(
                User(pk=user_id), department_id
            ).select_related(None),
            "reference",
            "title",
            "updated_at",
            params={"user_id": user.pk, "department_id": department},
        ),
        "returned": _listed(
            ("home-returned",),
            returned_cases,
            "reference",
            "title",
            "returned_at",
            params={"department_id": department},
        ),
        "signoffs": _signoffs_waiting(user),
        "due": (
            due_count,
            [
                {
                    "pk": row["pk"],
                    "review_by": row["review_by"],
                    "case": {"reference": row["case__reference"], "title": row["case__title"]},
                }
                for row in due
            ],
        ),
        "today": today,
    }


def _reviewer(user: User) -> dict[str, Any]:
    count, cases = _listed(
        ("home-review", user.role),  # which cases a role sees is the SQL's shape
        lambda department_id: submitted_waiting(User(role=user.role, department_id=department_id)),
        "reference",
        "title",
        "department__name",
        "submitted_at",
        params={"department_id": user.department_id},
    )
    now = timezone.now()
    rows = [
        {
            "case": {
                "reference": case["reference"],
                "title": case["title"],
                "department": {"name": case["department__name"]},
            },
            "days": (now - case["submitted_at"]).days if case["submitted_at"] else 0,
        }
        for case in cases
    ]
    today = timezone.localdate()
    due_count, _ = _listed(("home-due-all", today), lambda: approvals_due(today=today), "pk")
    return {"to_review": (count, rows), "due_count": due_count}


def _auditor() -> dict[str, Any]:
    count, records = _listed(
        ("home-records",),
        latest_records,
        "pk",
        "reference",
        "title",
        "department__name",
        "decided_at",
    )
    rows = [
        {
            "pk": record["pk"],
            "reference": record["reference"],
            "title": record["title"],
            "department": {"name": record["department__name"]},
            "decided_at": record["decided_at"],
        }
        for record in records
    ]
    return {"records": (count, rows), "head": latest_signed_head()}


def _steward() -> dict[str, Any]:
    return {
        "ruleset_drafts": _listed(
            ("home-ruleset-drafts",), ruleset_drafts_listed, "version", "created_at"
        )
    }


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
