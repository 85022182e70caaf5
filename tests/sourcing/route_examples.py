"""The route matrix's examples: for each route with URL parameters, the kwargs of an object of
the caller's department ("own") and, when the route is scoped, of another department's
("foreign"). Objects are built through the real services (tests.factories)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from decisions.assessments.services import assessment_run
from decisions.cases.services import case_create, signoff_request_create
from decisions.exports.services import export_start
from decisions.impact.services import (
    ruleset_impact_start,
    ruleset_replay_start,
    ruleset_run_execute,
)
from decisions.rulesets.models import Ruleset
from decisions.rulesets.services import golden_cases_import, ruleset_draft_create
from sourcing.models import Case, Role, User
from sourcing.people.services import invitation_create, user_ensure
from suppliers.catalogue import catalogue_import, supplier_save
from suppliers.reference import SAMPLE_CATALOGUE_PATH
from tests.factories import (
    approved_case,
    approved_record,
    complete_answers,
    domain_mapped,
    published_ruleset,
    submitted_case,
)

Examples = Callable[[dict[str, User]], dict[str, dict[str, Any]]]


# Cases and assessments ---------------------------------------------------------------------------


def _drafts(users: dict[str, User]) -> tuple[Case, Case]:
    own = case_create(by=users["commercial"], title="Own department's case")
    foreign = case_create(by=users["outsider"], title="Another department's case")
    return own, foreign


def by_reference(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    """A draft case of each department, by reference."""
    own, foreign = _drafts(users)
    return {"own": {"reference": own.reference}, "foreign": {"reference": foreign.reference}}


def by_section(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    """The first section of a draft case of each department."""
    own, foreign = _drafts(users)
    return {
        "own": {"reference": own.reference, "section": "need"},
        "foreign": {"reference": foreign.reference, "section": "need"},
    }


def _assessment_ids(users: dict[str, User], key: str) -> dict[str, dict[str, Any]]:
    published_ruleset()
    ids = {}
    for side, user in (("own", users["commercial"]), ("foreign", users["outsider"])):
        case = case_create(by=user, title=f"{side} assessed case", answers=complete_answers())
        ids[side] = {key: assessment_run(case=case, by=user).pk}
    return ids


def by_case_id(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    """A draft case of each department, by id (the default ruleset published)."""
    published_ruleset()
    own, foreign = _drafts(users)
    return {"own": {"case_id": own.pk}, "foreign": {"case_id": foreign.pk}}


def _signoff_requests(users: dict[str, User], key: str) -> dict[str, dict[str, Any]]:
    """A sign-off request asked of the caller ("own": the department A commercial user, asked
    by a colleague) and one of department B."""
    ids = {}
    for side, signatory in (("own", users["commercial"]), ("foreign", users["outsider"])):
        colleague = user_ensure(
            username=f"{side}-case-owner",
            role=Role.COMMERCIAL,
            password="not-used-1234",
            department=signatory.department,
        )
        case = case_create(by=colleague, title=f"{side} case to sign off")
        asked = signoff_request_create(
            case=case, by=colleague, discipline="legal", user=signatory.username
        )
        ids[side] = {key: asked.pk}
    return ids


# Review and records ------------------------------------------------------------------------------


def _submitted_by_reference(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    return {"own": {"reference": submitted_case(users["commercial"]).reference}}


def _submitted_by_id(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    return {"own": {"case_id": submitted_case(users["commercial"]).pk}}


def _approved_by_reference(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    record = approved_record(users["commercial"], users["reviewer"])
    return {"own": {"reference": record.reference}}


def _records(key: str) -> Examples:
    """An approved record of each department. Their PDFs are not rendered: the test's
    transaction never commits, so on_commit never dispatches them (the matrix expects 202)."""

    def examples(users: dict[str, User]) -> dict[str, dict[str, Any]]:
        own = approved_record(users["commercial"], users["reviewer"])
        foreign = approved_record(users["outsider"], users["reviewer"])
        return {"own": {key: own.pk}, "foreign": {key: foreign.pk}}

    return examples


def _export(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    # Pending (its build is dispatched on commit): the detail page shows it, the download is 404.
    job = export_start(by=users["auditor"], filters={})
    return {"own": {"pk": job.pk}}


# Rulesets, impact and replay --------------------------------------------------------------------


def _published(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    return {"own": {"version": published_ruleset().version}}


def _draft(users: dict[str, User]) -> Ruleset:
    published_ruleset()
    return ruleset_draft_create(by=users["steward"], version="2099.1")


def _by_draft(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    return {"own": {"version": _draft(users).version}}


def _by_rule(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    draft = _draft(users)
    return {"own": {"version": draft.version, "rule_id": draft.content["rules"][0]["id"]}}


def _impact_run(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    run = ruleset_impact_start(draft=_draft(users), by=users["steward"])
    return {"own": {"run_id": run.pk}}


def _replay_run(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    published_ruleset()
    run = ruleset_replay_start(by=users["reviewer"])
    ruleset_run_execute(run_id=run.pk)
    return {"own": {"run_id": run.pk}}


def _golden(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    golden_cases_import()
    return {"own": {"code": "G01"}}


# Suppliers ---------------------------------------------------------------------------------------


def _supplier(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    supplier = supplier_save(
        by=users["admin"],
        values={
            "company_number": "01234567",
            "name": "Example Software Ltd",
            "segments": "saas-platforms",
            "sme": "yes",
        },
    )
    return {"own": {"company_number": supplier.company_number}}


def _import(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    result = catalogue_import(by=users["admin"], raw=SAMPLE_CATALOGUE_PATH.read_bytes())
    assert result.record is not None
    return {"own": {"pk": result.record.pk}}


def _segment(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    return {"own": {"key": "systems-integrators"}}


def _submitted_cases(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    own = submitted_case(users["commercial"])
    foreign = submitted_case(users["outsider"])
    return {"own": {"reference": own.reference}, "foreign": {"reference": foreign.reference}}


def _approved_cases(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    own = approved_case(users["commercial"], users["reviewer"])
    foreign = approved_case(users["outsider"], users["reviewer"])
    return {"own": {"reference": own.reference}, "foreign": {"reference": foreign.reference}}


# The department administrator ------------------------------------------------------------------


def by_member(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    """Someone with no role yet in the administrator's department (A); a commercial user of B."""
    return {"own": {"user_id": users["none"].pk}, "foreign": {"user_id": users["outsider"].pk}}


