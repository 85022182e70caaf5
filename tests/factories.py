"""Test data, built through the real service functions (never by writing rows directly).

Shared by the test modules of every package: cases at each stage, decisions, catalogue rows.
"""

from __future__ import annotations

import json
from typing import Any

from decisions import engine
from decisions.assessments.services import assessment_run
from decisions.cases.services import (
    SUMMARY_MAX,
    TEXT_MAX,
    TITLE_MAX,
    case_create,
    case_submit,
    case_update,
    signoff_record,
)
from decisions.engine.ruleset import GOLDEN_CASES_2026_1_PATH, RULESET_2026_1_PATH
from decisions.records.models import DecisionRecord
from decisions.review.services import RATIONALE_MAX, review_decide
from decisions.rulesets.models import Ruleset
from decisions.rulesets.services import (
    golden_cases_import,
    ruleset_approve,
    ruleset_draft_create,
    ruleset_publish,
    ruleset_publish_default,
    ruleset_upload,
)
from sourcing.models import Case, Department, DepartmentMapping, Discipline, Role, User
from sourcing.people.services import user_ensure, user_save
from suppliers.catalogue import catalogue_csv

# Text from many scripts, for what prints people's text (PDFs, CSV, pages).
UNUSUAL = "Gwasanaeth Cymraeg: ŵ ŷ â — emoji 🙂🏛️ — اسم عربي שם עברי — 中文"


def complete_answers() -> dict[str, Any]:
    """Every answer of the questionnaire, valid (the first shipped golden case's)."""
    data = json.loads(engine.GOLDEN_CASES_PATH.read_text())
    cases = data["cases"] if isinstance(data, dict) else data
    return dict(cases[0]["answers"])


def golden_answers(code: str) -> dict[str, Any]:
    """The answers of one shipped golden case, like "G41" (a close call: build leads procure by
    5 points)."""
    data = json.loads(engine.GOLDEN_CASES_PATH.read_text())
    return dict(next(case["answers"] for case in data["cases"] if case["id"] == code))


def second_steward_approves(draft: Ruleset) -> None:
    """Four eyes: a second ruleset steward ("second-steward") approves the draft as it is now,
    so its author (or anyone but them) may publish it."""
    draft.refresh_from_db()
    other = user_ensure(username="second-steward", role=Role.STEWARD, password="not-used-here")
    ruleset_approve(draft=draft, by=other, sha256=draft.sha256)


def published_ruleset() -> Ruleset:
    """The shipped default ruleset, published (once)."""
    return ruleset_publish_default()


def ready_case(owner: User, *, title: str = "Case management system", **answers: Any) -> Case:
    """A case with complete answers (changed as given), an assessment, explanations, sign-offs
    and an SRO: ready to submit. Needs a published ruleset."""
    case = case_create(by=owner, title=title, answers={**complete_answers(), **answers})
    assessment = assessment_run(case=case, by=owner)
    explain = {
        c["check"]: "Explained."
        for c in assessment.result["policy_checks"]
        if c["result"] == "explain"
    }
    case_update(case=case, by=owner, explanations=explain, sro_name="Sam Owner")
    for discipline in Discipline.values:
        signoff_record(case=case, by=owner, discipline=discipline, name=f"{discipline} lead")
    case.refresh_from_db()
    return case


def sign_off_again(case: Case, owner: User) -> Case:
    """Every discipline's sign-off typed again (as ready_case types them) on the case as it
    is now: after a change to anything signed (answers, explanations, title, summary)."""
    for discipline in Discipline.values:
        signoff_record(case=case, by=owner, discipline=discipline, name=f"{discipline} lead")
    case.refresh_from_db()
    return case


def assessed_case(owner: User, **answers: Any) -> Case:
    """A ready case titled "Case management", under the default ruleset (published here)."""
    published_ruleset()
    return ready_case(owner, title="Case management", **answers)


def submitted_case(owner: User, title: str = "Case management system") -> Case:
    """A ready case, submitted to the Centre of Excellence (the default ruleset published)."""
    published_ruleset()
    case = ready_case(owner)
    if title != case.title:
        Case.objects.filter(pk=case.pk).update(title=title)
    return case_submit(case=case, by=owner)


def approved_record(owner: User, reviewer: User, **decision: Any) -> DecisionRecord:
    """The record of a submitted case the reviewer approved (with the decision's options)."""
    record = review_decide(case=submitted_case(owner), by=reviewer, action="approve", **decision)
    assert record is not None
    return record


def approved_case(owner: User, reviewer: User, **answers: Any) -> Case:
    """An assessed case (answers changed as given), submitted and approved."""
    case = case_submit(case=assessed_case(owner, **answers), by=owner)
    review_decide(case=case, by=reviewer, action="approve")
    case.refresh_from_db()
    return case


def other_option(case: Case) -> str:
    """An option other than the one the case's latest assessment recommends."""
    recommended = case.assessments.order_by("-created_at").first().recommended  # type: ignore[union-attr]
    return next(o for o in ("build", "buy", "partner") if o != recommended)


def catalogue_row(**changes: str) -> dict[str, str]:
    """A valid supplier catalogue row, with changes."""
    base = {
        "company_number": "01234567",
        "name": "Example Software Ltd",
        "segments": "saas-platforms",
        "sme": "yes",
        "frameworks": "g-cloud",
        "capabilities": "case management;crm",
        "classification": "official",
        "clearance": "bpss",
        "accreditations": "cyber-essentials",
        "regions": "uk-wide",
        "website": "https://example.com",
        "description": "",
    }
    return {**base, **changes}


