"""Forms of the ruleset governance pages: drafts, rules, uploads, publishing, golden cases."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms

from decisions.engine import OPTIONS, POLICY_CHECKS, RulesetProblem
from decisions.engine.hashable import parse_json  # any depth, any integer literal: no crash
from decisions.engine.impact import OUTCOMES
from decisions.presenter import OUTCOME_LABELS
from decisions.rulesets.models import GoldenCase
from sourcing.field_errors import GovukForm
from sourcing.forms import reference_typed
from sourcing.questionnaire import OPTION_LABELS

UPLOAD_MAX = 1_000_000  # bytes
CHECK_RESULTS: tuple[tuple[str, str], ...] = (
    ("", "Not checked"),
    ("complies", "Complies"),
    ("explain", "Explain"),
    ("n/a", "Not applicable"),
)
WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)  # ASCII digits only: no look-alikes


class DraftStartForm(GovukForm):
    version = forms.CharField(
        max_length=40,
        error_messages={"required": 'Enter the new version, like "2026.2"'},
    )


class RuleForm(GovukForm):
    """One rule: its fields, the condition as JSON, a weight per option, gates, texts."""

    id = forms.CharField(max_length=40, required=False, label="Rule id")
    description = forms.CharField(max_length=1000, required=False)
    source = forms.CharField(max_length=300, required=False, label="Policy source")
    # Format 2 rulesets: the factor the rule counts under and its one-line rationale.
    factor = forms.CharField(max_length=40, required=False)
    rationale = forms.CharField(max_length=1000, required=False)
    when = forms.CharField(required=False, max_length=20_000, label="Condition")
    gate = forms.MultipleChoiceField(
        choices=[(o, OPTION_LABELS[o]) for o in OPTIONS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Add a weight and a condition text field per option."""
        super().__init__(*args, **kwargs)
        for option in OPTIONS:
            self.fields[f"effect_{option}"] = forms.CharField(
                required=False, max_length=12, label=f"Weight for {OPTION_LABELS[option]}"
            )
        for option in OPTIONS:
            self.fields[f"text_{option}"] = forms.CharField(
                required=False,
                max_length=2000,
                label=f"Condition text for {OPTION_LABELS[option]}",
            )

    @staticmethod
    def initial_for(rule: dict[str, Any]) -> dict[str, Any]:
        """The form's initial data for a stored rule."""
        initial: dict[str, Any] = {
            "id": rule["id"],
            "description": rule["description"],
            "source": rule["source"],
            "factor": rule.get("factor", ""),
            "rationale": rule.get("rationale", ""),
            "when": json.dumps(rule["when"], indent=2),
            "gate": list(rule.get("gate", [])),
        }
        for option, weight in rule.get("effects", {}).items():
            initial[f"effect_{option}"] = str(weight)
        for option, text in rule.get("condition_text", {}).items():
            initial[f"text_{option}"] = text
        return initial

    def rule(self) -> dict[str, Any]:
        """The rule as data (after is_valid, or sourcing.forms.cleaned_or_empty); a condition
        that is not JSON is an error on `when` and left out, so check the form's errors before
        saving it."""
        data = self.cleaned_data
        try:
            when = parse_json(data["when"], gate=False) if data["when"].strip() else None
        except ValueError as exc:
            self.add_error("when", f"The condition is not valid JSON ({exc})")
            when = None
        effects: dict[str, Any] = {}
        texts: dict[str, str] = {}
        for option in OPTIONS:
            weight = data[f"effect_{option}"].strip()
            if weight:
                # A whole number becomes an int; anything else goes on for the engine to name.
                effects[option] = int(weight) if WHOLE.fullmatch(weight) else weight
            text = data[f"text_{option}"].strip()
            if text:
                texts[option] = text
        rule: dict[str, Any] = {
            "id": data["id"].strip(),
            "description": data["description"].strip(),
            "source": data["source"].strip(),
            "effects": effects,
            "gate": [o for o in OPTIONS if o in data["gate"]],
            "condition_text": texts,
        }
        for name in ("factor", "rationale"):
            if data[name].strip():
                rule[name] = data[name].strip()
        if when is not None:
            rule["when"] = when
        return rule

    def add_problems(self, problems: list[RulesetProblem]) -> None:
        """Put the engine's problems on the fields they are about; a field the form itself
        already refused keeps the form's message (the engine saw it empty)."""
        refused = set(self.errors)
        for problem in problems:
            head = re.split(r"[.\[]", problem.field, maxsplit=1)[0]
            option = problem.field.partition(".")[2]
            name = {
                "effects": f"effect_{option}",
                "condition_text": f"text_{option}",
            }.get(head, head)
            if name in refused:
                continue
            where = f"Rule {problem.rule_id}, " if problem.rule_id else ""
            message = f"{where}{problem.field}: {problem.message}"
            self.add_error(name if name in self.fields else None, message)


class UploadForm(GovukForm):
    file = forms.FileField(error_messages={"required": "Select a ruleset JSON file"})

    def clean_file(self) -> Any:
        """Refuse files over the size limit."""
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX:
            raise forms.ValidationError("The file must be smaller than 1 MB")
        return upload


class PublishForm(GovukForm):
    change_summary = forms.CharField(
        max_length=5000,
        error_messages={"required": "Enter a summary of what changed and why"},
    )


