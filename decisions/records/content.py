"""What a decision record holds: the content frozen at decision time, its hash, and the
publishable fields of the public register."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from decisions.assessments.models import Assessment
from decisions.cases.selectors import current_signoffs
from decisions.engine.hashable import canonical_json
from decisions.presenter import explanation_words, option_label, record_result, summary_reasons
from decisions.record_schema import (
    SCHEMA_VERSION,
    Condition,
    OptionOutcome,
    PolicyCheck,
    RecordContent,
    Scoring,
    SignOff,
    StatusChange,
    record_content,
)
from decisions.records.models import DecisionRecord
from sourcing.jobs import JobStatus
from sourcing.models import Case, CaseStatus, User

# What the public register may show; costs, budgets and supplier names never are.
PUBLISHABLE_FIELDS = (
    "reference",
    "department",
    "title",
    "decision",
    "decided_option",
    "decided_at",
    "overridden",
    "reasons_summary",
)
EVIDENCE_KEYS = (
    "market_maturity",
    "credible_suppliers",
    "best_product_fit_pct",
    "open_standards",
    "cross_government_solution",
    "solution_uncertainty",
    "in_house_capability",
    "team_capacity_fte",
    "integration_complexity",
    "incumbent_lock_in",
    "reuse_potential",
    "existing_service_team",
    "service_integration_capability",
    "option_cost_estimates",
)
NEED_KEYS = (
    "service_type",
    "differentiation",
    "policy_volatility",
    "criticality",
    "data_classification",
    "personal_data",
    "months_to_live",
    "retain_ip_importance",
    "whole_life_budget_gbp",
    "whole_life_years",
    "process_change",
    "depends_on_platform_not_live",
    "delivery_approach",
)
# What a format 2 result adds to the scoring trail: factors with their caps, why this option,
# a close call, robustness and tensions with mandatory policy.
EXPLAINED_FIELDS = ("format", "factors", "why", "close_call", "robustness", "tensions")


def record_hash(*, seq: int, content: Mapping[str, object], previous_sha256: str | None) -> str:
    """sha256 over the RFC 8785 canonical JSON of the record and the previous record's hash."""
    body: dict[str, Any] = {"seq": seq, "content": content, "previous_sha256": previous_sha256}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _options(result: dict[str, Any], decided: str) -> list[OptionOutcome]:
    """All five options with the reason each won, lost or was ruled out."""
    scores, viable, ranking = result["scores"], result["viable"], result["ranking"]
    trace = {entry["rule"]: entry for entry in result["trace"]}
    winner_score = scores.get(decided, 0)
    options: list[OptionOutcome] = []
    for rank, option in enumerate(ranking, start=1):
        gates = result.get("ruled_out", {}).get(option, [])
        if gates:
            why = "Ruled out by " + "; ".join(
                f"{rule} ({trace[rule]['description']})" if rule in trace else rule
                for rule in gates
            )
        elif option == decided:
            why = "Decided option."
        else:
            gap = winner_score - scores[option]
            if gap >= 0:
                why = f"Scored {scores[option]}, {gap} behind {decided}."
            else:
                why = (
                    f"Scored {scores[option]}, {-gap} ahead of {decided}, which the Centre of "
                    "Excellence chose instead (override)."
                )
        options.append(
            {
                "option": option,
                "rank": rank,
                "score": scores[option],
                "viable": viable[option],
                "ruled_out_by": gates,
                "why": why,
            }
        )
    return options


def decided_conditions(result: dict[str, Any], decided: str) -> list[Condition]:
    """The conditions of the decided option (the recommended one, or the one a reviewer chose
    instead), from the engine's conditions for every option; an assessment stored before those
    existed has only the recommended option's. A rejection decides no option: none."""
    by_option = result.get("conditions_by_option")
    if by_option is not None:
        return list(by_option.get(decided, []))
    return [c for c in result.get("conditions", []) if c.get("option") in (decided, None, "")]


