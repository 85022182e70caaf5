"""Form of the impact preview page: filters of the affected cases."""

from __future__ import annotations

from typing import Any

from django import forms

from decisions.engine.impact import OUTCOMES
from decisions.presenter import OUTCOME_LABELS
from sourcing.field_errors import GovukForm
from sourcing.forms import set_choices


class ImpactFilterForm(GovukForm):
    """Filters of the affected cases: from option, to option, department."""

    old = forms.ChoiceField(required=False)
    new = forms.ChoiceField(required=False)
    department = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, departments: list[str], **kwargs: Any) -> None:
        """Offer the outcomes and the departments found in the results."""
        super().__init__(*args, **kwargs)
        outcomes = [("", "Any"), *((o, OUTCOME_LABELS[o]) for o in OUTCOMES)]
        set_choices(self, "old", outcomes)
        set_choices(self, "new", outcomes)
        set_choices(self, "department", [("", "Any"), *((d, d) for d in departments)])
