"""Forms for the review, record and audit pages: queue filter, decision, reopen, record search.

Forms only turn what people typed into values (dates, choices); the review services decide
whether a decision is allowed, and their errors are shown against the same fields.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from decisions.engine.schema import OPTIONS
from decisions.review import RATIONALE_MAX
from sourcing.models import Department
from sourcing.questionnaire import OPTION_LABELS

OPTION_CHOICES = [(o, OPTION_LABELS[o]) for o in OPTIONS]
# The decision form's action radios map onto review_decide's actions (override = approve + option).
DECISION_ACTIONS = {
    "approve": "Approve the recommended option",
    "override": "Approve a different option (override)",
    "return": "Return to the department",
    "reject": "Reject",
}
# CaseStatus values as literals (mypy here has no django-stubs to read TextChoices).
QUEUE_STATUSES = [
    ("submitted", "Awaiting review"),
    ("returned", "Returned"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("all", "Any status"),
]
DATE_PARTS = ("day", "month", "year")


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


class QueueFilterForm(forms.Form):
    """The review queue's filters (a GET form)."""

    department = forms.ChoiceField(required=False)
    option = forms.ChoiceField(required=False, choices=[("", "Any option"), *OPTION_CHOICES])
    status = forms.ChoiceField(required=False, choices=QUEUE_STATUSES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = department_choices()


class DecisionForm(DateInputMixin):
    """A reviewer's decision: action, override option, reasons and review-by date."""

    DATES = {"review_by": "Review-by date"}

    action = forms.ChoiceField(
        choices=list(DECISION_ACTIONS.items()),
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select what you want to do with this case",
            "invalid_choice": "Select what you want to do with this case",
        },
    )
    option = forms.ChoiceField(
        required=False,
        choices=OPTION_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Select the option to approve instead"},
    )
    rationale = forms.CharField(
        required=False,
        strip=False,
        max_length=RATIONALE_MAX,
        widget=forms.Textarea,
        error_messages={"max_length": f"Reasons must be {RATIONALE_MAX:,} characters or fewer"},
    )

    def __init__(self, *args: Any, recommended: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recommended = recommended
        if not recommended:
            # Nothing was viable: the only approval is of an option the reviewer chooses.
            self.fields["action"].choices = [
                (k, v) for k, v in DECISION_ACTIONS.items() if k != "approve"
            ]
        self.fields["option"].choices = [(o, lbl) for o, lbl in OPTION_CHOICES if o != recommended]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("action") == "override" and not cleaned.get("option"):
            self.add_error("option", "Select the option to approve instead")
        return cleaned

    def decision(self) -> dict[str, Any]:
        """Keyword arguments for review_decide."""
        data = self.cleaned_data
        action = data["action"]
        return {
            "action": "approve" if action == "override" else action,
            "option": data["option"] if action == "override" else None,
            "rationale": data.get("rationale") or "",
            "review_by": self.dates.get("review_by"),
        }


class ReopenForm(forms.Form):
    """Why an approved decision is looked at again."""

    reason = forms.CharField(
        max_length=RATIONALE_MAX,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter why the decision is being reviewed again",
            "max_length": f"Reason must be {RATIONALE_MAX:,} characters or fewer",
        },
    )


class RecordSearchForm(DateInputMixin):
    """Search decision records (a GET form): all fields optional."""

    DATES = {"from": "Decided from", "to": "Decided to"}

    reference = forms.CharField(required=False, max_length=40)
    department = forms.ChoiceField(required=False)
    option = forms.ChoiceField(required=False, choices=[("", "Any option"), *OPTION_CHOICES])
    overridden = forms.ChoiceField(
        required=False,
        choices=[("", "Overridden or not"), ("yes", "Overridden"), ("no", "Not overridden")],
    )

    def __init__(self, *args: Any, departments: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments:
            self.fields["department"].choices = department_choices()
        else:  # a department user sees only their own department's records
            del self.fields["department"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = self.dates.get("from"), self.dates.get("to")
        if start and end and end < start:
            self.add_error("to_day", "Decided to must be the same as or after decided from")
        return cleaned
