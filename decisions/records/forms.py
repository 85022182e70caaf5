"""Form of the decision records page: search by title or reference, by department, option,
override and decision dates."""

from __future__ import annotations

from typing import Any

from django import forms

from decisions.records.outcomes import COMMENT_MAX, MONTHS_LATE_MAX
from sourcing.dates import DateInputsMixin, DateSpec
from sourcing.field_errors import GovukForm
from sourcing.forms import OPTION_CHOICES, department_choices, reference_typed, set_choices
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


class OutcomeForm(GovukForm):
    """An outcome review as people enter it; outcome_problems (through outcome_record) checks
    the values and its errors are shown against the same fields."""

    delivered = forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect)
    on_time = forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect)
    months_late = forms.IntegerField(required=False, min_value=1, max_value=MONTHS_LATE_MAX)
    actual_cost_gbp = PoundsField(label_in_messages="the actual whole-life cost to date")
    benefits_realised = forms.ChoiceField(
        choices=[("none", "None"), ("partly", "Partly"), ("fully", "Fully")],
        widget=forms.RadioSelect,
    )
    lock_in = forms.ChoiceField(
        choices=[("none", "None"), ("moderate", "Moderate"), ("severe", "Severe")],
        widget=forms.RadioSelect,
    )
    same_again = forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect)
    comment = forms.CharField(required=False, max_length=COMMENT_MAX, widget=forms.Textarea)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Reported in the same round as the other fields (the service checks it again).
        if cleaned.get("on_time") == "no" and not cleaned.get("months_late"):
            self.add_error(
                "months_late", f"Enter how many months late, from 1 to {MONTHS_LATE_MAX}"
            )
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
