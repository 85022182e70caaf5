"""Form plumbing shared by every feature (sourcing.forms)."""

from __future__ import annotations

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sourcing.forms import ReportFilterForm, set_choices


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


def test_report_filters_read_the_departments_once_and_only_when_shown_or_given(dept_a):
    with CaptureQueriesContext(connection) as unfiltered:
        form = ReportFilterForm({"option": "buy"})
        assert form.is_valid() and form.filters()["department"] == ""
    assert len(unfiltered) == 0  # the API's report without a department filter
    with CaptureQueriesContext(connection) as given:
        form = ReportFilterForm({"department": dept_a.code})
        assert form.is_valid() and form.filters()["department"] == dept_a.code
        shown = str(form["department"])
    assert len(given) == 1  # checked and shown from the one read
    assert f'<option value="{dept_a.code}" selected>{dept_a.name}</option>' in shown
    unknown = ReportFilterForm({"department": "no-such-department"})
    assert not unknown.is_valid() and "department" in unknown.errors
