"""Money as people type it (sourcing.money)."""

from __future__ import annotations

import pytest

from sourcing.money import parse_pounds

LABEL = "the contract value"


@pytest.mark.parametrize(
    "typed",
    [
        "250000",
        "250,000",
        "250 000",
        "250\u00a0000",  # no-break space, as spreadsheets and word processors write it
        "250\u202f000",  # narrow no-break space
        "£250,000",
        "£ 250,000",
        "250,000.00",
        "£250,000.0",
        " 250000 ",
        "\uff12\uff15\uff10\uff10\uff10\uff10",  # full-width digits
    ],
)
def test_amounts_as_people_type_them_are_whole_pounds(typed: str) -> None:
    assert parse_pounds(typed, label=LABEL).pounds == 250_000


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the contract value"),
        ("  ", "Enter the contract value"),
        ("250,000.50", "The contract value must be in whole pounds, like 250,000"),
        ("99.9", "The contract value must be in whole pounds, like 250,000"),
        ("two hundred", "The contract value must be a number, like 250,000"),
        ("250k", "The contract value must be a number, like 250,000"),
        ("1e6", "The contract value must be a number, like 250,000"),
        ("250.000.00", "The contract value must be a number, like 250,000"),
        ("-5", "The contract value must be £0 or more"),
        ("-£5", "The contract value must be £0 or more"),
        ("1,000,000,000,001", "The contract value must be £1,000,000,000,000 or less"),
        ("9" * 5000, "The contract value must be a number, like 250,000"),
    ],
)
def test_anything_else_gets_the_govuk_message(typed: str, message: str) -> None:
    answer = parse_pounds(typed, label=LABEL)
    assert (answer.pounds, answer.message) == (None, message)


def test_an_optional_amount_may_be_left_empty() -> None:
    assert parse_pounds("", label=LABEL, required=False) == parse_pounds(
        None, label=LABEL, required=False
    )
    assert parse_pounds("", label=LABEL, required=False).message == ""
