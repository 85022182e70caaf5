"""Form of the decision records page: search by title or reference, by department, option,
override and decision dates."""

from __future__ import annotations

from typing import Any

from django import forms

from decisions.records.outcomes import COMMENT_MAX, MONTHS_LATE_MAX
from sourcing.dates import DateInputsMixin, DateSpec
from sourcing.field_errors import GovukForm
from sourcing.forms import (
    OPTION_CHOICES,
    department_choices,
    reference_typed,
    select_field,
    set_choices,
)
from sourcing.money import PoundsField


class RecordSearchForm(DateInputsMixin):
    """Search decision records (a GET form): all fields optional."""

    DATES = {"from": DateSpec("decided from"), "to": DateSpec("decided to")}

    q = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "Search words must be 200 characters or fewer"},
    )
    reference = forms.CharField(required=False, max_length=40)
    department = forms.ChoiceField(required=False)
    option = forms.ChoiceField(required=False, choices=[("", "Any option"), *OPTION_CHOICES])
    overridden = forms.ChoiceField(
        required=False,
        choices=[("", "Overridden or not"), ("yes", "Overridden"), ("no", "Not overridden")],
    )

    def __init__(self, *args: Any, departments: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")  # the page's inputs are named and id'd alike
        super().__init__(*args, **kwargs)
        if departments:
            set_choices(self, "department", department_choices())
        else:  # a department user sees only their own department's records
            del self.fields["department"]

    def clean_reference(self) -> str:
        return reference_typed(self.cleaned_data["reference"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = self.dates.get("from"), self.dates.get("to")
        if start and end and end < start:
            self.date_error("to", "Decided to must be the same as or after decided from")
        return cleaned


class RegisterSearchForm(GovukForm):
    """Search the public register (a GET form)."""

    q = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "Search words must be 200 characters or fewer"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)


YES_NO = [("yes", "Yes"), ("no", "No")]
MONTHS_LATE_MESSAGE = f"Enter how many months late, from 1 to {MONTHS_LATE_MAX}"


class OutcomeForm(GovukForm):
    """An outcome review as people enter it; outcome_problems (through outcome_record) checks
    the values and its errors are shown against the same fields."""

    delivered = select_field(
        YES_NO,
        "Select yes if it was delivered, or no if it was not",
        widget=forms.RadioSelect,
    )
    on_time = select_field(
        YES_NO, "Select yes if it was on time, or no if it was late", widget=forms.RadioSelect
    )
    months_late = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MONTHS_LATE_MAX,
        error_messages={key: MONTHS_LATE_MESSAGE for key in ("invalid", "min_value", "max_value")},
    )
    actual_cost_gbp = PoundsField(label_in_messages="the actual whole-life cost to date")
    benefits_realised = select_field(
        [("none", "None"), ("partly", "Partly"), ("fully", "Fully")],
        "Select how far the benefits were realised",
        widget=forms.RadioSelect,
    )
    lock_in = select_field(
        [("none", "None"), ("moderate", "Moderate"), ("severe", "Severe")],
        "Select how much lock-in you experienced",
        widget=forms.RadioSelect,
    )
    same_again = select_field(
        YES_NO,
        "Select yes if you would choose the same option again, or no",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(required=False, max_length=COMMENT_MAX, widget=forms.Textarea)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Reported in the same round as the other fields (the service checks it again).
        # One message for the field: a bad number has already said it.
        late = cleaned.get("on_time") == "no" and not cleaned.get("months_late")
        if late and "months_late" not in self.errors:
            self.add_error("months_late", MONTHS_LATE_MESSAGE)
        return cleaned

    def data_for_service(self) -> dict[str, Any]:
        """The cleaned values in outcome_record's terms (yes/no as booleans)."""
        d = self.cleaned_data
        return {
            "delivered": d["delivered"] == "yes",
            "on_time": d["on_time"] == "yes",
            "months_late": d.get("months_late"),
            "actual_cost_gbp": d["actual_cost_gbp"],
            "benefits_realised": d["benefits_realised"],
            "lock_in": d["lock_in"],
            "same_again": d["same_again"] == "yes",
            "comment": d.get("comment") or "",
        }
