"""Forms for the case pages: start, a questionnaire section, explanations, sign-offs, withdraw.

The questionnaire form is built from sourcing.questionnaire (one definition); it turns what a
person typed into answers of the right type, with GOV.UK error messages that name the field.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict

from decisions.cases.services import MONEY_LABELS, SUMMARY_MAX, TEXT_MAX, TITLE_MAX
from decisions.engine.schema import MONEY_MAX, OPTIONS, QUESTIONS
from decisions.presenter import check_label
from sourcing.field_errors import GovukForm
from sourcing.forms import select_field
from sourcing.models import CaseStatus, Discipline, User
from sourcing.money import parse_pounds
from sourcing.questionnaire import CHOICE_LABELS, DECORATIONS, LABELS, OPTION_LABELS, Section

# What each question asks about, for error messages: "Select how unusual the need is".
SUBJECTS: dict[str, str] = {
    "service_type": "what kind of thing is needed",
    "differentiation": "how unusual the need is",
    "policy_volatility": "how often requirements will change",
    "criticality": "the impact if it fails",
    "data_classification": "the highest classification of the data",
    "personal_data": "yes if it processes personal data",
    "market_maturity": "the state of the market",
    "open_standards": "yes if open standards exist for the data and interfaces",
    "cross_government_solution": "whether a public-sector platform meets the need",
    "solution_uncertainty": "whether anyone knows how to meet the need",
    "incumbent_lock_in": "how much current contracts constrain the choice",
    "in_house_capability": "the skills available to build and run it",
    "retain_ip_importance": "how much government must own the code, data and know-how",
    "reuse_potential": "whether others could reuse what is built",
    "integration_complexity": "how much it depends on other systems",
    "process_change": "whether the organisation will change its processes",
    "existing_service_team": "yes if an in-house team already runs the service",
    "service_integration_capability": "whether the department can act as service integrator",
    "depends_on_platform_not_live": "yes if it depends on a platform that is not yet live",
    "delivery_approach": "how the new service will replace the old one",
}

# Whole-number questions: (message when it is not a whole number, message when out of range).
NUMBER_MESSAGES: dict[str, tuple[str, str]] = {
    "months_to_live": (
        "Enter the number of months until it must be live, like 18",
        "Enter a whole number of months from 1 to 120",
    ),
    "credible_suppliers": (
        "Enter the number of credible suppliers, like 12",
        "Enter a number of credible suppliers from 0 to 10,000",
    ),
    "best_product_fit_pct": (
        "Enter the share of requirements the best product meets, like 80",
        "Enter a percentage from 0 to 100",
    ),
    "team_capacity_fte": (
        "Enter the number of people the department can put on it, like 6",
        "Enter a number of people from 0 to 1,000",
    ),
    "whole_life_budget_gbp": (  # only the first is used (a missing answer): parse_pounds
        "Enter the whole-life budget in pounds, like 750,000",
        f"Enter a whole-life budget from £0 to £{MONEY_MAX:,}",
    ),
    "whole_life_years": (
        "Enter the number of years the budget covers, like 5",
        "Enter a whole number of years from 1 to 25",
    ),
}

COST_KEY = "option_cost_estimates"
BOOL_VALUES = {"yes": True, "no": False}


def cost_field(option: str) -> str:
    """The input name (and id) of one option's cost estimate."""
    return f"{COST_KEY}-{option}"


def field_id(key: str) -> str:
    """The id of a question's first input, for error summary links."""
    return cost_field(OPTIONS[0]) if key == COST_KEY else key


def missing_message(key: str) -> str:
    """The message for a required answer that is missing (before a recommendation)."""
    question = QUESTIONS[key]
    if question.type in ("choice", "bool"):
        return f"Select {SUBJECTS[key]}"
    return NUMBER_MESSAGES[key][0]


def answer_prompt(key: str) -> str:
    """Check your answers' link for a question not yet answered, in the GOV.UK pattern's
    words: "Enter the whole-life budget in pounds", "Select how unusual the need is"."""
    if key == COST_KEY:
        return "Enter should-cost estimates per option"
    return missing_message(key).split(", like ")[0].replace("Select yes if ", "Select whether ")