class ApproveForm(GovukForm):
    """A second steward's approval of the exact draft they read (its sha256, a hidden field)."""

    sha256 = forms.CharField(max_length=64, widget=forms.HiddenInput)
    comment = forms.CharField(
        required=False,
        max_length=5000,
        strip=False,
        error_messages={"max_length": "The comment must be 5,000 characters or fewer"},
    )


CLOSE_CALL_CHOICES = [
    ("", "Not checked"),
    ("yes", "Must be too close to call"),
    ("no", "Must not be too close to call"),
]


class GoldenCaseForm(GovukForm):
    """A golden case: its answers as JSON and the agreed outcome."""

    code = forms.CharField(max_length=40, required=False)
    title = forms.CharField(max_length=300, error_messages={"required": "Enter a title"})
    case_reference = forms.CharField(max_length=20, required=False, label="Case reference")
    answers = forms.CharField(required=False, max_length=50_000)
    recommended = forms.ChoiceField(
        choices=[(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
        error_messages={"required": "Select the recommendation that must come out"},
    )
    must_be_ruled_out = forms.MultipleChoiceField(
        choices=[(o, OPTION_LABELS[o]) for o in OPTIONS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    conditions = forms.CharField(required=False, max_length=5000)
    # For a genuinely mixed case: other options that also pass, and why.
    also_acceptable = forms.MultipleChoiceField(
        choices=[(o, OPTION_LABELS[o]) for o in OPTIONS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    acceptable_because = forms.CharField(
        required=False, max_length=2000, label="Why the other options are acceptable"
    )
    too_close_to_call = forms.ChoiceField(choices=CLOSE_CALL_CHOICES, required=False)
    # Documentation: public sources, why the expected outcome is right, why it was changed.
    sources = forms.CharField(required=False, max_length=10_000)
    basis = forms.CharField(required=False, max_length=5000)
    revision_reason = forms.CharField(required=False, max_length=2000, label="Revision note")

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        """Add a result field per policy check; the code is fixed once a case exists."""
        super().__init__(*args, **kwargs)
        self.editing = editing
        for check in POLICY_CHECKS:
            self.fields[f"check_{check}"] = forms.ChoiceField(choices=CHECK_RESULTS, required=False)
        if editing:
            del self.fields["code"]
            del self.fields["case_reference"]

    def clean_case_reference(self) -> str:
        return reference_typed(self.cleaned_data.get("case_reference", ""))

    @staticmethod
    def initial_for(golden: GoldenCase) -> dict[str, Any]:
        """Initial data from a stored case: title, answers, expected outcome, documentation."""
        expected = golden.expected
        close = expected.get("too_close_to_call")
        initial: dict[str, Any] = {
            "title": golden.title,
            "answers": json.dumps(golden.answers, indent=2),
            "recommended": expected.get("recommended") or "none",
            "must_be_ruled_out": list(expected.get("must_be_ruled_out", [])),
            "conditions": "\n".join(expected.get("conditions", [])),
            "also_acceptable": list(expected.get("also_acceptable", [])),
            "acceptable_because": expected.get("acceptable_because", ""),
            "too_close_to_call": "" if close is None else ("yes" if close else "no"),
            "sources": "\n".join(golden.sources or []),
            "basis": golden.basis,
            "revision_reason": (golden.revision or {}).get("reason", ""),
        }
        for check, result in expected.get("policy_checks", {}).items():
            initial[f"check_{check}"] = result
        return initial

    def documentation(self, stored: dict[str, Any] | None = None) -> dict[str, Any]:
        """sources, basis and revision for golden_case_save (after is_valid). The revision
        keeps what a stored one says besides its reason (its version and the case before it);
        an empty reason removes the note."""
        data = self.cleaned_data
        reason = data["revision_reason"].strip()
        return {
            "sources": [line.strip() for line in data["sources"].splitlines() if line.strip()],
            "basis": data["basis"],
            "revision": {**(stored or {}), "reason": reason} if reason else None,
        }

    def answers_data(self) -> Any:
        """The answers as data (after is_valid); None when left empty or not JSON."""
        text = self.cleaned_data["answers"].strip()
        if not text:
            return None
        try:
            return parse_json(text, gate=False)
        except ValueError as exc:
            self.add_error("answers", f"The answers are not valid JSON ({exc})")
            return None

    def expected(self) -> dict[str, Any]:
        """The expected outcome as data (after is_valid)."""
        data = self.cleaned_data
        recommended = data["recommended"]
        return {
            "recommended": None if recommended == "none" else recommended,
            "must_be_ruled_out": list(data["must_be_ruled_out"]),
            "conditions": [
                line.strip() for line in data["conditions"].splitlines() if line.strip()
            ],
            "policy_checks": {
                check: data[f"check_{check}"] for check in POLICY_CHECKS if data[f"check_{check}"]
            },
            **(
                {
                    "also_acceptable": list(data["also_acceptable"]),
                    "acceptable_because": data["acceptable_because"].strip(),
                }
                if data["also_acceptable"]
                else {}
            ),
            **(
                {"too_close_to_call": data["too_close_to_call"] == "yes"}
                if data["too_close_to_call"]
                else {}
            ),
        }
