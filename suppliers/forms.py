"""Forms of the supplier pages: search, catalogue upload, supplier maintenance, contracts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms

from sourcing.dates import PARTS, DateAnswer, DateInputsMixin, DateSpec, parse_date_text
from sourcing.field_errors import GovukForm
from sourcing.forms import select_field, set_choices
from sourcing.money import PoundsField
from suppliers import selectors
from suppliers.catalogue import (
    DESCRIPTION_MAX,
    FILE_MAX,
    LIST_SEPARATOR,
    NAME_MAX,
    WEBSITE_MAX,
)
from suppliers.company_numbers import company_number_normalise
from suppliers.contracts import VALUE_MAX, contract_problems
from suppliers.models import Supplier
from suppliers.reference import ACCREDITATIONS, CLASSIFICATIONS, CLEARANCES, REGIONS
from suppliers.selectors import Listed

SME_CHOICES = [("", "Any size"), ("yes", "SMEs only"), ("no", "Large firms only")]
YES_NO = [("yes", "Yes"), ("no", "No")]
Q_MAX = 100


class SupplierSearchForm(GovukForm):
    """The supplier search's filters (a GET form)."""

    q = forms.CharField(
        required=False, max_length=Q_MAX, label="Name, company number or capability"
    )
    segment = forms.ChoiceField(required=False)
    framework = forms.ChoiceField(required=False)
    sme = forms.ChoiceField(required=False, choices=SME_CHOICES)

    def __init__(
        self, *args: Any, segments: Sequence[Listed], frameworks: Sequence[Listed], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "segment", [("", "All segments")] + [(s.key, s.name) for s in segments])
        set_choices(
            self, "framework", [("", "Any framework")] + [(f.key, f.name) for f in frameworks]
        )


class CatalogueUploadForm(GovukForm):
    file = forms.FileField(error_messages={"required": "Select a catalogue CSV file"})

    def clean_file(self) -> Any:
        """Refuse files over the size limit before reading them."""
        upload = self.cleaned_data["file"]
        if upload.size > FILE_MAX:
            raise forms.ValidationError(f"The file must be smaller than {FILE_MAX // 2**20} MB")
        return upload


class SupplierForm(GovukForm):
    """One supplier: the catalogue's columns as form fields (validated by the service)."""

    company_number = forms.CharField(required=False, max_length=20)
    name = forms.CharField(required=False, max_length=NAME_MAX * 2)
    primary_segment = forms.ChoiceField(required=False, label="Main segment")
    other_segments = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Other segments"
    )
    sme = forms.ChoiceField(required=False, choices=YES_NO, widget=forms.RadioSelect)
    frameworks = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    capabilities = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    classification = forms.ChoiceField(
        required=False, choices=list(CLASSIFICATIONS.items()), widget=forms.RadioSelect
    )
    clearance = forms.ChoiceField(
        required=False, choices=list(CLEARANCES.items()), widget=forms.RadioSelect
    )
    accreditations = forms.MultipleChoiceField(
        required=False, choices=list(ACCREDITATIONS.items()), widget=forms.CheckboxSelectMultiple
    )
    regions = forms.MultipleChoiceField(
        required=False, choices=list(REGIONS.items()), widget=forms.CheckboxSelectMultiple
    )
    website = forms.CharField(required=False, max_length=WEBSITE_MAX * 2)
    description = forms.CharField(
        required=False, max_length=DESCRIPTION_MAX * 2, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self, *args: Any, segments: Sequence[Listed], frameworks: Sequence[Listed], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(s.key, s.name) for s in segments]
        set_choices(self, "primary_segment", [("", "Choose a segment"), *choices])
        set_choices(self, "other_segments", choices)
        set_choices(self, "frameworks", [(f.key, f.name) for f in frameworks])

    def values(self) -> dict[str, str]:
        """The supplier as the catalogue's strings, for supplier_save."""
        data = self.cleaned_data
        segments = [data["primary_segment"]] if data["primary_segment"] else []
        segments += [s for s in data["other_segments"] if s not in segments]
        return {
            "company_number": data["company_number"],
            "name": data["name"],
            "segments": LIST_SEPARATOR.join(segments),
            "sme": data["sme"],
            "frameworks": LIST_SEPARATOR.join(data["frameworks"]),
            "capabilities": LIST_SEPARATOR.join(
                c for c in re.split(r"[;,\n]", data["capabilities"]) if c.strip()
            ),
            "classification": data["classification"],
            "clearance": data["clearance"],
            "accreditations": LIST_SEPARATOR.join(data["accreditations"]),
            "regions": LIST_SEPARATOR.join(data["regions"]),
            "website": data["website"],
            "description": data["description"],
        }


