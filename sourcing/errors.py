"""Errors the services raise; pages and the API turn them into messages and statuses."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the errors a service refuses with."""


class ValidationFailed(ServiceError):
    """Bad input: every problem, keyed by field (a questionnaire key or a case field)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


class TransitionRefused(ServiceError):
    """The case's state does not allow this (409 in the API)."""
