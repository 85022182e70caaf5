"""Dates other features give a decision for review, before its review-by date.

A provider is a function called with today's date that answers, for the cases it knows of (by
case id), the dates that may bring their current decision up for review. Suppliers registers
one in its AppConfig.ready() (contract break points and ends): decisions never imports
suppliers, and the due-for-review list asks every registered provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date

ReviewDatesProvider = Callable[[date], Mapping[int, Iterable[date]]]

_PROVIDERS: list[ReviewDatesProvider] = []


def review_dates_provider_register(provider: ReviewDatesProvider) -> None:
    """Add a provider (once: registering the same function again changes nothing)."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def review_dates(*, today: date) -> dict[int, list[date]]:
    """Every registered provider's dates, merged by case id (sorted, soonest first)."""
    merged: dict[int, list[date]] = {}
    for provider in _PROVIDERS:
        for case_id, dates in provider(today).items():
            merged.setdefault(case_id, []).extend(dates)
    return {case_id: sorted(dates) for case_id, dates in merged.items()}
