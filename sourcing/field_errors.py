"""Error messages that name their field, in the GOV.UK Design System's words: the one place
every form (GovukForm, the base of the service's forms) and the API (sourcing.api_body, for
the schema's and the input gate's problems) word a field's error.

Policy source: GOV.UK Design System, "Error message" (design-system.service.gov.uk/components/
error-message/): say what is wrong and how to fix it, naming the field: "Enter a title",
"Reference must be 12 characters or fewer", "Amount must be a whole number".

Django's stock messages ("This field is required.", "Ensure this value has at most 12
characters (it has 13).", "Null characters are not allowed.") name no field; a form's own
messages (a field's `error_messages`, a clean method's, a service's via add_service_errors)
are kept, except that one starting "Must ..." gets the field's label in front of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError

# What a value must be, by kind (the API's schema types and Django's `invalid` of a field).
KIND_WORDS: Final[dict[str, str]] = {
    "text": "must be text",
    "whole_number": "must be a whole number",
    "number": "must be a number",
    "boolean": "must be true or false",
    "object": "must be an object of names and values",
    "list": "must be a list",
    "date": "must be a real date",
    "email": "must be an email address in the correct format, like name@example.com",
    "url": "must be a web address in the correct format, like https://www.gov.uk",
}


def label_of(name: str, label: Any = None) -> str:
    """A field's name as people read it: its label when it has one, else its name with
    spaces for underscores, first letter upper case ("sro_name" -> "Sro name")."""
    text = str(label or "").strip() or name.replace("_", " ").strip() or "The value"
    return text[0].upper() + text[1:]


def _lower_first(label: str) -> str:
    """ "Title" -> "title", keeping acronyms ("SRO name") and proper names as they are."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[0].lower() + label[1:]


def field_message(label: str, code: str, params: Mapping[str, Any] | None = None) -> str:
    """The GOV.UK message for a problem `code` of the field `label` (Django's codes, and the
    kinds of KIND_WORDS for a value of the wrong type); `params` as Django gives them
    (limit_value, value, expected)."""
    params = params or {}
    limit = params.get("limit_value")
    match code:
        case "required" | "missing":
            return f"Enter {_lower_first(label)}"
        case "select":
            return f"Select {_lower_first(label)}"
        case "max_length":
            return f"{label} must be {limit} characters or fewer"
        case "min_length":
            return f"{label} must be {limit} characters or more"
        case "max_value":
            return f"{label} must be {limit} or less"
        case "min_value":
            return f"{label} must be {limit} or more"
        case "null_characters_not_allowed":
            return f"{label} must not contain null characters"
        case "invalid_choice" | "invalid_list":
            return f"Select {_lower_first(label)} from the list"  # noqa: S608 (words, not SQL)
        case "unknown_field":
            return f"{label} is not a field of this request: remove it"
        case "one_of":
            return f"{label} must be one of: {params.get('expected', '')}"
        case _ if code in KIND_WORDS:
            return f"{label} {KIND_WORDS[code]}"
        case _:
            return f"{label} is not valid"


def named(label: str, message: str) -> str:
    """`message` naming its field: a message that starts "Must ..." (said of a field already
    in view, as the catalogue's column checks do) gets the label in front; others as they are."""
    text = str(message)
    if text[:5].lower() == "must ":
        return f"{label} {text[0].lower()}{text[1:]}"
    return text


def _stock_messages() -> dict[str, set[str]]:
    """Django's own message templates, by code: the form fields' and the validators'."""
    stock: dict[str, set[str]] = {}
    fields = [getattr(forms, name) for name in dir(forms) if name.endswith("Field")]
    for kind in fields:
        if isinstance(kind, type) and issubclass(kind, forms.Field):
            for klass in kind.__mro__:
                for code, text in vars(klass).get("default_error_messages", {}).items():
                    stock.setdefault(code, set()).add(str(text))
    for validator in (
        validators.MaxLengthValidator,
        validators.MinLengthValidator,
        validators.MaxValueValidator,
        validators.MinValueValidator,
        validators.ProhibitNullCharactersValidator,
    ):
        stock.setdefault(str(validator.code), set()).add(str(validator.message))
    return stock


_STOCK: Final = _stock_messages()


def _kind(field: forms.Field) -> str:
    """What `invalid` means for this kind of field."""
    if isinstance(field, forms.IntegerField):
        return "whole_number"
    if isinstance(field, forms.DecimalField | forms.FloatField):
        return "number"
    if isinstance(field, forms.DateField | forms.DateTimeField):
        return "date"
    if isinstance(field, forms.EmailField):
        return "email"
    if isinstance(field, forms.URLField):
        return "url"
    return "invalid"


def _choosing(field: forms.Field) -> bool:
    return isinstance(field, forms.ChoiceField | forms.FileField | forms.BooleanField)


def named_error(field: forms.Field, name: str, error: ValidationError) -> ValidationError:
    """`error` (one or many) of the form field `name`, each message naming the field: Django's
    stock messages replaced by field_message's, "Must ..." given the label (named)."""
    label = label_of(name, field.label)
    messages: list[ValidationError] = []
    for one in error.error_list:
        template = str(one.message)
        params = one.params if isinstance(one.params, Mapping) else {}
        code = one.code or ""
        if template in _STOCK.get(code, ()):
            if code == "required" and _choosing(field):
                code = "select"
            elif code == "invalid":
                code = _kind(field)
            text = field_message(label, code, params)
        else:
            text = named(label, template % params if params else template)
        messages.append(ValidationError(text, code=one.code))
    return ValidationError(messages)


class GovukForm(forms.Form):
    """The base of the service's forms: every field error names its field (named_error), from
    Django's own checks, the form's clean methods and a service's (add_service_errors) alike."""

    def add_error(self, field: str | None, error: ValidationError | str | Any) -> None:
        """As Django's, with each error of a field worded by named_error."""
        if field is not None and field in self.fields and not isinstance(error, dict):
            if not isinstance(error, ValidationError):
                error = ValidationError(error)
            if not hasattr(error, "error_dict"):
                error = named_error(self.fields[field], field, error)
        super().add_error(field, error)
