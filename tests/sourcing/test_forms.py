"""Form plumbing shared by every feature (sourcing.forms)."""

from __future__ import annotations

import pytest
from django import forms

from sourcing.forms import set_choices


class _Form(forms.Form):
    colour = forms.ChoiceField(required=False)
    tags = forms.MultipleChoiceField(required=False)
    note = forms.CharField(required=False)


def test_set_choices_gives_a_choice_field_its_choices_for_this_form_only():
    form = _Form({"colour": "red", "tags": ["a", "b"]})
    set_choices(form, "colour", [("red", "Red"), ("blue", "Blue")])
    set_choices(form, "tags", (pair for pair in [("a", "A"), ("b", "B")]))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["colour"] == "red"
    assert form.cleaned_data["tags"] == ["a", "b"]
    assert list(_Form.base_fields["colour"].choices) == []  # the class keeps none


def test_set_choices_rejects_a_value_not_among_them():
    form = _Form({"colour": "green"})
    set_choices(form, "colour", [("red", "Red")])
    assert not form.is_valid()
    assert "colour" in form.errors


def test_set_choices_on_a_field_that_is_not_a_choice_field_is_a_type_error():
    with pytest.raises(TypeError, match="'note' is a CharField, not a choice field"):
        set_choices(_Form(), "note", [("a", "A")])
