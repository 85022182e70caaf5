"""Form plumbing every feature uses: department and option choices, the one way a form's errors
reach the GOV.UK error summary (error_links), and a service's field errors shown on a form
(add_service_errors). Dates and amounts as people type them: sourcing.dates, sourcing.money."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django import forms
from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from decisions.engine.schema import OPTIONS
from sourcing.dates import DateInputsMixin, parse_date_text
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.field_errors import GovukForm
from sourcing.models import Department
from sourcing.questionnaire import OPTION_LABELS

OPTION_CHOICES = [(o, OPTION_LABELS[o]) for o in OPTIONS]


def set_choices(form: forms.BaseForm, name: str, choices: Iterable[tuple[str, str]]) -> None:
    """Give the form's choice field `name` (a ChoiceField or one of its subclasses) the choices
    known only when the form is built; TypeError if `name` is another kind of field."""
    field = form.fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name!r} is a {type(field).__name__}, not a choice field")
    field.choices = list(choices)


# A case or record reference as typed: ASCII letters, digits and hyphens only (SRC-2026-0001).
REFERENCE = re.compile(r"[A-Z0-9-]+", re.ASCII)
REFERENCE_MESSAGE = "Enter a reference in letters, digits and hyphens, like SRC-2026-0001"


def saved(request: HttpRequest, message: str, to: str, **kwargs: Any) -> HttpResponseRedirect:
    """After a form's change is saved: a success message (shown on the next page) and the
    redirect to the page `to` (a URL name and its keyword arguments)."""
    flash.success(request, message)
    return HttpResponseRedirect(reverse(to, kwargs=kwargs))


def text_field(max_length: int, *, required: str, too_long: str) -> forms.CharField:
    """A required text field with its GOV.UK error messages: `required` when it is empty,
    `too_long` over `max_length` characters."""
    return forms.CharField(
        max_length=max_length, error_messages={"required": required, "max_length": too_long}
    )


def select_field(
    choices: Iterable[tuple[str, str]], message: str, **kwargs: Any
) -> forms.ChoiceField:
    """A required choice (radios or a select) with its one GOV.UK error message, for nothing
    chosen and for a choice not offered alike (`kwargs`: the widget...)."""
    return forms.ChoiceField(
        choices=list(choices),
        error_messages={"required": message, "invalid_choice": message},
        **kwargs,
    )


def reference_typed(value: str) -> str:
    """A reference as people type it, in its one form: NFKC (full-width digits become ASCII
    ones, never look-alikes), no surrounding spaces, upper case. forms.ValidationError when
    anything else is left (REFERENCE_MESSAGE); an empty value stays empty."""
    text = unicodedata.normalize("NFKC", value or "").strip().upper()
    if text and not REFERENCE.fullmatch(text):
        raise forms.ValidationError(REFERENCE_MESSAGE)
    return text


def department_choices() -> list[tuple[str, str]]:
    """Every department by code, for filters (one query)."""
    return [("", "All departments"), *Department.objects.values_list("code", "name")]


class ReportFilterForm(GovukForm):
    """The filters of the Centre of Excellence's reports (a GET form; the consistency and
    calibration reports): a department's code, a decided option, and the period in which the
    decision was made, as dates people write ("1 April 2026", "2026-04-01"), London days
    (sourcing.dates.days_q, as every report reads them); all optional.
    `filters()` gives them to the report's selector, `query()` as query parameters."""

    FIELDS = ("department", "option", "since", "until")
    # Error summary anchors: each filter's input.
    ANCHORS = {name: f"#{name}" for name in FIELDS}

    department = forms.ChoiceField(required=False)
    option = forms.ChoiceField(required=False, choices=[("", "Any option"), *OPTION_CHOICES])
    since = forms.CharField(required=False, max_length=40)
    until = forms.CharField(required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)
        # Read once, when the field is shown or a department is given (one query), and not
        # otherwise: the API's reports without a department filter never show the form.
        department = self.fields["department"]
        assert isinstance(department, forms.ChoiceField)
        department.choices = functools.cache(department_choices)

    def _date(self, name: str, label: str) -> date | None:
        text: str = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        answer = parse_date_text(text, label=label)
        if answer.value is None:
            raise forms.ValidationError(answer.message or f"{label} must be a real date")
        return answer.value

    def clean_since(self) -> date | None:
        return self._date("since", "Decided from")

    def clean_until(self) -> date | None:
        return self._date("until", "Decided to")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "Decided to must be the same as or after decided from")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """`department`, `option` ("" for any), `since` and `until` (dates or None) of a valid
        or unbound form, as keyword arguments of a report's selector."""
        data = self.cleaned_data if self.is_bound else {}
        return {
            "department": data.get("department") or "",
            "option": data.get("option") or "",
            "since": data.get("since"),
            "until": data.get("until"),
        }

    def query(self) -> dict[str, str]:
        """The filters given, as query parameters (for the CSV link and the pages)."""
        if not self.is_bound:
            return {}
        return {k: str(self.data[k]) for k in self.FIELDS if self.data.get(k)}