def initial_from(values: dict[str, str]) -> dict[str, Any]:
    """Form initial data from a supplier's catalogue strings."""
    segments = [s for s in values["segments"].split(LIST_SEPARATOR) if s]

    def split(name: str) -> list[str]:
        return [v for v in values[name].split(LIST_SEPARATOR) if v]

    return {
        **values,
        "primary_segment": segments[0] if segments else "",
        "other_segments": segments[1:],
        "frameworks": split("frameworks"),
        "capabilities": ", ".join(split("capabilities")),
        "accreditations": split("accreditations"),
        "regions": split("regions"),
    }


# Service error keys -> form fields.
SUPPLIER_FIELDS = {"segments": "primary_segment"}


class ContractForm(DateInputsMixin):
    """A contract: supplier, value, start, end, break points, whether it extends an incumbent.

    Dates and money as people type them (sourcing.dates, sourcing.money); every problem,
    the service's own checks included (suppliers.contracts.contract_problems), is reported in
    one round.
    """

    DATES = {
        "start": DateSpec("the start date", required=True),
        "end": DateSpec("the end date", required=True),
    }
    # Service error keys -> the form's fields (a date's problem goes to its day).
    FIELDS = {"start": "start_day", "end": "end_day"}

    supplier = forms.CharField(
        max_length=40,
        error_messages={"required": "Enter the supplier's company number"},
    )
    value_gbp = PoundsField(label_in_messages="the contract value", maximum=VALUE_MAX)
    break_points = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)
    extends_incumbent = select_field(
        YES_NO,
        "Select yes if the contract extends an incumbent supplier's work",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.supplier_found: Supplier | None = None
        # The page's order, so the error summary lists problems as the page shows them.
        dates = [f"{prefix}_{part}" for prefix in self.DATES for part in PARTS]
        self.order_fields(["supplier", "value_gbp", *dates, "break_points"])

    def clean_supplier(self) -> str:
        """The company number as Companies House writes it (suppliers.company_numbers)."""
        checked = company_number_normalise(self.cleaned_data["supplier"])
        if checked.error:
            raise forms.ValidationError(checked.error)
        self.supplier_found = selectors.supplier_by_number(checked.number)
        return checked.number

    def clean_break_points(self) -> list[date]:
        """One date a line, through the one date parser ("27 3 2027", "27 March 2027",
        "27/03/2027", "2027-03-27")."""
        found: list[date] = []
        for number, line in enumerate(self.cleaned_data["break_points"].splitlines(), 1):
            if not line.strip():
                continue
            answer = parse_date_text(line, label=f"Break point {number}")
            if answer.value is None:
                raise forms.ValidationError(
                    f"{line.strip()[:30]!r} is not a date: enter one break point a line, "
                    "like 27 3 2027"
                )
            found.append(answer.value)
        return found

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # The service's checks on whatever the form could read, so that every problem is
        # reported at once (fields that already have an error are not checked again).
        problems = contract_problems(
            supplier=self.supplier_found,
            value_gbp=cleaned.get("value_gbp"),
            start=self.dates.get("start"),
            end=self.dates.get("end"),
            break_points=cleaned.get("break_points") or (),
        )
        for key, messages in problems.items():
            self.report(key, messages)
        return cleaned

    def report(self, key: str, messages: list[str]) -> None:
        """Add a service's problems under the form's field for `key`, unless it has one."""
        if key in self.DATES:
            if not self.date_answers.get(key, DateAnswer()).message:
                self.date_error(key, " ".join(messages))
            return
        name = self.FIELDS.get(key, key)
        if name not in self.errors:
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
