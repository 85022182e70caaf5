"""Errors the services raise; pages and the API turn them into messages and statuses."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Blocker:
    """One thing that stops an action: a stable `code` pages and clients route by, what it
    `concerns` (a field, a policy check, a sign-off's discipline or a task), and the `message`
    people read. Codes never change with the wording."""

    code: str
    concerns: str
    message: str


class ServiceError(Exception):
    """Base of the errors a service refuses with."""


class ValidationFailed(ServiceError):
    """Bad input: every problem, keyed by field (a questionnaire key or a case field)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


class TransitionRefused(ServiceError):
    """The case's state does not allow this (409 in the API); `blockers` says why, item by
    item, when the refusal has them."""

    def __init__(self, message: str, blockers: tuple[Blocker, ...] = ()) -> None:
        self.blockers = blockers
        super().__init__(message)
