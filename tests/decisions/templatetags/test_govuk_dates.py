"""Pages write dates and moments as the presenter does (GOV.UK style), never Django's "a.m."."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.template import Context, Template

from sourcing.models import User


def _render(text: str, **values: object) -> str:
    return Template("{% load govuk_dates %}" + text).render(Context(values))


def test_a_moment_reads_like_8_05am_in_the_service_s_time_zone_and_a_day_in_full() -> None:
    winter = datetime(2026, 11, 30, 8, 5, tzinfo=UTC)
    summer = datetime(2027, 6, 1, 11, 0, tzinfo=UTC)  # 12pm in London (BST)
    shown = _render(
        "{{ w|moment_text }} | {{ s|moment_text }} | {{ d|date_text }} | {{ w|date_text }}",
        w=winter,
        s=summer,
        d=date(2026, 11, 30),
    )
    assert shown == (
        "30 November 2026, 8:05am GMT | 1 June 2027, 12pm BST | 30 November 2026 | 30 November 2026"
    )
    assert "a.m." not in shown and "p.m." not in shown


def test_nothing_to_show_is_an_empty_string() -> None:
    assert _render("[{{ none|date_text }}][{{ none|moment_text }}]", none=None) == "[][]"


def test_a_person_reads_by_full_name_else_username_and_no_one_takes_the_default() -> None:
    named = User(username="alice", first_name="Alice", last_name="Adams")
    unnamed = User(username="bob")
    shown = _render(
        '{{ a|person_text }} | {{ b|person_text }} | {{ none|person_text|default:"the system" }}',
        a=named,
        b=unnamed,
        none=None,
    )
    assert shown == "Alice Adams | bob | the system"


def test_an_amount_reads_in_pounds_with_separators_or_not_answered() -> None:
    shown = _render("{{ a|money_text }} | {{ none|money_text }}", a=1_200_000, none=None)
    assert shown == "£1,200,000 | Not answered"
