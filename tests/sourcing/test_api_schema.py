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
# Every check. schemathesis's own positive_data_acceptance is replaced by
# positive_data_accepted below, which is the same check (data valid by the document must not be
# refused: only 2xx, 3xx, 401, 403, 404, 409 for a state that does not allow it, and 429) with
# one exception, per operation and stated: the operations below may also answer 422 to data
# valid by the document, because the service has rules that the OpenAPI document cannot state.
# Listed exactly, so that any other 400 or 422 to valid data fails the test.
CHECKS_LEFT_OUT = [schemathesis.checks.positive_data_acceptance]
RULES_BEYOND_THE_DOCUMENT = {
    # A title of spaces only ("Enter title"); answers by questionnaire key whose ranges and
    # choices depend on the ruleset and on each other (validate_answers); amounts as text that
    # must read as pounds ("250,000" yes, "lots" no).
    "POST /api/v1/cases": "title not blank; answers by the questionnaire's rules",
    "PATCH /api/v1/cases/{case_id}": "as POST cases; explanations keyed by policy checks",
    # A discipline from the list of four and a name that is not blank (the schema types them
    # as text, so that the 422 names the field in the service's words, sourcing.api_body).
    "POST /api/v1/cases/{case_id}/signoffs": "discipline from the list; name not blank",
    # A discipline from the list of four and a colleague of the case's department (people are
    # data); the decision from its two values, with a comment to decline.
    "POST /api/v1/cases/{case_id}/signoff-requests": "discipline from the list; a colleague",
    "POST /api/v1/signoff-requests/{request_id}/decide": "signed or declined; comment to decline",
    # Reasons needed to return, reject or override (depends on the action and on the case's
    # recommendation); a review-by date in the future (depends on today) written as people
    # write dates (no JSON Schema format reads "27 March 2029").
    "POST /api/v1/cases/{case_id}/review": "reasons by action and case; review-by in the future",
    # Kinds of email the caller's role may turn off (which depends on the role).
    "PUT /api/v1/me/notifications": "off lists kinds of email the caller's role may turn off",
    # Months late exactly when not on time; only the department of a current approval.
    "POST /api/v1/decisions/{record_id}/outcomes": "months late exactly when not on time",
    # A segment that exists (segments are data, not a fixed list).
    "GET /api/v1/suppliers": "segment must be one the catalogue holds",
    # A financial quarter written "2026-Q3" (years 2000 to 2100) and a department that exists.
    "GET /api/v1/public-interest-returns": "a quarter like 2026-Q3; a department that exists",
    # An expected option exactly when the department would not choose the decided one again
    # (depends on the decision's outcome review), and then another than the decided one.
    "POST /api/v1/decisions/{record_id}/golden-case": "option by the outcome's same_again",
    # A department that exists; a quarter or days, not both; a quarter's year 2000 to 2100;
    # the last day not before the first.
    "GET /api/v1/dashboard": "a department that exists; a quarter or days; until after since",
    # A department that exists (departments are data), as on the reports' pages; the last day
    # not before the first.
    "GET /api/v1/consistency": "a department that exists; until after since",
    "GET /api/v1/calibration": "a department that exists; until after since",
}
EXAMPLES = 20


def positive_data_accepted(ctx: Any, response: Any, case: Any) -> None:
    """schemathesis's positive_data_acceptance, with RULES_BEYOND_THE_DOCUMENT's 422s."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    status = response.status_code
    if 200 <= status < 400 or status in (401, 403, 404, 409, 429):
        return
    if status == 422 and case.operation.label in RULES_BEYOND_THE_DOCUMENT:
        return
    raise AssertionError(
        f"{case.operation.label}: data valid by the document refused with {status}: "
        f"{response.text[:500]}"
    )


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
    case.call_and_validate(
        headers=headers,
        excluded_checks=CHECKS_LEFT_OUT,
        additional_checks=[positive_data_accepted],
    )
    DecisionRecord.objects.count()  # the connection is still usable: no broken transaction
