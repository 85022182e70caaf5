"""Template filters for dates and moments in GOV.UK style, from the one presenter
(decisions.presenter.date_text and moment_text), so pages never use Django's own "a.m."
formats: `{% load govuk_dates %}`, then `{{ day|date_text }}` ("30 November 2026") and
`{{ moment|moment_text }}` ("30 November 2026, 8:05am GMT", in the service's time zone)."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from decisions.presenter import date_text as _date_text
from decisions.presenter import moment_text as _moment_text

register = template.Library()


@register.filter
def date_text(value: str | date | datetime | None) -> str:
    """A day: "30 November 2026"; "" when there is none."""
    return _date_text(value)


@register.filter
def moment_text(value: str | datetime | None) -> str:
    """A moment with its time and zone: "30 November 2026, 8:05am GMT"; "" when there is none."""
    return _moment_text(value)