def _thresholds(answers: dict[str, Any], result: dict[str, Any]) -> list[str]:
    hit = []
    for check in result.get("policy_checks", []):
        if check["check"] == "public_interest_test" and check["result"] != "n/a":
            hit.append("Public interest test (services of £1m or more whole life)")
        if check["check"] == "pilot_first" and check["result"] != "n/a":
            hit.append("Pilot first (thin market or novel solution)")
    return hit


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on a case, as a record is issued from it: the assessment decided
    on, the action ("approve" or "reject"), the option decided ("" when rejected), the
    rationale, when (aware datetime), the date to review it by (None for a rejection), and the
    record it replaces (None for a case's first)."""

    case: Case
    assessment: Assessment
    reviewer: User
    action: str
    decided_option: str
    rationale: str
    decided_at: datetime
    review_by: date | None
    supersedes: DecisionRecord | None = None


def build_content(decision: Decision) -> RecordContent:
    """Everything the National Audit Office needs, as plain JSON, frozen at decision time, in
    the current shape (decisions.record_schema, schema version 3; docs/record-schema.md)."""
    case = decision.case
    assessment = decision.assessment
    decided_option = decision.decided_option
    result = assessment.result
    answers = assessment.answers
    recommended = result.get("recommended") or ""
    overridden = decision.action == "approve" and decided_option != recommended
    history: list[StatusChange] = [
        {
            "at": change.at.isoformat(),
            "by": change.by.get_username(),
            "by_name": change.by.get_full_name(),
            "from": change.from_status,
            "to": change.to_status,
            "comment": change.comment,
        }
        for change in case.status_changes.select_related("by").order_by("at", "pk")
    ]
    returns = [h for h in history if h["to"] == CaseStatus.RETURNED]
    explanations = case.explanations
    signoffs: list[SignOff] = [
        {
            "discipline": s.discipline,
            "name": s.name,
            "role": s.role,
            "comment": s.comment,
            "recorded_at": s.recorded_at.isoformat(),
            "recorded_by": s.recorded_by.get_username(),
            "recorded_by_name": s.recorded_by.get_full_name(),
            "answers_version": s.answers_version,
            "signatory": s.signatory.get_username() if s.signatory else None,
            "no_account": s.no_account,
            "assessment_sha256": s.assessment_sha256,
        }
        for s in current_signoffs(case).values()
    ]
    reasons = summary_reasons(result)
    if overridden:
        reasons.insert(
            0,
            f"Overridden by the Centre of Excellence: {option_label(decided_option)} instead of "
            f"{option_label(recommended)}.",
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "identity": {
            "reference": case.reference,
            "case_id": case.pk,
            "title": case.title,
            # The id is the department's stable identity (its code and name may be changed).
            "department": {
                "id": case.department_id,
                "code": case.department.code,
                "name": case.department.name,
            },
            "created_at": case.created_at.isoformat(),
            "decided_at": decision.decided_at.isoformat(),
            "status_history": history,
            "ruleset": {"version": assessment.ruleset_version, "sha256": assessment.ruleset_sha256},
            "assessment_id": assessment.pk,
            "assessed_at": assessment.created_at.isoformat(),
            "supersedes": decision.supersedes.reference if decision.supersedes else None,
            "supersedes_sha256": decision.supersedes.record_sha256 if decision.supersedes else None,
        },
        "need": {
            "summary": case.summary,
            "answers": {k: answers.get(k) for k in NEED_KEYS},
            "thresholds_hit": _thresholds(answers, result),
        },
        "options": _options(result, decided_option or recommended),
        "evidence": {k: answers.get(k) for k in EVIDENCE_KEYS},
        "answers": answers,
        "scoring": cast(
            Scoring,
            {
                "recommended": recommended or None,
                "ranking": result["ranking"],
                "scores": result["scores"],
                "viable": result["viable"],
                "margin": result.get("margin"),
                "explanation": result.get("explanation", []),
                "trace": result["trace"],
                "flip": result.get("flip"),
                "weight_flips": result.get("weight_flips"),
                **{name: result[name] for name in EXPLAINED_FIELDS if name in result},
            },
        ),
        "policy_checks": [
            cast(PolicyCheck, {**check, "explanation": explanations.get(check["check"], "")})
            for check in result.get("policy_checks", [])
        ],
        "conditions": decided_conditions(result, decided_option) if decided_option else [],
        "risk_and_exit": {
            "incumbent_lock_in": answers.get("incumbent_lock_in"),
            "exit_readiness": result.get("exit_readiness", {}).get(decided_option),
            "exit_plan_required": any(
                c["check"] == "avoid_lock_in" and c["result"] != "n/a"
                for c in result.get("policy_checks", [])
            ),
            "pilot": next(
                (c for c in result.get("policy_checks", []) if c["check"] == "pilot_first"), None
            ),
        },
        "accountability": {
            "signoffs": signoffs,
            "senior_responsible_owner": case.sro_name,
            "senior_responsible_owner_username": case.sro.get_username() if case.sro else None,
            "owner": case.owner.get_username(),
            "owner_name": case.owner.get_full_name(),
            "reviewer": {
                # The id is the reviewer's stable identity (a username may be changed).
                "id": decision.reviewer.pk,
                "username": decision.reviewer.get_username(),
                "name": decision.reviewer.get_full_name() or decision.reviewer.get_username(),
            },
            "decision": decision.action,
            "recommended": recommended or None,
            "decided_option": decided_option or None,
            "overridden": overridden,
            "rationale": decision.rationale,
            "returns": returns,
        },
        "review_by": decision.review_by.isoformat() if decision.review_by else None,
        "publishable": {
            "fields": list(PUBLISHABLE_FIELDS),
            "reasons_summary": reasons[:3],
        },
    }


def register_entry(record: DecisionRecord) -> dict[str, Any]:
    """The publishable fields of a record, and nothing else (no costs, budgets or suppliers).

    `record` comes from DecisionRecordQuerySet.summaries() (its `title` and `reasons_summary`
    annotated, the content not loaded) or is a whole record."""
    title = getattr(record, "title", None)
    reasons = getattr(record, "reasons_summary", None)
    if title is None or reasons is None:
        content = record_content(record.content)
        title = content["identity"]["title"]
        reasons = content["publishable"]["reasons_summary"]
    return {
        "reference": record.reference,
        "department": record.department.name,
        "title": title,
        "decision": record.get_action_display(),
        "decided_option": record.decided_option,
        "decided_at": record.decided_at.isoformat(),
        "overridden": record.overridden,
        "reasons_summary": reasons,
        # A reviewer reopened the decision (on the audit chain, after the record's issue): it is
        # being reviewed again until decided. Annotated by selectors.register_entries.
        "under_review": bool(getattr(record, "under_review", False)),
    }


def record_summary(record: DecisionRecord) -> dict[str, Any]:
    """A record as the decisions list shows it."""
    return {
        "id": record.pk,
        "reference": record.reference,
        "case_id": record.case_id,
        "department": record.department.code,
        "action": record.action,
        "recommended": record.recommended or None,
        "decided_option": record.decided_option or None,
        "overridden": record.overridden,
        "decided_at": record.decided_at.isoformat(),
        "review_by": record.review_by.isoformat() if record.review_by else None,
        "record_sha256": record.record_sha256,
    }


def _pdf_sha256(record: DecisionRecord) -> str | None:
    """The stored PDF's sha256 once rendered, else None."""
    pdf = getattr(record, "pdf", None)
    return pdf.sha256 if pdf is not None and pdf.status == JobStatus.DONE else None


def record_full(record: DecisionRecord) -> dict[str, Any]:
    """The whole record: its frozen content, hashes and links (GET decisions/{id}, and
    records.json in a bulk export); `in_words` says why, a close call, robustness and tensions
    as the record page does (null for a record of a format 1 ruleset)."""
    superseded_by = getattr(record, "superseded_by", None)
    return {
        **record_summary(record),
        **record.content,
        "record_sha256": record.record_sha256,
        "previous_sha256": record.previous_sha256,
        "pdf_sha256": _pdf_sha256(record),
        "supersedes": record.supersedes_id,
        "superseded_by": superseded_by.pk if superseded_by else None,
        "in_words": explanation_words(record_result(record_content(record.content))),
    }
