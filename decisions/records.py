"""Decision records: the immutable snapshot of a decision, its hash chain and its checks."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

import rfc8785
from django.db.models import QuerySet

from decisions.audit.services import serialise_appends
from decisions.cases.selectors import current_signoffs
from decisions.models import Assessment, DecisionRecord
from sourcing.models import Case, CaseStatus, Role, User

_LOCK_KEY = 0x5245_434F_5244  # pg_advisory_xact_lock key for issuing records
# How long until a decision is looked at again, by criticality (years), capped by the budget's life.
REVIEW_YEARS = {"critical": 1, "high": 2, "medium": 3, "low": 3}
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
)


def default_review_by(answers: dict[str, Any], decided_at: datetime) -> date:
    """Review-by date from the criticality and the length of the budget (contract)."""
    years = REVIEW_YEARS.get(str(answers.get("criticality")), 3)
    life = answers.get("whole_life_years")
    if isinstance(life, int) and life > 0:
        years = min(years, life)
    day = decided_at.date()
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def record_hash(*, seq: int, content: dict[str, Any], previous_sha256: str | None) -> str:
    """sha256 over the RFC 8785 canonical JSON of the record and the previous record's hash."""
    body = {"seq": seq, "content": content, "previous_sha256": previous_sha256}
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def _options(result: dict[str, Any], decided: str) -> list[dict[str, Any]]:
    """All five options with the reason each won, lost or was ruled out."""
    scores, viable, ranking = result["scores"], result["viable"], result["ranking"]
    trace = {entry["rule"]: entry for entry in result["trace"]}
    winner_score = scores.get(decided, 0)
    options = []
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


def _thresholds(answers: dict[str, Any], result: dict[str, Any]) -> list[str]:
    hit = []
    for check in result.get("policy_checks", []):
        if check["check"] == "public_interest_test" and check["result"] != "n/a":
            hit.append("Public interest test (services of £1m or more whole life)")
        if check["check"] == "pilot_first" and check["result"] != "n/a":
            hit.append("Pilot first (thin market or novel solution)")
    return hit


def build_content(
    *,
    case: Case,
    assessment: Assessment,
    reviewer: User,
    action: str,
    decided_option: str,
    rationale: str,
    decided_at: datetime,
    review_by: date,
    supersedes: DecisionRecord | None,
) -> dict[str, Any]:
    """Everything the National Audit Office needs, as plain JSON, frozen at decision time."""
    result = assessment.result
    answers = assessment.answers
    recommended = result.get("recommended") or ""
    overridden = action == "approve" and decided_option != recommended
    history = [
        {
            "at": change.at.isoformat(),
            "by": change.by.get_username(),
            "from": change.from_status,
            "to": change.to_status,
            "comment": change.comment,
        }
        for change in case.status_changes.select_related("by").order_by("at", "pk")
    ]
    returns = [h for h in history if h["to"] == CaseStatus.RETURNED]
    explanations = case.explanations
    signoffs = [
        {
            "discipline": s.discipline,
            "name": s.name,
            "role": s.role,
            "comment": s.comment,
            "recorded_at": s.recorded_at.isoformat(),
            "recorded_by": s.recorded_by.get_username(),
            "answers_version": s.answers_version,
        }
        for s in current_signoffs(case).values()
    ]
    reasons = list(result.get("explanation", []))
    if overridden:
        reasons.insert(
            0, f"Overridden by the Centre of Excellence: {decided_option} instead of {recommended}."
        )
    return {
        "identity": {
            "reference": case.reference,
            "case_id": case.pk,
            "title": case.title,
            "department": {"code": case.department.code, "name": case.department.name},
            "created_at": case.created_at.isoformat(),
            "decided_at": decided_at.isoformat(),
            "status_history": history,
            "ruleset": {"version": assessment.ruleset_version, "sha256": assessment.ruleset_sha256},
            "assessment_id": assessment.pk,
            "assessed_at": assessment.created_at.isoformat(),
            "supersedes": supersedes.reference if supersedes else None,
            "supersedes_sha256": supersedes.record_sha256 if supersedes else None,
        },
        "need": {
            "summary": case.summary,
            "answers": {k: answers.get(k) for k in NEED_KEYS},
            "thresholds_hit": _thresholds(answers, result),
        },
        "options": _options(result, decided_option or recommended),
        "evidence": {k: answers.get(k) for k in EVIDENCE_KEYS},
        "answers": answers,
        "scoring": {
            "recommended": recommended or None,
            "ranking": result["ranking"],
            "scores": result["scores"],
            "viable": result["viable"],
            "margin": result.get("margin"),
            "explanation": result.get("explanation", []),
            "trace": result["trace"],
            "flip": result.get("flip"),
            "weight_flips": result.get("weight_flips"),
        },
        "policy_checks": [
            {**check, "explanation": explanations.get(check["check"], "")}
            for check in result.get("policy_checks", [])
        ],
        "conditions": [
            c for c in result.get("conditions", []) if c.get("option") in (decided_option, None, "")
        ],
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
            "owner": case.owner.get_username(),
            "reviewer": {
                "username": reviewer.get_username(),
                "name": reviewer.get_full_name() or reviewer.get_username(),
            },
            "decision": action,
            "recommended": recommended or None,
            "decided_option": decided_option or None,
            "overridden": overridden,
            "rationale": rationale,
            "returns": returns,
        },
        "review_by": review_by.isoformat(),
        "publishable": {
            "fields": list(PUBLISHABLE_FIELDS),
            "reasons_summary": reasons[:3],
        },
    }


