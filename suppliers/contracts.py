"""Contracts let after approved decisions: record them, who may see them, and the review
dates their break points and ends give the decision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from decisions.audit.services import audit_append
from decisions.records.models import DecisionRecord
from sourcing.compiled_sql import compiled
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import Case, CaseStatus, Role, User
from suppliers.models import Contract, ContractQuerySet, Supplier

VALUE_MAX = 10**12  # pounds: a trillion is a typing error, not a contract
BREAK_POINTS_MAX = 20


@dataclass(frozen=True)
class ContractDate:
    """A date a contract gives its decision for review: a break point or the end."""

    when: date
    kind: str  # "break point" or "end"
    contract: Contract

    @property
    def description(self) -> str:
        """Words for the due list, like "Break point of the Acme Ltd contract"."""
        return f"{self.kind.capitalize()} of the {self.contract.supplier.name} contract"


def contracts_visible_to(user: User) -> ContractQuerySet:
    """Contracts a user may see: a department user their own department's; the Centre of
    Excellence and auditors every department's; nobody else any."""
    if user.role == Role.COMMERCIAL and user.department_id is not None:
        return Contract.objects.filter(department_id=user.department_id)
    if user.role in (Role.REVIEWER, Role.AUDITOR):
        return Contract.objects.all()
    return Contract.objects.none()


def current_approval(case: Case) -> DecisionRecord | None:
    """The case's current approving decision record, if it has one."""
    return DecisionRecord.objects.current_approvals().filter(case=case).order_by("-seq").first()


def current_approval_review_by(case: Case) -> DecisionRecord | None:
    """current_approval with only its id, case and review-by date read (not its content, about
    50 KB of JSON): for a page that says when the decision is due for review."""
    return (
        DecisionRecord.objects.current_approvals()
        .filter(case=case)
        .order_by("-seq")
        .only("case_id", "review_by")
        .first()
    )


def contract_problems(
    *,
    supplier: Supplier | None,
    value_gbp: Any,
    start: date | None,
    end: date | None,
    break_points: Iterable[date] = (),
) -> dict[str, list[str]]:
    """Every problem with a contract's values, by field (supplier, value_gbp, start, end,
    break_points); empty when it can be recorded. The contract form reports these with its
    own errors in one round; contract_record refuses with them."""
    errors: dict[str, list[str]] = {}
    if supplier is None:
        errors["supplier"] = ["Enter the company number of a supplier in the catalogue"]
    if isinstance(value_gbp, bool) or not isinstance(value_gbp, int):
        errors["value_gbp"] = ["Enter the contract value in whole pounds, like 250,000"]
    elif value_gbp < 0:
        errors["value_gbp"] = ["The contract value must be £0 or more"]
    elif value_gbp > VALUE_MAX:
        errors["value_gbp"] = [f"The contract value must be £{VALUE_MAX:,} or less"]
    if start is None:
        errors["start"] = ["Enter the start date"]
    if end is None:
        errors["end"] = ["Enter the end date"]
    elif start is not None and end <= start:
        errors["end"] = ["The end date must be after the start date"]
    points = sorted(set(break_points))
    if len(points) > BREAK_POINTS_MAX:
        errors["break_points"] = [f"Enter {BREAK_POINTS_MAX} break points or fewer"]
    elif start is not None and end is not None and end > start:
        outside = [p for p in points if not start < p < end]
        if outside:
            shown = ", ".join(f"{p.day} {p:%B %Y}" for p in outside)
            errors["break_points"] = [
                f"Break points must fall between the start and the end: {shown} does not"
            ]
    return errors


