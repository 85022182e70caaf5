"""References as people type them: one ASCII form, never a look-alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from sourcing.forms import REFERENCE_MESSAGE, reference_typed
from sourcing.models import User
from tests.factories import approved_record


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (" src-2026-0001 ", "SRC-2026-0001"),
        ("\uff33\uff32\uff23-\uff12\uff10\uff12\uff16-\uff10\uff10\uff10\uff11", "SRC-2026-0001"),
        ("", ""),
    ],
)
def test_a_reference_is_read_in_its_one_ascii_form(typed: str, stored: str) -> None:
    assert reference_typed(typed) == stored


@pytest.mark.parametrize(
    "typed", ["SRC-\u0662\u0660\u0662\u0666-0001", "SRC 2026", "SRC-2026-0001;", "\u0405RC-2026"]
)
def test_anything_else_is_refused_with_a_clear_message(typed: str) -> None:
    with pytest.raises(forms.ValidationError) as refused:
        reference_typed(typed)
    assert refused.value.messages == [REFERENCE_MESSAGE]


def test_the_record_search_names_the_reference_field(
    users: dict[str, User], client_as: Callable[..., Client]
) -> None:
    record = approved_record(users["commercial"], users["reviewer"])
    client = client_as(users["auditor"])
    full_width = record.reference.replace("2", "\uff12")
    found = client.get(reverse("record_list"), {"reference": full_width}).content.decode()
    assert f"/records/{record.pk}/" in found
    refused = client.get(reverse("record_list"), {"reference": "SRC-\u0662"}).content.decode()
    assert REFERENCE_MESSAGE in refused
