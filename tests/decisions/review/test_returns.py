"""A returned case says why: the reviewer's comments at the top of the case page and on its
task list, the tasks they named marked "Needs changes"; and the resubmission shows the reviewer
what changed since the return."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from decisions.assessments.services import assessment_run
from decisions.cases.selectors import changed_since_return, open_return
from decisions.cases.services import case_submit, case_update, signoff_record
from decisions.review.services import review_decide
from sourcing.errors import ValidationFailed
from sourcing.models import Case, CaseStatus, Discipline, User
from tests.factories import submitted_case
from tests.pages import Api

ClientAs = Callable[[User | None], Client]
COMMENTS = "Name the cross-government components you checked, and add the exit plan."


def _html(response: Any) -> str:
    return str(response.content.decode())


@pytest.fixture
def returned(users: dict[str, User]) -> Case:
    case = submitted_case(users["commercial"])
    review_decide(
        case=case,
        by=users["reviewer"],
        action="return",
        rationale=COMMENTS,
        sections=["market", "explanations"],
    )
    case.refresh_from_db()
    return case


def _resubmit(case: Case, owner: User, **answers: Any) -> Case:
    case_update(case=case, by=owner, answers=answers)
    case.refresh_from_db()
    assessment = assessment_run(case=case, by=owner)
    explain = {
        c["check"]: "Explained again, with the exit plan."
        for c in assessment.result["policy_checks"]
        if c["result"] == "explain"
    }
    case_update(case=case, by=owner, explanations=explain)
    for discipline in Discipline.values:
        signoff_record(case=case, by=owner, discipline=discipline, name=f"{discipline} lead")
    return case_submit(case=case, by=owner)


def test_a_return_keeps_the_named_tasks_and_the_answers_as_returned(
    returned: Case, users: dict[str, User]
) -> None:
    change = open_return(returned)
    assert change is not None and change.comment == COMMENTS
    assert change.sections == ["market", "explanations"]
    assert change.snapshot is not None
    assert change.snapshot["answers"] == returned.answers
    assert changed_since_return(returned, change) == set()
    case_update(case=returned, by=users["commercial"], answers={"credible_suppliers": 2})
    returned.refresh_from_db()
    assert returned.status == CaseStatus.DRAFT
    change = open_return(returned)
    assert change is not None  # still open: a draft again, not resubmitted
    assert changed_since_return(returned, change) == {"market"}


def test_a_return_names_only_the_case_s_tasks(users: dict[str, User]) -> None:
    case = submitted_case(users["commercial"])
    with pytest.raises(ValidationFailed) as failed:
        review_decide(
            case=case, by=users["reviewer"], action="return", rationale="x", sections=["catering"]
        )
    assert "sections" in failed.value.errors
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_the_case_page_shows_the_comments_at_the_top_and_the_tasks_that_need_changes(
    returned: Case, users: dict[str, User], client_as: ClientAs
) -> None:
    alice = client_as(users["commercial"])
    url = f"/cases/{returned.reference}/"
    html = _html(alice.get(url))
    banner = html.split('class="govuk-notification-banner"')[1].split("Your tasks")[0]
    assert COMMENTS in banner and "returned this case" in banner
    assert html.index(COMMENTS) < html.index("Your tasks")
    assert 'href="#return-comments">read the reviewer' in html
    assert html.count(">Needs changes</strong>") == 2
    case_update(case=returned, by=users["commercial"], answers={"credible_suppliers": 2})
    html = _html(alice.get(url))
    assert html.count(">Needs changes</strong>") == 1  # the explanations are still to change
    assert "Changed since the return" in html and "(changed since the return)" in html
    assert COMMENTS in html  # the return stays open until the case is resubmitted


def test_the_reviewer_sees_what_changed_since_the_return(
    returned: Case, users: dict[str, User], client_as: ClientAs
) -> None:
    _resubmit(returned, users["commercial"], credible_suppliers=2)
    html = _html(client_as(users["reviewer"]).get(f"/review/{returned.reference}/"))
    assert "What changed since the return" in html and COMMENTS in html
    changes = html.split('id="changes"')[1].split('id="answers"')[0]
    assert "Answers changed (1)" in changes
    assert "Credible suppliers" in changes or "credible suppliers" in changes.lower()
    assert "<ins>2</ins>" in changes
    assert "Explained again, with the exit plan." in changes
    assert "Parts named as needing changes:" in changes
    # Once resubmitted, the department's page no longer shows the return as open.
    page = _html(client_as(users["commercial"]).get(f"/cases/{returned.reference}/"))
    assert "returned this case" not in page


def test_the_review_form_and_api_name_the_tasks_to_change(
    users: dict[str, User], client_as: ClientAs
) -> None:
    case = submitted_case(users["commercial"])
    page = _html(client_as(users["reviewer"]).get(f"/review/{case.reference}/"))
    assert 'name="sections" type="checkbox" value="market"' in page
    api = Api(users["reviewer"])
    bad = api.send(
        "POST", f"cases/{case.pk}/review", {"action": "return", "rationale": "x", "sections": 3}
    )
    assert bad.status_code == 422
    assert any(d["loc"] == ["body", "sections"] for d in bad.json()["detail"])
    ok = api.send(
        "POST",
        f"cases/{case.pk}/review",
        {"action": "return", "rationale": "Fix the market.", "sections": ["market"]},
    )
    assert ok.status_code == 200, ok.json()
    change = open_return(case)
    assert change is not None and change.sections == ["market"]


def test_a_return_naming_nothing_shows_the_sections_whose_answers_changed(
    users: dict[str, User], client_as: ClientAs
) -> None:
    case = submitted_case(users["commercial"])
    review_decide(case=case, by=users["reviewer"], action="return", rationale=COMMENTS)
    alice = client_as(users["commercial"])
    html = _html(alice.get(f"/cases/{case.reference}/"))
    assert COMMENTS in html and ">Needs changes</strong>" not in html
    assert "Changed since the return" not in html
    case_update(case=case, by=users["commercial"], answers={"credible_suppliers": 2})
    html = _html(alice.get(f"/cases/{case.reference}/"))
    assert html.count("Changed since the return") == 1  # the market section only
