"""Companies House numbers as people and spreadsheets type them (suppliers.company_numbers)."""

from __future__ import annotations

import pytest

from suppliers.company_numbers import PREFIXES, company_number_normalise


def full_width(text: str) -> str:
    """ASCII letters and digits as their full-width forms (U+FF01 onwards)."""
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


@pytest.mark.parametrize(
    "number",
    [
        "01234567",
        "SC123456",
        "NI012345",
        "OC301234",
        "SO301234",
        "NC001234",
        "R0000123",
        "IP012345",
        "SP001234",
        "RS007123",
        "LP012345",
        "SL012345",
        "SE000123",
        "FC012345",
        "GE000123",
        "NI01234A",
        "SL01234A",
        "RS00712R",
        "RS007CUS",
        "OC30123C",
    ],
)
def test_the_real_companies_house_forms_are_accepted(number: str) -> None:
    assert company_number_normalise(number).number == number
    assert company_number_normalise(f" {number.lower()[:4]} {number.lower()[4:]} ").number == number


def test_every_prefix_is_two_characters() -> None:
    assert all(len(p) == 2 for p in PREFIXES) and {"SC", "NI", "OC", "R0", "FC"} <= set(PREFIXES)


@pytest.mark.parametrize("typed", ["1234567", "123", "9"])
def test_all_digit_numbers_a_spreadsheet_shortened_are_padded_with_a_note(typed: str) -> None:
    checked = company_number_normalise(typed)
    assert checked.number == typed.zfill(8) and checked.error == ""
    assert "spreadsheets drop leading zeros" in checked.note


def test_full_width_digits_are_the_ascii_number_not_a_look_alike() -> None:
    assert company_number_normalise(full_width("09120001")).number == "09120001"
    assert company_number_normalise(full_width("SC123456")).number == "SC123456"


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("XY123456", "XY is not a Companies House prefix"),
        ("SC12345", "has 7"),
        ("123456789", "has 9"),
        ("SC12345X", "Enter a Companies House number"),
        ("S\u0421123456", "letters A to Z and the digits 0 to 9 only"),  # a Cyrillic Es
        ("\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667", "digits 0 to 9 only"),
        ("1.23457E+07", "scientific notation"),
        ("", "Enter the company number"),
    ],
)
def test_anything_else_is_refused_saying_why(typed: str, words: str) -> None:
    checked = company_number_normalise(typed)
    assert checked.number == "" and words in checked.error
