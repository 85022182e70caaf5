"""Reads of cases: those a user may see on the department's pages, and a case's current
sign-offs."""

from __future__ import annotations

from sourcing.access import scoped_to_department
from sourcing.models import Case, CaseQuerySet, SignOff, User


def cases_visible(user: User) -> CaseQuerySet:
    """The cases the user may see (Case.objects.visible_to), kept to their own department for
    a department's user (sourcing.access.scoped_to_department)."""
    return scoped_to_department(Case.objects.visible_to(user), user)


def current_signoffs(case: Case) -> dict[str, SignOff]:
    """The latest sign-off per discipline (fresh or stale)."""
    latest: dict[str, SignOff] = {}
    for signoff in case.signoffs.all():
        latest[signoff.discipline] = signoff
    return latest
