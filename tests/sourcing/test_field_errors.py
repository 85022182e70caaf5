"""Every error message names its field (sourcing.field_errors), and the rule, golden-case and
supplier forms report every error on the first submit, in the GOV.UK error summary."""

from __future__ import annotations

import html
import importlib
import pkgutil
import re
from collections.abc import Callable

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

import decisions
import sourcing
import suppliers
from decisions.rulesets.models import GoldenCase
from decisions.rulesets.services import ruleset_draft_create
from sourcing.field_errors import GovukForm
from sourcing.forms import error_links
from sourcing.models import User
from suppliers.models import Supplier
from tests.decisions.rulesets.test_services import published  # noqa: F401 (a fixture)

ClientAs = Callable[[User | None], Client]


class _Example(GovukForm):
    reference = forms.CharField(max_length=12, label="Reference")
    budget = forms.IntegerField(required=False, min_value=0, label="Budget")
    colour = forms.ChoiceField(choices=[("red", "Red")], required=False)
    code = forms.CharField(required=False, error_messages={"required": "Enter the code, like G1"})

    def clean_code(self) -> str:
        if self.cleaned_data["code"] == "bad":
            raise forms.ValidationError("Must start with G")
        return str(self.cleaned_data["code"])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"reference": "A" * 13}, "reference", "Reference must be 12 characters or fewer"),
        ({"reference": "A\x00B"}, "reference", "Reference must not contain null characters"),
        ({}, "reference", "Enter reference"),
        ({"reference": "R", "budget": "ten"}, "budget", "Budget must be a whole number"),
        ({"reference": "R", "budget": "-1"}, "budget", "Budget must be 0 or more"),
        ({"reference": "R", "colour": "blue"}, "colour", "Select colour from the list"),
        ({"reference": "R", "code": "bad"}, "code", "Code must start with G"),
    ],
)
def test_django_s_stock_messages_name_the_field(
    data: dict[str, str], field: str, message: str
) -> None:
    form = _Example(data)
    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert (message, f"#id_{field}") in error_links(form)


def test_a_form_s_own_messages_are_kept() -> None:
    class Own(GovukForm):
        code = forms.CharField(error_messages={"required": "Enter the code, like G1"})

    form = Own({})
    assert form.errors["code"] == ["Enter the code, like G1"]


def _forms_of(package: object) -> list[type[forms.Form]]:
    for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):  # type: ignore[attr-defined]
        if ".migrations" in module.name or "management.commands" in module.name:
            continue
        if module.name.rsplit(".", 1)[-1] in ("forms", "dates"):
            importlib.import_module(module.name)
    found: list[type[forms.Form]] = []
    stack = list(forms.Form.__subclasses__())
    while stack:
        kind = stack.pop()
        stack.extend(kind.__subclasses__())
        if kind.__module__.startswith(package.__name__ + "."):  # type: ignore[attr-defined]
            found.append(kind)
    return found


def test_every_form_of_the_service_words_its_errors_through_govuk_form() -> None:
    kinds = [k for p in (sourcing, decisions, suppliers) for k in _forms_of(p)]
    assert len(kinds) > 20
    # The Django admin's forms (sourcing.people.admin) keep the admin's own wording.
    outside = [k for k in kinds if not issubclass(k, GovukForm) and ".admin" not in k.__module__]
    assert outside == []


def _summary(page: str) -> list[tuple[str, str]]:
    """(href, text) of each link in the GOV.UK error summary."""
    body = page.split('govuk-error-summary__list">', 1)[1].split("</ul>", 1)[0]
    return [
        (href, html.unescape(text).strip())
        for href, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', body, re.S)
    ]


@pytest.mark.usefixtures("published")
def test_the_rule_form_reports_a_null_character_with_every_other_error_at_once(
    users: dict[str, User], client_as: ClientAs
) -> None:
    draft = ruleset_draft_create(by=users["steward"], version="2026.3")
    before = draft.sha256
    url = reverse("ruleset_rule_edit", args=[draft.version, "R02"])
    data = {
        "id": "R02",
        "description": "A commodity need\x00 is bought",
        "source": "TCoP 11",
        "when": '{"eq": ["differentiation", "commodity"]}',
        "effect_buy": "1.5",
        "effect_build": "1234567890123",
    }
    page = client_as(users["steward"]).post(url, data).content.decode()
    summary = _summary(page)
    assert ("#id_description", "Description must not contain null characters") in summary
    assert ("#id_effect_build", "Weight for Build must be 12 characters or fewer") in summary
    assert any(
        href == "#id_effect_buy" and "effects.buy" in text and "whole number" in text
        for href, text in summary
    ), summary
    draft.refresh_from_db()
    assert draft.sha256 == before


@pytest.mark.usefixtures("published")
def test_the_golden_case_form_reports_a_null_character_with_every_other_error_at_once(
    users: dict[str, User], client_as: ClientAs
) -> None:
    data = {
        "code": "G99",
        "title": "Null\x00 title",
        "recommended": "buy",
        "answers": '{"months_to_live": "soon"}',
        "conditions": "R02",
        "revision_reason": "r" * 2001,
    }
    page = client_as(users["steward"]).post(reverse("golden_new"), data).content.decode()
    summary = _summary(page)
    assert ("#id_title", "Title must not contain null characters") in summary
    assert ("#id_revision_reason", "Revision note must be 2000 characters or fewer") in summary
    assert any(href == "#id_answers" and "months_to_live" in text for href, text in summary), (
        summary
    )
    assert not GoldenCase.objects.filter(code="G99").exists()
    # Without the null character, the rest is still reported the same way, and nothing saved.
    page = client_as(users["steward"]).post(reverse("golden_new"), {**data, "title": "T"})
    assert any(h == "#id_answers" for h, _ in _summary(page.content.decode()))


def test_the_supplier_form_reports_a_null_character_with_every_other_error_at_once(
    users: dict[str, User], client_as: ClientAs
) -> None:
    data = {
        "company_number": "Q1",
        "name": "New\x00 Ltd",
        "primary_segment": "",
        "sme": "yes",
        "website": "w" * 10_000,
    }
    page = client_as(users["admin"]).post("/suppliers/new/", data).content.decode()
    summary = _summary(page)
    hrefs = {href for href, _ in summary}
    assert {"#id_company_number", "#id_name", "#id_primary_segment", "#id_website"} <= hrefs
    assert ("#id_name", "Name must not contain null characters") in summary
    for href, text in summary:
        assert text, href
    assert not Supplier.objects.filter(name__startswith="New").exists()
