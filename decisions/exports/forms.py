"""Form of the exports: department, decision date range (GOV.UK date inputs) and option."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from decisions.engine import OPTIONS
from sourcing.models import Department

# The option filter: any, or one option by its key (the export page lists them).
OPTION_FILTER_CHOICES = [("", "Any"), *[(o, o) for o in OPTIONS]]


class ExportFilterForm(forms.Form):
    """Department, decision date range (GOV.UK date inputs) and option; all optional."""

    department = forms.CharField(required=False)
    option = forms.ChoiceField(required=False, choices=OPTION_FILTER_CHOICES)
    from_day = forms.CharField(required=False, max_length=2)
    from_month = forms.CharField(required=False, max_length=2)
    from_year = forms.CharField(required=False, max_length=4)
    to_day = forms.CharField(required=False, max_length=2)
    to_month = forms.CharField(required=False, max_length=2)
    to_year = forms.CharField(required=False, max_length=4)

    LABELS = {"from": "Decided from", "to": "Decided to"}

    def clean_department(self) -> str:
        code: str = self.cleaned_data["department"].strip()
        if code and not Department.objects.filter(code=code).exists():
            raise forms.ValidationError("Choose a department from the list")
        return code

    def _date(self, prefix: str) -> date | None:
        parts = [
            self.cleaned_data.get(f"{prefix}_{p}", "").strip() for p in ("day", "month", "year")
        ]
        label = self.LABELS[prefix]
        if not any(parts):
            return None
        if not all(parts):
            self.add_error(f"{prefix}_day", f"{label} must include a day, month and year")
            return None
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError
            return date(year, month, day)
        except ValueError:
            self.add_error(f"{prefix}_day", f"{label} must be a real date")
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = self._date("from"), self._date("to")
        if start and end and end < start:
            self.add_error(
                "to_day", "Decided to must be the same as or after the decided from date"
            )
        if end and end > timezone.now().date() + timedelta(days=1):
            self.add_error("to_day", "Decided to must be today or in the past")
        cleaned["date_from"], cleaned["date_to"] = start, end
        return cleaned

    def filters(self) -> dict[str, str]:
        """The validated filter as plain JSON (stored on the export job)."""
        data = self.cleaned_data
        out = {
            "department": data.get("department", ""),
            "option": data.get("option", ""),
            "date_from": data["date_from"].isoformat() if data.get("date_from") else "",
            "date_to": data["date_to"].isoformat() if data.get("date_to") else "",
        }
        return {k: v for k, v in out.items() if v}

    def error_links(self) -> list[tuple[str, str]]:
        """(message, #anchor) pairs for the GOV.UK error summary."""
        anchors = {"to_day": "#to-day", "from_day": "#from-day"}
        return [
            (str(message), anchors.get(name, f"#{name}"))
            for name in self.fields
            for message in self.errors.get(name, [])
        ]
