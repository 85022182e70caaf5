"""CSV cells a spreadsheet will not run: text starting with a formula trigger (= + - @, tab,
carriage return) is prefixed with a quote (OWASP, "CSV injection")."""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """A value as a CSV cell: None empty, booleans yes/no, a formula trigger neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