def record_issue(
    *,
    case: Case,
    assessment: Assessment,
    reviewer: User,
    action: str,
    decided_option: str,
    rationale: str,
    decided_at: datetime,
    review_by: date,
    supersedes: DecisionRecord | None = None,
) -> DecisionRecord:
    """Append a record to the chain of records (call inside the decision's transaction)."""
    serialise_appends(_LOCK_KEY)
    last = DecisionRecord.objects.order_by("-seq").only("seq", "record_sha256").first()
    seq = (last.seq + 1) if last else 1
    previous = last.record_sha256 if last else None
    content = build_content(
        case=case,
        assessment=assessment,
        reviewer=reviewer,
        action=action,
        decided_option=decided_option,
        rationale=rationale,
        decided_at=decided_at,
        review_by=review_by,
        supersedes=supersedes,
    )
    recommended = assessment.result.get("recommended") or ""
    return DecisionRecord.objects.create(
        seq=seq,
        case=case,
        reference=case.reference,
        department=case.department,
        action=action,
        recommended=recommended,
        decided_option=decided_option,
        overridden=content["accountability"]["overridden"],
        decided_by=reviewer,
        decided_at=decided_at,
        review_by=review_by,
        supersedes=supersedes,
        content=content,
        record_sha256=record_hash(seq=seq, content=content, previous_sha256=previous),
        previous_sha256=previous,
    )


def records_verify() -> list[str]:
    """Every record whose content no longer matches its hash, or whose link is broken."""
    problems = []
    previous: str | None = None
    expected = 1
    for record in DecisionRecord.objects.order_by("seq").iterator(chunk_size=500):
        if record.seq != expected:
            problems.append(f"record {record.reference}: expected record number {expected}")
        if record.previous_sha256 != previous:
            problems.append(f"record {record.reference}: previous hash does not match")
        if (
            record_hash(
                seq=record.seq, content=record.content, previous_sha256=record.previous_sha256
            )
            != record.record_sha256
        ):
            problems.append(f"record {record.reference}: content does not match its hash")
        accountability = record.content.get("accountability", {})
        if (accountability.get("decided_option") or "") != record.decided_option or (
            accountability.get("overridden") != record.overridden
        ):
            problems.append(f"record {record.reference}: columns differ from the hashed content")
        previous = record.record_sha256
        expected = record.seq + 1
    return problems


def records_visible_to(user: User) -> QuerySet[DecisionRecord]:
    """Records a user may see: a department user their own department's; others all."""
    if user.role == Role.COMMERCIAL:
        return DecisionRecord.objects.filter(department_id=user.department_id)
    return DecisionRecord.objects.all()


def register_entries() -> QuerySet[DecisionRecord]:
    """Approved decisions for the public register (current ones, newest first)."""
    return (
        DecisionRecord.objects.filter(action="approve", superseded_by__isnull=True)
        .select_related("department")
        .order_by("-decided_at", "-pk")
    )


def register_entry(record: DecisionRecord) -> dict[str, Any]:
    """The publishable fields of a record, and nothing else (no costs, budgets or suppliers)."""
    identity = record.content["identity"]
    return {
        "reference": record.reference,
        "department": record.department.name,
        "title": identity["title"],
        "decision": record.get_action_display(),
        "decided_option": record.decided_option,
        "decided_at": record.decided_at.isoformat(),
        "overridden": record.overridden,
        "reasons_summary": record.content["publishable"]["reasons_summary"],
    }
