"""Reads of a case's parts: its current sign-offs."""

from __future__ import annotations

from sourcing.models import Case, SignOff


def current_signoffs(case: Case) -> dict[str, SignOff]:
    """The latest sign-off per discipline (fresh or stale)."""
    latest: dict[str, SignOff] = {}
    for signoff in case.signoffs.all():
        latest[signoff.discipline] = signoff
    return latest
