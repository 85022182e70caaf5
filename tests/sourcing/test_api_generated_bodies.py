"""Generated JSON (any nesting, any unicode, any integers) posted to every write endpoint of
the API: never a 5xx, and nothing saved when the answer is an error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decisions.assessments.models import Assessment
from decisions.assessments.services import assessment_run
from decisions.audit.models import AuditEvent
from decisions.cases.services import case_create, case_submit
from decisions.records.models import DecisionRecord
from decisions.rulesets.services import ruleset_publish_default
from sourcing.models import Case, CaseStatusChange, SignOff, User
from tests.factories import complete_answers, ready_case
from tests.pages import Api

# Every write endpoint: (method, path, who calls it, the body's own field names).
WRITES = [
    ("POST", "cases", "commercial", ["title", "summary", "answers"]),
    (
        "PATCH",
        "cases/{draft}",
        "commercial",
        ["title", "summary", "answers", "explanations", "sro_name"],
    ),
    ("POST", "cases/{draft}/assessments", "commercial", []),
    ("POST", "assessments/{assessment}/replay", "commercial", ["ruleset"]),
    ("POST", "cases/{draft}/signoffs", "commercial", ["discipline", "name", "role", "comment"]),
    ("POST", "cases/{draft}/submit", "commercial", []),
    ("POST", "cases/{draft}/withdraw", "commercial", ["comment"]),
    (
        "POST",
        "cases/{submitted}/review",
        "reviewer",
        ["action", "option", "rationale", "review_by"],
    ),
]

HUGE = "<an integer of 5000 digits>"  # written as such by dumps (hypothesis cannot show one)
text = st.text(alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cs"]))
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**53 - 2, max_value=2**64)
    | st.just(HUGE)
    | st.floats()
    | text
)
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=25,
)
answer_keys = st.sampled_from(
    ["months_to_live", "whole_life_budget_gbp", "option_cost_estimates", "differentiation"]
)


def dumps(value: Any) -> bytes:
    """JSON text of any value, with HUGE written as a 5000-digit integer (past CPython's
    int-string limit)."""
    return json.dumps(value).replace(json.dumps(HUGE), "9" * 5000).encode()


def bodies(fields: list[str]) -> st.SearchStrategy[bytes]:
    """Bodies an endpoint may be sent: its own fields with any values, any JSON, deep
    nesting, and bytes that are not JSON."""
    own = st.fixed_dictionaries({}, optional={name: json_values for name in fields})
    answers = st.fixed_dictionaries({"answers": st.dictionaries(answer_keys, json_values)})
    deep = st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n)
    return st.one_of(
        own.map(dumps), answers.map(dumps), json_values.map(dumps), deep, st.binary(max_size=64)
    )


def snapshot() -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    return (
        list(
            Case.objects.order_by("pk").values_list(
                "pk", "title", "summary", "answers", "answers_version", "status", "explanations"
            )
        ),
        SignOff.objects.count(),
        Assessment.objects.count(),
        CaseStatusChange.objects.count(),
        DecisionRecord.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(
    ("method", "path", "role", "fields"), WRITES, ids=[f"{m} {p}" for m, p, _, _ in WRITES]
)
def test_generated_bodies_never_give_a_5xx_and_errors_save_nothing(
    users: dict[str, User], method: str, path: str, role: str, fields: list[str]
) -> None:
    ruleset_publish_default()
    commercial = users["commercial"]
    draft = case_create(by=commercial, title="Draft", answers=complete_answers())
    assessment = assessment_run(case=draft, by=commercial)
    submitted = case_submit(case=ready_case(commercial), by=commercial)
    url = path.format(draft=draft.pk, assessment=assessment.pk, submitted=submitted.pk)
    api = Api(users[role])

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(body=bodies(fields))
    def send(body: bytes) -> None:
        with transaction.atomic():  # each example starts from the same data
            before = snapshot()
            response = api.send(method, url, raw=body)
            assert response.status_code < 500, (response.status_code, response.content[:300])
            assert response["Content-Type"].startswith("application/json")
            if response.status_code >= 400:
                assert snapshot() == before, response.content[:300]
                assert "detail" in response.json()
            transaction.set_rollback(True)

    send()
