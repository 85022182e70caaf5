"""Dates as people type them: the GOV.UK date input pattern (sourcing.dates)."""

from __future__ import annotations

from datetime import date

import pytest

from sourcing.dates import parse_date_parts, parse_date_text

LABEL = "the start date"


def parsed(day: str, month: str, year: str, **options: object):  # type: ignore[no-untyped-def]
    return parse_date_parts(day, month, year, label=LABEL, required=True, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("month", ["4", "04", "Apr", "apr", "April", "APRIL", "Apr.", " april "])
def test_a_month_typed_as_a_number_a_name_or_an_abbreviation_is_accepted(month: str) -> None:
    assert parsed("27", month, "2026").value == date(2026, 4, 27)


def test_sept_ordinals_and_full_width_digits_are_accepted() -> None:
    assert parsed("1st", "Sept", "2026").value == date(2026, 9, 1)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "2026")
    assert parsed("3", "3", full_width).value == date(2026, 3, 3)


def test_only_the_missing_month_is_named_and_highlighted() -> None:
    answer = parsed("27", "", "2026")
    assert (answer.message, answer.wrong) == ("The start date must include a month", ("month",))


def test_two_missing_parts_are_named_together() -> None:
    answer = parsed("", "", "2026")
    assert answer.message == "The start date must include a day and month"
    assert answer.wrong == ("day", "month")


def test_nothing_entered_asks_for_the_date_as_a_whole() -> None:
    answer = parsed("", " ", "")
    assert (answer.message, answer.wrong) == ("Enter the start date", ("day", "month", "year"))
    optional = parse_date_parts("", "", "", label=LABEL)
    assert (optional.value, optional.message) == (None, "")


def test_a_year_without_4_numbers_highlights_the_year() -> None:
    answer = parsed("27", "4", "26")
    assert (answer.message, answer.wrong) == (
        "The start date must include a year of 4 numbers",
        ("year",),
    )


@pytest.mark.parametrize(
    ("day", "month", "year", "wrong"),
    [
        ("32", "4", "2026", ("day",)),
        ("27", "13", "2026", ("month",)),
        ("27", "Aprril", "2026", ("month",)),
        ("0", "4", "2026", ("day",)),
        ("32", "13", "2026", ("day", "month", "year")),  # more than one: the whole date
        ("30", "2", "2026", ("day", "month", "year")),  # the parts cannot go together
        ("27", "4", "0000", ("day", "month", "year")),
        ("27", "4", "year", ("year",)),
    ],
)
def test_a_date_that_cannot_be_right_highlights_the_wrong_part(
    day: str, month: str, year: str, wrong: tuple[str, ...]
) -> None:
    answer = parsed(day, month, year)
    assert (answer.message, answer.wrong) == ("The start date must be a real date", wrong)


@pytest.mark.parametrize(
    ("must_be", "typed", "message"),
    [
        ("past", date(2026, 5, 1), "The start date must be in the past"),
        ("past", date(2026, 4, 27), "The start date must be in the past"),
        ("today_or_past", date(2026, 4, 28), "The start date must be today or in the past"),
        ("future", date(2026, 4, 27), "The start date must be in the future"),
        ("today_or_future", date(2026, 4, 26), "The start date must be today or in the future"),
    ],
)
def test_a_date_on_the_wrong_side_of_today_says_which_side(
    must_be: str, typed: date, message: str
) -> None:
    today = date(2026, 4, 27)
    answer = parsed(str(typed.day), str(typed.month), str(typed.year), must_be=must_be, today=today)
    assert (answer.message, answer.wrong) == (message, ("day", "month", "year"))
    assert parsed("27", "4", "2026", must_be="today_or_past", today=today).value == today


@pytest.mark.parametrize(
    "text", ["27 3 2027", "27/03/2027", "27.3.2027", "27 March 2027", "27 mar 2027", "2027-03-27"]
)
def test_a_date_on_one_line_goes_through_the_same_parser(text: str) -> None:
    assert parse_date_text(text, label="Break point 1").value == date(2027, 3, 27)


def test_a_line_that_is_not_a_date_is_refused() -> None:
    assert parse_date_text("next spring", label="Break point 1").message
    assert parse_date_text("31 2 2027", label="Break point 1").value is None
