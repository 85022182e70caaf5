"""Forms of the review pages: queue filter, decision, reopen.

Forms only turn what people typed into values (dates, choices); the review services decide
whether a decision is allowed, and their errors are shown against the same fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from decisions.cases.selectors import RETURN_TASKS
from decisions.review.dashboard import Period, period_problems
from decisions.review.services import RATIONALE_MAX, review_problems
from sourcing.dates import DateInputsMixin, DateSpec
from sourcing.field_errors import GovukForm
from sourcing.forms import (
    OPTION_CHOICES,
    ReportFilterForm,
    add_service_errors,
    department_choices,
    select_field,
    set_choices,
)

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


class QueueFilterForm(GovukForm):
    """The review queue's filters (a GET form)."""

    department = forms.ChoiceField(required=False)
    option = forms.ChoiceField(required=False, choices=[("", "Any option"), *OPTION_CHOICES])
    status = forms.ChoiceField(required=False, choices=QUEUE_STATUSES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")  # the page's selects are named and id'd alike
        super().__init__(*args, **kwargs)
        set_choices(self, "department", department_choices())


class DecisionForm(DateInputsMixin):
    """A reviewer's decision: action, override option, reasons and review-by date.

    Every problem is reported in one round: the form's own (a missing action, a date that is
    not a real date) and the review service's (reasons needed to return, reject or override, a
    review-by date in the past), through review_problems, the check review_decide refuses with.
    """

    DATES = {"review_by": DateSpec("review-by date")}

    action = select_field(
        list(DECISION_ACTIONS.items()),
        "Select what you want to do with this case",
        widget=forms.RadioSelect,
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

    sections = forms.MultipleChoiceField(
        required=False,
        choices=list(RETURN_TASKS.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Select the parts of the case that need changes"},
    )

    def __init__(self, *args: Any, recommended: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recommended = recommended
        if not recommended:
            # Nothing was viable: the only approval is of an option the reviewer chooses.
            set_choices(
                self, "action", [(k, v) for k, v in DECISION_ACTIONS.items() if k != "approve"]
            )
        set_choices(self, "option", [(o, lbl) for o, lbl in OPTION_CHOICES if o != recommended])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == "override" and not cleaned.get("option") and "option" not in self.errors:
            self.add_error("option", "Select the option to approve instead")
        if action:
            # The other fields are checked whatever the option's error (a review-by date in
            # the past is said in the same round); a refused option is said once.
            decision = self.decision()
            problems = review_problems(
                **decision, recommended=self.recommended, today=timezone.now().date()
            )
            if self.date_answers["review_by"].message:
                problems.pop("review_by", None)  # already said: not a real date
            # A field the form already refused (reasons too long, say) is not refused twice.
            add_service_errors(self, {k: v for k, v in problems.items() if k not in self.errors})
        return cleaned

    def decision(self) -> dict[str, Any]:
        """Keyword arguments for review_decide."""
        data = self.cleaned_data
        action = data["action"]
        return {
            "action": "approve" if action == "override" else action,
            "option": (data.get("option") or None) if action == "override" else None,
            "rationale": data.get("rationale") or "",
            "review_by": self.dates.get("review_by"),
            "sections": list(data.get("sections") or []) if action == "return" else None,
        }


class ReopenForm(GovukForm):
    """Why an approved decision is looked at again."""

    reason = forms.CharField(
        max_length=RATIONALE_MAX,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter why the decision is being reviewed again",
            "max_length": f"Reason must be {RATIONALE_MAX:,} characters or fewer",
        },
    )


class DashboardFilterForm(ReportFilterForm):
    """The dashboard's filters: department, and a financial quarter ("2026-Q1") or the days
    of the decisions (no option: the dashboard shows every option); `filters()` gives the
    dashboard's Period."""

    FIELDS = ("department", "quarter", "since", "until")
    ANCHORS = {name: f"#{name}" for name in FIELDS}

    quarter = forms.CharField(required=False, max_length=20)
    field_order = FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["option"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        period, problems = period_problems(
            quarter=cleaned.get("quarter") or "",
            since=cleaned.get("since"),
            until=cleaned.get("until"),
        )
        for name, messages in problems.items():
            if name not in self.errors:
                for message in messages:
                    self.add_error(name, message)
        cleaned["period"] = Period(
            department=cleaned.get("department") or "", since=period.since, until=period.until
        )
        return cleaned

    def period(self) -> Period:
        """The period of a valid or unbound form (everything when unbound)."""
        return self.cleaned_data["period"] if self.is_bound else Period()
