"""CSV cells a spreadsheet will not run: text starting with a formula trigger (= + - @, tab,
carriage return) is prefixed with a quote (OWASP, "CSV injection"); numbers stay numbers; and CSV
downloads made of such cells."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

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


def csv_download(
    filename: str, header: Sequence[str], rows: Iterable[Iterable[Any]]
) -> HttpResponse:
    """A CSV file to download (UTF-8, attachment named `filename`): the header, then each row
    with every cell through safe_cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