def by_invitation(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    """A pending invitation of department A, and one of department B (by B's administrator)."""
    admin_b = user_ensure(
        username="user-department-admin-b",
        role=Role.DEPARTMENT_ADMIN,
        password="correct-horse-battery-staple",
        department=users["outsider"].department,
    )
    domain_mapped(users["department_admin"].department, "a.example.gov.uk")
    domain_mapped(admin_b.department, "b.example.gov.uk")
    own = invitation_create(by=users["department_admin"], email="new.colleague@a.example.gov.uk")
    foreign = invitation_create(by=admin_b, email="someone@b.example.gov.uk")
    return {"own": {"invitation_id": own.pk}, "foreign": {"invitation_id": foreign.pk}}


def _single_provider(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    """The one provider configured through OIDC_ISSUER (the development provider)."""
    return {"own": {"provider": "department"}}


ROUTE_EXAMPLES: dict[str, Examples] = {
    # Sign-in through an identity provider, by its key
    "oidc_start": _single_provider,
    "oidc_callback": _single_provider,
    # The department administrator's pages
    "department_member_role": by_member,
    "department_invitation_withdraw": by_invitation,
    "api:department_person_role": by_member,
    "department_member_close": by_member,
    "api:department_person_close": by_member,
    "api:department_invitation_withdraw": by_invitation,
    # The service administrator's CoE roles: someone with no role yet
    "coe_person_role": by_member,
    "api:coe_person_role": by_member,
    # Case pages and API
    "case_detail": by_reference,
    "case_details": by_reference,
    "case_draft_pdf": by_reference,
    "case_section": by_section,
    "case_preview": by_reference,
    "case_check": by_reference,
    "case_assess": by_reference,
    "case_explanations": by_reference,
    "case_signoffs": by_reference,
    "case_submit": by_reference,
    "case_withdraw": by_reference,
    "case_history": by_reference,
    "api:case_history": by_case_id,
    "api:case": by_case_id,
    "api:case_assessments": by_case_id,
    "api:case_signoffs": by_case_id,
    "api:case_signoff_requests": by_case_id,
    "signoff_request_detail": lambda users: _signoff_requests(users, "pk"),
    "api:signoff_request_decide": lambda users: _signoff_requests(users, "request_id"),
    "api:case_submit": by_case_id,
    "api:case_withdraw": by_case_id,
    # Assessments
    "assessment_detail": lambda users: _assessment_ids(users, "pk"),
    "assessment_replay": lambda users: _assessment_ids(users, "pk"),
    "api:assessment_replay": lambda users: _assessment_ids(users, "assessment_id"),
    # Review
    "review_case": _submitted_by_reference,
    "review_reopen": _approved_by_reference,
    "api:case_review": _submitted_by_id,
    "api:case_similar": by_case_id,
    "coe_dashboard_csv": lambda users: {"own": {"chart": "options"}},
    # Records and exports
    "record_detail": _records("pk"),
    "record_outcome": _records("pk"),
    "record_pdf": _records("pk"),
    "record_pdf_retry": _records("pk"),
    "api:decision": _records("record_id"),
    "api:decision_outcomes": _records("record_id"),
    # A steward's golden case from an outcome: the example has no outcome yet (refused)
    "calibration_golden_case": _records("pk"),
    "api:decision_golden_case": _records("record_id"),
    "api:decision_pdf": _records("record_id"),
    "api:decision_pdf_retry": _records("record_id"),
    # The audit event browser: an event that does not exist (404 to those who may look)
    "audit_event": lambda users: {"own": {"seq": 999_999_999}},
    "api:audit_event": lambda users: {"own": {"seq": 999_999_999}},
    "export_detail": _export,
    "export_download": _export,
    # Rulesets, impact and replay
    "ruleset_detail": _published,
    "ruleset_download": _published,
    "api:ruleset": _published,
    "ruleset_rule_add": _by_draft,
    "ruleset_upload": _by_draft,
    "ruleset_diff": _by_draft,
    "ruleset_impact": _by_draft,
    "ruleset_publish": _by_draft,
    "ruleset_approve": _by_draft,
    "api:ruleset_approvals": _by_draft,
    "api:ruleset_publish": _by_draft,
    "ruleset_rule_edit": _by_rule,
    "ruleset_rule_remove": _by_rule,
    "ruleset_impact_run": _impact_run,
    "ruleset_replay_run": _replay_run,
    "ruleset_replay_csv": _replay_run,
    "golden_edit": _golden,
    # Suppliers (the shortlist and the contracts let are fragments of case and record pages)
    "segment_detail": _segment,
    "supplier_detail": _supplier,
    "supplier_edit": _supplier,
    "catalogue_import_detail": _import,
    "case_shortlist": _submitted_cases,
    "contract_record": _approved_cases,
    "case_contracts": _approved_cases,
}
