"""Form of the decision records page: search by title or reference, by department, option,
override and decision dates."""

from __future__ import annotations

from typing import Any

from django import forms

from sourcing.dates import DateInputsMixin, DateSpec
from sourcing.field_errors import GovukForm
from sourcing.forms import OPTION_CHOICES, department_choices, reference_typed, set_choices


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
