"""The API against its own OpenAPI document (schemathesis): for every operation, generated
requests (valid and invalid, as every role's token and none, on objects that exist and that do
not) never get a 5xx, and every answer is documented: its status, content type, headers and
body shape. Bounded: a fixed number of examples per operation, no shrinking, derandomised.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from decisions.records.models import DecisionRecord
from sourcing.api import api
from sourcing.models import User
from sourcing.people.services import token_issue
from sourcing.wsgi import application
from tests.factories import approved_record, ready_case

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
SCHEMA.app = application
ROLES = ("commercial", "outsider", "reviewer", "auditor", "steward", "admin", None)
# Every check but one: a request valid by the document may still be refused by the service's
# rules (answers a questionnaire key does not take, a transition the case's state does not
# allow), with a 409 or 422 naming why; the document describes shapes, not the rules.
CHECKS_LEFT_OUT = [schemathesis.checks.positive_data_acceptance]
EXAMPLES = 20


@pytest.fixture
def world(users: dict[str, User], ruleset: None) -> Iterator[dict[str, Any]]:
    """Tokens of every role, and objects that exist: a draft, an approved case, its record.

    Requests go through the WSGI application in the test's transaction: as Django's test client
    does, the end of a request does not close the connection.
    """
    record = approved_record(users["commercial"], users["reviewer"])
    draft = ready_case(users["commercial"])
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield {
        "tokens": {role: token_issue(user=users[role]) for role in ROLES if role},
        "ids": {
            "case_id": [draft.pk, record.case_id],
            "record_id": [record.pk],
            "assessment_id": [draft.assessments.get().pk],
            "version": [record.content["identity"]["ruleset"]["version"]],
        },
    }
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@SCHEMA.parametrize()
@SCHEMA.given(role=st.sampled_from(ROLES), existing=st.booleans(), pick=st.integers(0, 1))
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_is_documented_and_none_is_a_5xx(
    case: Any, role: str | None, existing: bool, pick: int, world: dict[str, Any]
) -> None:
    if existing and case.path_parameters:
        for name in case.path_parameters:
            choices = world["ids"].get(name)
            if choices:
                case.path_parameters[name] = choices[pick % len(choices)]
    headers = {"Authorization": f"Bearer {world['tokens'][role]}"} if role else {}
    case.call_and_validate(headers=headers, excluded_checks=CHECKS_LEFT_OUT)
    DecisionRecord.objects.count()  # the connection is still usable: no broken transaction