def _number(raw: str) -> int | None:
    """A whole number from what was typed (commas and spaces allowed), or None. Amounts of
    money are read by sourcing.money.parse_pounds instead."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(",", "").replace(" ", "")
    if not text.isascii() or not text.isdigit():
        return None
    if len(text.lstrip("0")) > 20:
        # Beyond every question's range (and CPython's int-string limit, 4,300 digits, raises
        # ValueError): read as a number that fails the range check with its own message.
        return 10**20
    return int(text)


@dataclass
class Choice:
    value: str
    label: str
    id: str
    checked: bool


@dataclass
class Question:
    """One question as the template renders it."""

    key: str
    type: str
    label: str
    hint: str
    id: str
    value: str = ""
    choices: list[Choice] = field(default_factory=list)
    costs: list[dict[str, str]] = field(default_factory=list)
    prefix: str = ""
    suffix: str = ""
    width: str = ""
    errors: list[str] = field(default_factory=list)


class SectionForm:
    """The questions of one section: parses posted text into answers, or explains what is wrong."""

    def __init__(
        self, section: Section, saved: dict[str, Any], data: QueryDict | None = None
    ) -> None:
        self.section = section
        self.saved = saved
        self.data = data
        self.errors: dict[str, list[str]] = {}
        self.anchors: dict[str, str] = {}  # message -> the input it is about, when not the first
        self.cleaned: dict[str, Any] = {}
        if data is not None:
            self._clean(data)

    def _clean(self, data: QueryDict) -> None:
        for key in self.section.keys:
            question = QUESTIONS[key]
            if question.type == "cost_map":
                self._clean_costs(data)
                continue
            raw = data.get(key, "")
            if not raw.strip():
                if key in data and key in self.saved:
                    self.cleaned[key] = None  # a cleared field removes the saved answer
                continue  # left blank while a draft: nothing to save
            if question.type == "choice":
                if raw in question.choices:
                    self.cleaned[key] = raw
                else:
                    self.errors[key] = [f"Select {SUBJECTS[key]}"]
            elif question.type == "bool":
                if raw in BOOL_VALUES:
                    self.cleaned[key] = BOOL_VALUES[raw]
                else:
                    self.errors[key] = [f"Select {SUBJECTS[key]}"]
            elif question.type == "int" and key in MONEY_LABELS:
                money = parse_pounds(raw, label=MONEY_LABELS[key], maximum=MONEY_MAX)
                if money.message:
                    self.errors[key] = [money.message]
                else:
                    self.cleaned[key] = money.pounds
            else:
                invalid, out_of_range = NUMBER_MESSAGES[key]
                number = _number(raw)
                assert question.min is not None and question.max is not None
                if number is None:
                    self.errors[key] = [invalid]
                elif not question.min <= number <= question.max:
                    self.errors[key] = [out_of_range]
                else:
                    self.cleaned[key] = number

    def _clean_costs(self, data: QueryDict) -> None:
        if not any(cost_field(o) in data for o in OPTIONS):
            return
        costs: dict[str, int] = {}
        for option in OPTIONS:
            raw = data.get(cost_field(option), "")
            if not raw.strip():
                continue
            name = OPTION_LABELS[option].lower()
            money = parse_pounds(raw, label=f"the estimate for {name}", maximum=MONEY_MAX)
            if money.pounds is not None:
                costs[option] = money.pounds
                continue
            self.errors.setdefault(COST_KEY, []).append(money.message)
            self.anchors[money.message] = f"#{cost_field(option)}"
        if COST_KEY not in self.errors and (costs or self.saved.get(COST_KEY)):
            self.cleaned[COST_KEY] = costs

    def is_valid(self) -> bool:
        """True when posted and every filled-in answer is acceptable."""
        return self.data is not None and not self.errors

    def changed_answers(self) -> dict[str, Any]:
        """The valid posted answers that differ from the saved ones."""
        return {k: v for k, v in self.cleaned.items() if self.saved.get(k, object()) != v}

    def report(self, errors: dict[str, list[str]]) -> None:
        """A service's field errors (ValidationFailed.errors) on this section's questions; one
        about a question of no field here goes on the section's first."""
        first = self.section.keys[0]
        for key, problems in errors.items():
            self.errors.setdefault(key if key in self.section.keys else first, []).extend(problems)

    def error_list(self) -> list[tuple[str, str]]:
        """(message, link) pairs for the error summary, in question order."""
        return [
            (message, self.anchors.get(message, f"#{field_id(key)}"))
            for key in self.section.keys
            for message in self.errors.get(key, [])
        ]

    def questions(self) -> list[Question]:
        """The section's questions with what was typed (or saved) and their errors."""
        return [self._question(key) for key in self.section.keys]

    def _raw(self, key: str) -> str:
        if self.data is not None and key in self.data:
            return self.data.get(key, "")
        value = self.saved.get(key)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return str(value)

    def _question(self, key: str) -> Question:
        spec = QUESTIONS[key]
        label, hint = LABELS[key]
        prefix, suffix, width = DECORATIONS.get(key, ("", "", ""))
        question = Question(
            key=key,
            type=spec.type,
            label=label,
            hint=hint,
            id=field_id(key),
            prefix=prefix,
            suffix=suffix,
            width=width,
            errors=self.errors.get(key, []),
        )
        current = self._raw(key)
        if spec.type == "choice":
            values = [(v, CHOICE_LABELS.get(v, v)) for v in spec.choices]
        elif spec.type == "bool":
            values = [("yes", "Yes"), ("no", "No")]
        else:
            values = []
        question.choices = [
            Choice(value, text, key if i == 0 else f"{key}-{i + 1}", current == value)
            for i, (value, text) in enumerate(values)
        ]
        if spec.type == "int":
            question.value = current
        if spec.type == "cost_map":
            saved = self.saved.get(COST_KEY) or {}
            for option in OPTIONS:
                name = cost_field(option)
                if self.data is not None and name in self.data:
                    value = self.data.get(name, "")
                else:
                    value = str(saved[option]) if option in saved else ""
                question.costs.append(
                    {"name": name, "label": OPTION_LABELS[option], "value": value}
                )
        return question


