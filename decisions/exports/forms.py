"""Form of the exports: department, decision date range (GOV.UK date inputs) and option."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from decisions.engine import OPTIONS
from sourcing.dates import DateInputsMixin, DateSpec
from sourcing.models import Department

# The option filter: any, or one option by its key (the export page lists them).
OPTION_FILTER_CHOICES = [("", "Any"), *[(o, o) for o in OPTIONS]]


class ExportFilterForm(DateInputsMixin):
    """Department, decision date range (GOV.UK date inputs, sourcing.dates) and option; all
    optional."""

    DATES = {"from": DateSpec("decided from"), "to": DateSpec("decided to")}

    department = forms.CharField(required=False, max_length=20)
    option = forms.ChoiceField(required=False, choices=OPTION_FILTER_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")  # the page's selects are named and id'd alike
        super().__init__(*args, **kwargs)

    def clean_department(self) -> str:
        code: str = self.cleaned_data["department"].strip()
        if code and not Department.objects.filter(code=code).exists():
            raise forms.ValidationError("Choose a department from the list")
        return code

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = self.dates.get("from"), self.dates.get("to")
        if start and end and end < start:
            self.date_error("to", "Decided to must be the same as or after the decided from date")
        # A day of slack: "today" where the user is may be tomorrow in UTC.
        elif end and end > timezone.now().date() + timedelta(days=1):
            self.date_error("to", "Decided to must be today or in the past")
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