def add_service_errors(
    form: forms.Form, errors: dict[str, list[str]], fields: dict[str, str] | None = None
) -> None:
    """Show a service's field errors (ValidationFailed.errors) against the form's own fields,
    so a rule the service checks reads on the page like the form's own checks (each naming
    its field: GovukForm.add_error).

    `fields` maps a service's field name to the form's (default: the same name); a date of a
    DateInputsMixin form (by its prefix) is shown on the whole date; a field the form does not
    have is an error of the whole form. A field the form itself already refused keeps the
    form's message (the service saw it empty: see cleaned_or_empty).
    """
    refused = set(form.errors) if form.is_bound else set()
    for key, messages in errors.items():
        name = (fields or {}).get(key, key)
        if name in refused:
            continue
        for message in messages:
            if isinstance(form, DateInputsMixin) and name in form.DATES:
                form.date_error(name, message)
            elif name in form.fields:
                form.add_error(name, message)
            else:
                form.add_error(None, message)


def service_ran[T](
    call: Callable[[], T],
    *,
    invalid: Callable[[dict[str, list[str]]], None],
    refused: Callable[[str], None],
) -> T | None:
    """Run a service for a page: its result, or None when it refused: ValidationFailed's
    field errors go to `invalid`, TransitionRefused's message to `refused`."""
    try:
        return call()
    except ValidationFailed as failed:
        invalid(failed.errors)
    except TransitionRefused as refusal:
        refused(str(refusal))
    return None


def form_service[T](
    form: forms.Form,
    call: Callable[[], T],
    *,
    refused: Callable[[str], None] | None = None,
    fields: dict[str, str] | None = None,
) -> T | None:
    """Run a service on behalf of a valid form: its result; None when the form is not valid
    (nothing run) or the service refused.

    ValidationFailed puts its field errors on the form (add_service_errors, `fields` as there);
    TransitionRefused goes to `refused(message)` when given (a page showing it elsewhere),
    else it is an error of the whole form. Every form view's "valid → service → errors on the
    form" reads the same through this one function (service_ran)."""
    if not form.is_valid():
        return None
    return service_ran(
        call,
        invalid=lambda errors: add_service_errors(form, errors, fields),
        refused=refused or (lambda message: form.add_error(None, message)),
    )


def service_error_links(errors: dict[str, list[str]], anchor: str) -> list[tuple[str, str]]:
    """A service's field errors (ValidationFailed.errors) for the error summary of a page
    that has no form for them: every message linked to the one `anchor` (a row's id)."""
    return [(message, anchor) for messages in errors.values() for message in messages]


def _empty(field: forms.Field) -> Any:
    try:
        return field.to_python(None)
    except forms.ValidationError:
        return None


def cleaned_or_empty(form: forms.Form) -> bool:
    """form.is_valid(); when the form is not valid, its cleaned_data is completed with an empty
    value for each field it refused, so the service's own checks (its `*_problems` function)
    can run on the other fields and every error is reported in one round, never some only on
    a second submit. The service's errors then go on the form through add_service_errors."""
    valid = form.is_valid()
    if not valid:
        for name, field in form.fields.items():
            if name not in form.cleaned_data:
                form.cleaned_data[name] = _empty(field)
    return valid


def error_links(form: forms.Form, anchors: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(message, href) pairs of a form's errors for the GOV.UK error summary
    (templates/includes/error_summary.html), in field order.

    A field links to `anchors[name]` when given, else to its input: its widget's id (a date
    part's is <prefix>-<part>), the first option of radios and checkboxes (<id>_0); errors of
    the whole form link to the main content.
    """
    anchors = anchors or {}
    pairs: list[tuple[str, str]] = []
    for name, field in form.fields.items():
        bound = form[name]
        multiple = isinstance(field.widget, forms.CheckboxSelectMultiple | forms.RadioSelect)
        own = bound.id_for_label or bound.auto_id or name
        anchor = anchors.get(name, f"#{bound.auto_id or name}_0" if multiple else f"#{own}")
        pairs += [(str(message), anchor) for message in form.errors.get(name, [])]
    pairs += [(str(message), "#main-content") for message in form.non_field_errors()]
    return pairs