def catalogue_bytes(*rows: dict[str, str]) -> bytes:
    """A catalogue CSV file of these rows."""
    return catalogue_csv(rows).encode("utf-8")


def pdf_case(owner: User, *, summary: str = "", **answers: Any) -> Case:
    """A submitted case with complete answers (some replaced), explanations and sign-offs whose
    text exercises the PDF (UNUSUAL characters in the SRO's name)."""
    ruleset_publish_default()
    case = case_create(
        by=owner,
        title="Case management system",
        summary=summary,
        answers={**complete_answers(), **answers},
    )
    assessment = assessment_run(case=case, by=owner)
    explain = {
        c["check"]: f"Explained for {c['check']}."
        for c in assessment.result["policy_checks"]
        if c["result"] == "explain"
    }
    case_update(case=case, by=owner, explanations=explain, sro_name=f"Sam Owner {UNUSUAL}")
    for discipline in Discipline.values:
        signoff_record(case=case, by=owner, discipline=discipline, name=f"{discipline} lead")
    case.refresh_from_db()
    return case_submit(case=case, by=owner)


def pdf_record(
    owner: User,
    reviewer: User,
    capture: Any,
    *,
    option: str | None = None,
    rationale: str = "",
    **answers: Any,
) -> DecisionRecord:
    """Approve a new case; the on-commit dispatch runs as it would after a real commit."""
    case = pdf_case(owner, **answers)
    with capture(execute=True):
        record = review_decide(
            case=case, by=reviewer, action="approve", option=option, rationale=rationale
        )
    assert record is not None
    return DecisionRecord.objects.select_related("pdf", "department").get(pk=record.pk)


# Every free text a decision record prints, at its longest, without a space: one letter each,
# so a test can count that all of it was printed (pdftotext), however it wrapped.
LONGEST_TEXTS: dict[str, tuple[str, int]] = {
    "title": ("ŵ", TITLE_MAX),
    "summary": ("ŷ", SUMMARY_MAX),
    "sro_name": ("ẅ", 200),
    "explanation": ("ẃ", TEXT_MAX),
    "signoff_name": ("ẁ", 200),
    "signoff_role": ("ỳ", 200),
    "signoff_comment": ("ĵ", TEXT_MAX),
    "return_comment": ("ĥ", RATIONALE_MAX),
    "rationale": ("ŝ", RATIONALE_MAX),
}


def longest_text(field: str) -> str:
    """The field's longest allowed text, without a space."""
    letter, length = LONGEST_TEXTS[field]
    return letter * length


def longest_text_record(owner: User, reviewer: User, capture: Any) -> DecisionRecord:
    """The worst allowed input for a decision record's PDF: every free text at its longest,
    without a space (explained policy checks, four sign-offs, a return, an override)."""
    ruleset_publish_default()
    case = case_create(
        by=owner,
        title=longest_text("title"),
        summary=longest_text("summary"),
        answers=complete_answers(),
    )
    assessment = assessment_run(case=case, by=owner)
    explain = {
        c["check"]: longest_text("explanation")
        for c in assessment.result["policy_checks"]
        if c["result"] == "explain"
    }
    case_update(case=case, by=owner, explanations=explain, sro_name=longest_text("sro_name"))
    for discipline in Discipline.values:
        signoff_record(
            case=case,
            by=owner,
            discipline=discipline,
            name=longest_text("signoff_name"),
            role=longest_text("signoff_role"),
            comment=longest_text("signoff_comment"),
        )
    case = case_submit(case=case, by=owner)
    review_decide(case=case, by=reviewer, action="return", rationale=longest_text("return_comment"))
    case.refresh_from_db()
    case = case_submit(case=case, by=owner)
    with capture(execute=True):
        record = review_decide(
            case=case,
            by=reviewer,
            action="approve",
            option=other_option(case),
            rationale=longest_text("rationale"),
        )
    assert record is not None
    return DecisionRecord.objects.select_related("pdf", "department").get(pk=record.pk)


def account_closed(user: User, *, by: User) -> User:
    """Close a user's account as the administrator does (user_save with is_active False: their
    tokens are revoked, they can no longer sign in)."""
    return user_save(
        by=by,
        user=user,
        username=user.username,
        role=user.role,
        department=user.department,
        is_active=False,
    )


def domain_mapped(department: Department | None, domain: str) -> None:
    """Email addresses at `domain` admit people to `department` (an email-domain mapping, made
    once), so its administrator may invite them."""
    assert department is not None
    DepartmentMapping.objects.get_or_create(
        kind=DepartmentMapping.Kind.EMAIL_DOMAIN,
        claim="",
        value=domain,
        defaults={"department": department},
    )


def format_1_published(steward: User) -> Ruleset:
    """The format 1 ruleset (2026.1's rules, before Part 1 and Part 2 were recorded with the
    check) published as the current version by the stewards (four eyes)."""
    golden_cases_import(json.loads(GOLDEN_CASES_2026_1_PATH.read_text()))
    current = Ruleset.objects.current()
    draft = ruleset_draft_create(by=steward, version="2026.901", based_on=current)
    raw = json.loads(RULESET_2026_1_PATH.read_text())
    raw["version"] = "2026.901"
    draft = ruleset_upload(draft=draft, by=steward, raw=json.dumps(raw).encode())
    second_steward_approves(draft)
    return ruleset_publish(draft=draft, by=steward, change_summary="Format 1 again.")