@transaction.atomic
def contract_record(
    *,
    case: Case,
    by: User,
    supplier: Supplier | None,
    value_gbp: Any,
    start: date | None,
    end: date | None,
    break_points: Iterable[date] = (),
    extends_incumbent: bool = False,
) -> Contract:
    """Record the contract a department let for its approved case."""
    if by.role != Role.COMMERCIAL or by.department_id != case.department_id:
        raise TransitionRefused("Only the case's own department can record its contracts.")
    case = Case.objects.select_for_update().get(pk=case.pk)
    record = current_approval(case)
    if case.status != CaseStatus.APPROVED or record is None:
        raise TransitionRefused(
            f"This case is {case.get_status_display().lower()}: record a contract once it is "
            "approved."
        )
    points = sorted(set(break_points))
    errors = contract_problems(
        supplier=supplier, value_gbp=value_gbp, start=start, end=end, break_points=points
    )
    if errors:
        raise ValidationFailed(errors)
    assert supplier is not None and start is not None and end is not None
    contract = Contract.objects.create(
        case=case,
        record=record,
        department_id=case.department_id,
        supplier=supplier,
        segment_id=supplier.primary_segment_id,
        value_gbp=value_gbp,
        start_date=start,
        end_date=end,
        break_points=[p.isoformat() for p in points],
        extends_incumbent=bool(extends_incumbent),
        recorded_by=by,
    )
    audit_append(
        action="contract.recorded",
        actor=by,
        object_type="contract",
        object_id=contract.pk,
        payload={
            "case": case.reference,
            "record_seq": record.seq,
            "supplier": supplier.company_number,
            "value_gbp": value_gbp,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "break_points": contract.break_points,
            "extends_incumbent": contract.extends_incumbent,
        },
    )
    return contract


def _dates(contract: Contract) -> list[ContractDate]:
    found = [
        ContractDate(date.fromisoformat(p), "break point", contract) for p in contract.break_points
    ]
    found.append(ContractDate(contract.end_date, "end", contract))
    return found


def contract_review_dates(record: DecisionRecord) -> list[ContractDate]:
    """Every break point and end of the contracts let for the record's case, soonest first."""
    return review_dates_of(
        Contract.objects.filter(case_id=record.case_id).select_related("supplier")
    )


def review_dates_of(contracts: Iterable[Contract]) -> list[ContractDate]:
    """Every break point and end of these contracts (each with its supplier's name), soonest
    first: contract_review_dates of contracts a page has already read."""
    return sorted((d for c in contracts for d in _dates(c)), key=lambda d: (d.when, d.kind))


def _still_ahead(dates: Iterable[ContractDate], today: date) -> list[date]:
    """The dates that can still bring a decision up for review: break points from today on,
    and the end (an ended contract counts even when past)."""
    return [d.when for d in dates if d.when >= today or d.kind == "end"]


def next_review_date(record: DecisionRecord, *, today: date) -> date | None:
    """The record's review-by date, or the first contract break point or end before it that
    has not passed yet (an ended contract counts even when past); None for a rejection with
    no contract dates (a rejection has no review-by date)."""
    dates = [record.review_by, *_still_ahead(contract_review_dates(record), today)]
    return min((d for d in dates if d is not None), default=None)


def contract_review_dates_by_case(today: date) -> dict[int, list[date]]:
    """For every case with contracts, the dates that can bring its decision up for review.

    The review-dates provider suppliers registers with decisions.review.dates (in
    SuppliersConfig.ready), so the due-for-review list counts contracts without decisions
    importing suppliers.
    """
    by_case: dict[int, list[date]] = {}
    for case_id, end_date, break_points in compiled(
        "contract-review-dates",  # the same SQL whatever the day: compiled once (a constant)
        lambda: Contract.objects.values_list("case_id", "end_date", "break_points"),
    ).rows():
        # _still_ahead(_dates(contract), today) of the contract's three columns.
        ahead = [d for d in map(date.fromisoformat, break_points) if d >= today]
        by_case.setdefault(case_id, []).extend([*ahead, end_date])
    return by_case


def contract_due_record_ids(*, today: date, until: date) -> set[int]:
    """Current approving records of cases whose contracts reach a break point between today
    and `until`, or end by `until`: the review-by list can show them as due."""
    cases = [
        case_id
        for case_id, dates in contract_review_dates_by_case(today).items()
        if any(d <= until for d in dates)
    ]
    if not cases:
        return set()
    return set(
        DecisionRecord.objects.current_approvals()
        .filter(case_id__in=cases)
        .values_list("pk", flat=True)
    )
