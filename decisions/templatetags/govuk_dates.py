"""Template filters for what the one presenter (decisions.presenter) says of dates, moments,
amounts and people, so pages never use Django's own "a.m." formats nor build names or "£"
themselves: `{% load govuk_dates %}`, then `{{ day|date_text }}` ("30 November 2026"),
`{{ moment|moment_text }}` ("30 November 2026, 8:05am GMT", in the service's time zone),
`{{ pounds|money_text }}` ("£1,200,000") and `{{ user|person_text }}` ("Alice Adams", or the
username of someone with no name)."""

from __future__ import annotations

from datetime import date, datetime

from django import template

from decisions.presenter import date_text as _date_text
from decisions.presenter import moment_text as _moment_text
from decisions.presenter import money_text as _money_text
from sourcing.people.names import Named, user_text

register = template.Library()


@register.filter
def date_text(value: str | date | datetime | None) -> str:
    """A day: "30 November 2026"; "" when there is none."""
    return _date_text(value)


@register.filter
def moment_text(value: str | datetime | None) -> str:
    """A moment with its time and zone: "30 November 2026, 8:05am GMT"; "" when there is none."""
    return _moment_text(value)


@register.filter
def money_text(value: int | None) -> str:
    """Whole pounds with separators: "£1,200,000"; "Not answered" when there is none."""
    return _money_text(value)


@register.filter
def person_text(user: Named | None) -> str:
    """A user by their full name, or their username when they have none; "" for no user (so
    `|default:"the system"` names a system action)."""
    return user_text(user)
