"""Rulesets, rules and golden cases with values that cannot be hashed: field errors, nothing
saved, never a 500 (the input gate, decisions.engine.hashable)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from decisions.rulesets.models import GoldenCase, Ruleset
from decisions.rulesets.services import (
    DraftInvalid,
    GoldenCaseDraft,
    golden_case_save,
    ruleset_draft_create,
    ruleset_upload,
)
from sourcing.errors import ValidationFailed
from sourcing.models import User
from tests.decisions.rulesets.test_services import GOLDEN, published  # noqa: F401 (a fixture)

pytestmark = pytest.mark.usefixtures("published")


@pytest.fixture
def draft(users: dict[str, User]) -> Ruleset:
    return ruleset_draft_create(by=users["steward"], version="2026.3")


def _with_rule_two(draft: Ruleset, when_text: str) -> bytes:
    """The draft's file with rule 2's condition replaced by raw JSON text."""
    content = json.dumps(draft.content)
    rule_two = draft.content["rules"][1]
    old = json.dumps({"when": rule_two["when"]})[1:-1]
    assert old in content
    return content.replace(old, f'"when": {when_text}', 1).encode()


@pytest.mark.parametrize("constant", ["9007199254740992", "-9007199254740992", "9" * 5000, "1e400"])
def test_an_uploaded_constant_out_of_range_is_a_rule_problem_and_nothing_saved(
    users: dict[str, User], draft: Ruleset, constant: str
) -> None:
    before = (draft.sha256, draft.content)
    raw = _with_rule_two(draft, '{"gte": ["months_to_live", ' + constant + "]}")
    with pytest.raises(DraftInvalid) as caught:
        ruleset_upload(draft=draft, by=users["steward"], raw=raw)
    rule_id = draft.content["rules"][1]["id"]
    problems = [(p.rule_id, p.field) for p in caught.value.problems]
    assert problems == [(rule_id, "when.gte[1]")], caught.value.problems
    draft.refresh_from_db()
    assert (draft.sha256, draft.content) == before


def test_a_lone_surrogate_in_an_upload_is_a_rule_problem(
    users: dict[str, User], draft: Ruleset
) -> None:
    raw = _with_rule_two(draft, '{"eq": ["differentiation", "commodity\\ud800"]}')
    with pytest.raises(DraftInvalid) as caught:
        ruleset_upload(draft=draft, by=users["steward"], raw=raw)
    assert [p.field for p in caught.value.problems] == ["when.eq[1]"]
    assert "lone surrogate" in caught.value.problems[0].message


@pytest.mark.parametrize("depth", [300, 900, 100_000])
def test_an_upload_nested_hundreds_deep_is_refused_not_crashed(
    users: dict[str, User], draft: Ruleset, depth: int
) -> None:
    when = '{"not": ' * depth + '{"always": true}' + "}" * depth
    with pytest.raises(DraftInvalid) as caught:
        ruleset_upload(draft=draft, by=users["steward"], raw=_with_rule_two(draft, when))
    assert "deep" in caught.value.problems[0].message


def test_the_upload_page_names_a_constant_beyond_2_53_by_rule(
    users: dict[str, User], draft: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    raw = _with_rule_two(draft, '{"gte": ["months_to_live", 9007199254740993]}')
    upload = SimpleUploadedFile("r.json", raw, "application/json")
    response = client_as(users["steward"]).post(
        reverse("ruleset_upload", args=[draft.version]), {"file": upload}
    )
    assert response.status_code == 200
    rule_id = draft.content["rules"][1]["id"]
    assert f"rule {rule_id}, when.gte[1]: must be a whole number from" in response.content.decode()


@pytest.mark.parametrize(
    "when",
    [
        '{"gte": ["months_to_live", 9007199254740993]}',
        '{"gte": ["months_to_live", ' + "9" * 5000 + "]}",
        '{"not": ' * 900 + '{"always": true}' + "}" * 900,
        '{"eq": ["differentiation", "commodity\\ud800"]}',
    ],
)
def test_the_rule_form_refuses_unhashable_conditions_by_rule(
    users: dict[str, User], draft: Ruleset, client_as: Callable[[User | None], Client], when: str
) -> None:
    before = draft.sha256
    url = reverse("ruleset_rule_edit", args=[draft.version, "R02"])
    data = {"id": "R02", "description": "d", "source": "TCoP 11", "when": when}
    response = client_as(users["steward"]).post(url, data)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    draft.refresh_from_db()
    assert draft.sha256 == before


@pytest.mark.parametrize(
    ("answers", "named"),
    [
        ('{"option_cost_estimates": ' + "[" * 900 + "]" * 900 + "}", "id_answers-error"),
        ('{"months_to_live": ' + "9" * 5000 + "}", "answers.months_to_live"),
    ],
    ids=["nested 900 deep", "a 5000-digit integer"],
)
def test_golden_case_answers_that_cannot_be_hashed_are_a_field_error(
    users: dict[str, User], client_as: Callable[[User | None], Client], answers: str, named: str
) -> None:
    response = client_as(users["steward"]).post(
        reverse("golden_new"),
        {"code": "G99", "title": "Bad", "recommended": "buy", "answers": answers},
    )
    assert response.status_code == 200
    assert 'id="id_answers-error"' in response.content.decode()
    assert named in response.content.decode()
    assert not GoldenCase.objects.filter(code="G99").exists()


def test_a_golden_case_with_a_lone_surrogate_is_refused_before_hashing(
    users: dict[str, User],
) -> None:
    expected = {"recommended": "buy", "conditions": ["R02 \udfff"]}
    with pytest.raises(ValidationFailed) as caught:
        golden_case_save(
            by=users["steward"],
            draft=GoldenCaseDraft(
                code="G98", title="T", answers=GOLDEN[0]["answers"], expected=expected
            ),
        )
    assert "lone surrogate" in json.dumps(caught.value.errors)
    assert not GoldenCase.objects.filter(code="G98").exists()
