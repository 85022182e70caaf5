"""Reads of cases: those a user may see on the department's pages, and a case's current
sign-offs."""

from __future__ import annotations

from typing import Any

from sourcing.access import scoped_to_department
from sourcing.models import Case, CaseQuerySet, SignOff


def cases_visible(user: Any) -> CaseQuerySet:
    """The cases the user may see (Case.objects.visible_to), kept to their own department for
    a department's user (sourcing.access.scoped_to_department)."""
    return scoped_to_department(Case.objects.visible_to(user), user)


def case_visible(user: Any, pk: int) -> Case | None:
    """A case the user may see, with its department and owner (as the API shows a case), or
    None."""
    return cases_visible(user).select_related("department", "owner").filter(pk=pk).first()


def case_shown(pk: int) -> Case:
    """A case read afresh after a change, with its department and owner (DoesNotExist if none)."""
    return Case.objects.select_related("department", "owner").get(pk=pk)


def current_signoffs(case: Case) -> dict[str, SignOff]:
    """The latest sign-off per discipline (fresh or stale)."""
    latest: dict[str, SignOff] = {}
    for signoff in case.signoffs.all():
        latest[signoff.discipline] = signoff
    return latest
