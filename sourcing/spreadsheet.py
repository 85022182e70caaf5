"""CSV cells a spreadsheet will not run: text starting with a formula trigger (= + - @, tab,
carriage return) is prefixed with a quote (OWASP, "CSV injection"); numbers stay numbers."""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A value as a CSV cell: None empty, booleans yes/no, numbers as they are (a negative
    number is no formula: "-20000" stays a number), text starting with a formula trigger
    neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
