"""Form plumbing every feature uses: GOV.UK date inputs, department and option choices, error
summary links."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms

from decisions.engine.schema import OPTIONS
from sourcing.models import Department
from sourcing.questionnaire import OPTION_LABELS

OPTION_CHOICES = [(o, OPTION_LABELS[o]) for o in OPTIONS]


DATE_PARTS = ("day", "month", "year")


def set_choices(form: forms.BaseForm, name: str, choices: Iterable[tuple[str, str]]) -> None:
    """Give the form's choice field `name` (a ChoiceField or one of its subclasses) the choices
    known only when the form is built; TypeError if `name` is another kind of field."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name!r} is a {type(field).__name__}, not a choice field")
    field.choices = list(choices)


def department_choices() -> list[tuple[str, str]]:
    """Every department by code, for filters (one query)."""
    return [("", "All departments"), *Department.objects.values_list("code", "name")]


def parse_date(data: dict[str, Any], prefix: str, label: str) -> tuple[date | None, str]:
    """A date from a GOV.UK date input's three parts: (date or None, error message or "")."""
    parts = [str(data.get(f"{prefix}_{p}") or "").strip() for p in DATE_PARTS]
    if not any(parts):
        return None, ""
    if not all(parts):
        missing = [p for p, value in zip(DATE_PARTS, parts, strict=True) if not value]
        return None, f"{label} must include a {' and '.join(missing)}"
    if not all(p.isascii() and p.isdigit() for p in parts):
        return None, f"{label} must be a real date"
    day, month, year = (int(p) for p in parts)
    if year < 1000 or year > 9999:
        return None, f"{label} must include a year with 4 numbers"
    try:
        return date(year, month, day), ""
    except ValueError:
        return None, f"{label} must be a real date"


class DateInputMixin(forms.Form):
    """Adds day, month and year fields for each named date and checks them together."""

    DATES: dict[str, str] = {}  # prefix -> label used in error messages

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for prefix in self.DATES:
            for part in DATE_PARTS:
                self.fields[f"{prefix}_{part}"] = forms.CharField(required=False, max_length=10)
        self.dates: dict[str, date | None] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for prefix, label in self.DATES.items():
            value, error = parse_date(cleaned, prefix, label)
            if error:
                self.add_error(f"{prefix}_day", error)
            self.dates[prefix] = value
        return cleaned

    def date_parts(self, prefix: str) -> dict[str, Any]:
        """Bound day, month and year fields, for the date input include."""
        return {part: self[f"{prefix}_{part}"] for part in DATE_PARTS}


def error_links(form: forms.Form, anchors: dict[str, str]) -> list[tuple[str, str]]:
    """(message, anchor) pairs of a form's errors for the GOV.UK error summary: a field links
    to `anchors[name]`, else to `#name`; errors of the whole form to the main content."""
    pairs = [
        (str(message), anchors.get(name, f"#{name}"))
        for name in form.fields
        for message in form.errors.get(name, [])
    ]
    pairs += [(str(message), "#main-content") for message in form.non_field_errors()]
    return pairs