class CaseStartForm(GovukForm):
    """Title and summary of a new case."""

    title = forms.CharField(
        max_length=TITLE_MAX,
        error_messages={
            "required": "Enter a title for the case",
            "max_length": f"Title must be {TITLE_MAX} characters or fewer",
        },
    )
    summary = forms.CharField(
        required=False,
        max_length=SUMMARY_MAX,
        strip=False,
        error_messages={"max_length": f"Summary must be {SUMMARY_MAX:,} characters or fewer"},
    )


class SignOffForm(GovukForm):
    """One discipline's sign-off."""

    discipline = select_field(Discipline.choices, "Select the discipline that is signing off")
    name = forms.CharField(
        max_length=200,
        error_messages={
            "required": "Enter the name of the person signing off",
            "max_length": "Name must be 200 characters or fewer",
        },
    )
    role = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "Job title must be 200 characters or fewer"},
    )
    comment = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        error_messages={"max_length": f"Comment must be {TEXT_MAX:,} characters or fewer"},
    )


def _people_choices(people: Iterable[User]) -> list[tuple[str, str]]:
    return [(p.get_username(), p.get_full_name() or p.get_username()) for p in people]


class SroChooseForm(GovukForm):
    """The Senior Responsible Owner, chosen from the department's people."""

    def __init__(self, people: Iterable[User], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sro"] = forms.ChoiceField(
            choices=[("", "Select a person"), *_people_choices(people)],
            error_messages={
                "required": "Select the Senior Responsible Owner",
                "invalid_choice": "Select the Senior Responsible Owner from your department",
            },
        )


class SignOffRequestForm(GovukForm):
    """Ask a named colleague for one discipline's sign-off."""

    discipline = select_field(Discipline.choices, "Select the discipline to ask for")

    def __init__(self, people: Iterable[User], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"] = forms.ChoiceField(
            choices=[("", "Select a person"), *_people_choices(people)],
            error_messages={
                "required": "Select the person to ask",
                "invalid_choice": "Select a colleague of your department to ask",
            },
        )


class SignOffDecideForm(GovukForm):
    """A signatory's decision on a sign-off request, and the assessment and case content
    version (answers, explanations, title, summary) they read."""

    decision = select_field(
        [("signed", "Sign off"), ("declined", "Decline")], "Select whether you sign off or decline"
    )
    comment = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        error_messages={"max_length": f"Comment must be {TEXT_MAX:,} characters or fewer"},
    )
    assessment_sha256 = forms.CharField(required=False, max_length=64)
    content_version = forms.IntegerField(required=False, min_value=1)


class WithdrawForm(GovukForm):
    """An optional reason for withdrawing."""

    reason = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        error_messages={"max_length": f"Reason must be {TEXT_MAX:,} characters or fewer"},
    )


class ExplanationsForm(GovukForm):
    """One explanation per policy check the latest assessment marked "explain"."""

    def __init__(self, checks: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checks = checks
        for check in checks:
            name = check_label(check["check"]).lower()
            self.fields[check["check"]] = forms.CharField(
                required=False,
                max_length=TEXT_MAX,
                error_messages={
                    "max_length": f"Explanation for {name} must be {TEXT_MAX:,} characters or fewer"
                },
            )


class CaseListFilterForm(GovukForm):
    """Search and status filter for "Your cases" (a GET form)."""

    q = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(required=False, choices=[("", "All statuses"), *CaseStatus.choices])
