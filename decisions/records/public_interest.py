"""The quarterly Public Interest Test return (PPN 024): which decisions were in scope in a
financial quarter, their Part 1 and Part 2 results, and whether the test was completed before
the decision. Read from the decision records alone (their frozen content), so the return says
what was known when each decision was made, and nobody enters anything new for it.

Policy source: PPN 024 (from 1 April 2027 a services project of £1m or more whole life needs a
Public Interest Test, and outcomes are reported quarterly to the Government Commercial Agency);
the Sourcing Playbook's public interest test; domain.md ("Policy checks that travel with every
case"). The rules are documented in the README ("Quarterly Public Interest Test return").

- **A row** is a decision record (approval or rejection) issued in the quarter. A case decided
  again after a reopening has a row in the quarter of each decision.
- **The quarter** is the decision's (`decided_at`), in UK government financial-year quarters
  (Q1 April to June, Q2 July to September, Q3 October to December, Q4 January to March), counted
  in UK time (Europe/London): PPN 024 returns follow the financial year. `2026-Q3` is the third
  quarter of the financial year 2026 to 2027, 1 October to 31 December 2026.
- **In scope**: a services need (the questionnaire's `service_type`: every one of its answers,
  citizen-facing service, internal system, infrastructure, end-user computing, data analytics,
  is a service, as the engine's check reads it) whose whole-life budget
  (`whole_life_budget_gbp`) at the assessment decided on is at or over the
  `public_interest_test_gbp` parameter of the ruleset that assessed it (£1,000,000 in every
  shipped ruleset; "over £1m" read as at or over, ADR 0007). A record whose policy check says the
  test applied is in scope whatever its budget.
- **Completed before the decision** means all of: the assessment decided on carried the public
  interest test check (not n/a); it carried the PPN 024 Part 1 and Part 2 results with their
  indicators (`parts`, from ruleset format 2: under format 1 they are worked out here from the
  answers, shown, and flagged as not recorded); and the check was complied with, or explained by
  the department, in the record frozen at the decision (the explanation as it stood then).
  Anything missing flags the row, each gap said in words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import TruncQuarter
from django.http import Http404
from django.utils import timezone

from decisions.engine import public_interest_parts
from decisions.engine.ruleset import DEFAULT_PARAMETERS
from decisions.presenter import question_label
from decisions.records.models import DecisionRecord
from decisions.rulesets.models import Ruleset
from sourcing.dates import day_start
from sourcing.models import Department, Role, User
from sourcing.questionnaire import display_value

CHECK: Final = "public_interest_test"
PARAMETER: Final = "public_interest_test_gbp"
# PPN 024: the quarterly return is required for quarters from this day (Q1 2027 to 2028).
OBLIGATION_FROM: Final = date(2027, 4, 1)
QUARTER_MONTHS: Final = {1: (4, 6), 2: (7, 9), 3: (10, 12), 4: (1, 3)}
QUARTER_PATTERN: Final = re.compile(r"^\s*(\d{4})\s*-?\s*Q\s*([1-4])\s*$", re.IGNORECASE)
QUARTER_HINT: Final = "Enter a quarter like 2026-Q3 (October to December 2026)"
# Gaps that flag a row, in words (README).
NOT_CARRIED: Final = "The assessment decided on did not carry the public interest test."
PARTS_NOT_RECORDED: Final = (
    "Part 1 and Part 2 were not recorded with the assessment decided on (shown here as its "
    "answers indicate them)."
)
NOT_EXPLAINED: Final = "The department had not explained the test when the decision was made."
ASSESSED_AFTER: Final = "The assessment decided on is dated after the decision."


@dataclass(frozen=True, order=True)
class FinancialQuarter:
    """A quarter of a UK government financial year: `year` is the calendar year the financial
    year starts in (2026 for 2026 to 2027), `number` 1 (April to June) to 4 (January to March
    of the next calendar year)."""

    year: int
    number: int

    @property
    def code(self) -> str:
        """As the page and the API take it: "2026-Q3"."""
        return f"{self.year}-Q{self.number}"

    @property
    def first_day(self) -> date:
        first_month = QUARTER_MONTHS[self.number][0]
        return date(self.year + (self.number == 4), first_month, 1)

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.next().first_day.toordinal() - 1)

    @property
    def starts_at(self) -> datetime:
        """Midnight UK time on its first day (aware)."""
        return day_start(self.first_day)

    @property
    def financial_year(self) -> str:
        """GOV.UK style: "2026 to 2027"."""
        return f"{self.year} to {self.year + 1}"

    @property
    def text(self) -> str:
        """ "Quarter 3 of 2026 to 2027 (1 October to 31 December 2026)"."""
        first, last = self.first_day, self.last_day
        start = f"{first.day} {first:%B}" + (f" {first.year}" if first.year != last.year else "")
        return (
            f"Quarter {self.number} of {self.financial_year} ({start} to {last.day} {last:%B %Y})"
        )

    @property
    def obligation_applies(self) -> bool:
        """Whether PPN 024 requires this quarter's return (quarters from 1 April 2027)."""
        return self.first_day >= OBLIGATION_FROM

    def next(self) -> FinancialQuarter:
        return FinancialQuarter(self.year + (self.number == 4), self.number % 4 + 1)

    def previous(self) -> FinancialQuarter:
        return FinancialQuarter(self.year - (self.number == 1), (self.number - 2) % 4 + 1)


def quarter_of(moment: datetime | date) -> FinancialQuarter:
    """The financial quarter of a moment (in UK time) or a day."""
    day = timezone.localtime(moment).date() if isinstance(moment, datetime) else moment
    number = {4: 1, 5: 1, 6: 1, 7: 2, 8: 2, 9: 2, 10: 3, 11: 3, 12: 3}.get(day.month, 4)
    return FinancialQuarter(day.year - (number == 4), number)


def quarter_parse(text: str) -> FinancialQuarter:
    """A quarter as typed: "2026-Q3" (also "2026 Q3", "2026q3"); ValueError (QUARTER_HINT)
    otherwise or for a year outside 2000 to 2100."""
    found = QUARTER_PATTERN.match(text or "")
    if found is None or not 2000 <= int(found[1]) <= 2100:
        raise ValueError(QUARTER_HINT)
    return FinancialQuarter(int(found[1]), int(found[2]))


@dataclass(frozen=True)
class Indicator:
    """One PPN 024 indicator: the question it reads, the answer in words, whether it is met and
    what it says."""

    key: str
    question: str
    answer: str
    met: bool
    text: str


@dataclass(frozen=True)
class Part:
    """Part 1 (a good candidate for insourcing) or Part 2 (ready to insource): the result,
    why, and its indicators."""

    result: bool
    why: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class ReturnRow:
    """One decision in scope. Money in whole pounds; `gaps` says in words why the test does not
    count as completed before the decision (empty when it does)."""

    record_id: int
    reference: str
    title: str
    department_code: str
    department_name: str
    decided_at: datetime
    action: str
    decided_option: str
    recommended: str
    overridden: bool
    service_type: str
    budget_gbp: int | None
    threshold_gbp: int
    ruleset_version: str
    check_result: str  # "explain", "complies", "n/a", or "" when the check is absent
    parts_recorded: bool
    candidate: Part | None
    ready: Part | None
    explanation: str
    gaps: tuple[str, ...] = field(default=())

    @property
    def completed(self) -> bool:
        return not self.gaps


@dataclass(frozen=True)
class PublicInterestReturn:
    """A quarter's return for one department (`department`) or every department (None)."""

    quarter: FinancialQuarter
    department: Department | None
    rows: tuple[ReturnRow, ...]
    decisions: int  # every decision of the quarter in the return's departments, in scope or not

    @property
    def completed(self) -> int:
        return sum(row.completed for row in self.rows)

    @property
    def flagged(self) -> int:
        return len(self.rows) - self.completed


def _part(data: dict[str, Any] | None) -> Part | None:
    if not data:
        return None
    indicators = tuple(
        Indicator(
            key=i.get("key", ""),
            question=question_label(i.get("key", "")),
            answer=_answer(i.get("key", ""), i.get("value")) or "Not answered",
            met=bool(i.get("met")),
            text=str(i.get("text", "")),
        )
        for i in data.get("indicators", [])
    )
    return Part(bool(data.get("result")), str(data.get("why", "")), indicators)


def _answer(key: str, value: Any) -> str:
    try:
        return display_value(key, value)
    except KeyError:
        return "" if value is None else str(value)


def _threshold(text: Any) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return DEFAULT_PARAMETERS[PARAMETER]


def _moment(text: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def return_row(record: Any) -> ReturnRow | None:
    """A record of `_records()` as a row of the return, or None when it is out of scope."""
    answers: dict[str, Any] = record.pit_answers or {}
    checks: list[dict[str, Any]] = record.pit_checks or []
    check = next((c for c in checks if c.get("check") == CHECK), None)
    threshold = _threshold(record.pit_threshold)
    budget = answers.get("whole_life_budget_gbp")
    result = check.get("result", "") if check else ""
    over = isinstance(budget, int) and budget >= threshold
    if not answers.get("service_type") or not (over or result in ("explain", "complies")):
        return None
    stored = check.get("parts") if check else None
    parts = stored or public_interest_parts(answers, threshold_gbp=threshold)
    explanation = str(check.get("explanation", "") if check else "").strip()
    gaps = []
    if result not in ("explain", "complies"):
        gaps.append(NOT_CARRIED)
    elif not stored:
        gaps.append(PARTS_NOT_RECORDED)
    if result != "complies" and not explanation:
        gaps.append(NOT_EXPLAINED)
    assessed = _moment(record.pit_assessed_at)
    if assessed is not None and assessed > record.decided_at:
        gaps.append(ASSESSED_AFTER)
    return ReturnRow(
        record_id=record.pk,
        reference=record.reference,
        title=record.pit_title or "",
        department_code=record.department.code,
        department_name=record.department.name,
        decided_at=record.decided_at,
        action=record.action,
        decided_option=record.decided_option,
        recommended=record.recommended,
        overridden=record.overridden,
        service_type=str(answers.get("service_type")),
        budget_gbp=budget if isinstance(budget, int) else None,
        threshold_gbp=threshold,
        ruleset_version=record.pit_ruleset or "",
        check_result=result,
        parts_recorded=bool(stored),
        candidate=_part(parts.get("good_candidate")),
        ready=_part(parts.get("ready_to_insource")),
        explanation=explanation,
        gaps=tuple(gaps),
    )


def _records(quarter: FinancialQuarter, department: Department | None) -> Any:
    """The quarter's records with only what the return reads of them (one query). Everything
    read out of a record's content is a stored column the database writes from it
    (DecisionRecord: answers, ruleset_version, policy_checks, identity_title,
    identity_assessed_at), and the threshold of each record's ruleset comes from a subquery on
    the ruleset's stored parameter: no content is decompressed (it was once for each key read,
    about 0.4 ms a key a record, and a ruleset's once a record)."""
    threshold = Ruleset.objects.filter(version=OuterRef("ruleset_version")).values(
        "public_interest_test_gbp"
    )[:1]
    records = DecisionRecord.objects.filter(
        decided_at__gte=quarter.starts_at, decided_at__lt=quarter.next().starts_at
    )
    if department is not None:
        records = records.filter(department=department)
    return (
        records.select_related("department")
        .only(
            "reference",
            "department__code",
            "department__name",
            "decided_at",
            "action",
            "decided_option",
            "recommended",
            "overridden",
        )
        .annotate(
            pit_title=F("identity_title"),
            pit_ruleset=F("ruleset_version"),
            pit_assessed_at=F("identity_assessed_at"),
            pit_answers=F("answers"),
            pit_checks=F("policy_checks"),
            pit_threshold=Subquery(threshold),
        )
        .order_by("department__name", "decided_at", "pk")
    )


def public_interest_return(
    *, quarter: FinancialQuarter, department: Department | None = None
) -> PublicInterestReturn:
    """The Public Interest Test return of a quarter for one department, or every department
    (None): each decision in scope, by department and then decision time. One query, whatever
    the number of records."""
    rows = []
    decisions = 0
    for record in _records(quarter, department):
        decisions += 1
        row = return_row(record)
        if row is not None:
            rows.append(row)
    return PublicInterestReturn(quarter, department, tuple(rows), decisions)


def quarters_with_decisions(department: Department | None = None) -> list[FinancialQuarter]:
    """Every financial quarter with at least one decision (of the department, or any), latest
    first (one query)."""
    records = DecisionRecord.objects.all()
    if department is not None:
        records = records.filter(department=department)
    starts = (
        records.annotate(q=TruncQuarter("decided_at", tzinfo=timezone.get_current_timezone()))
        .values_list("q", flat=True)
        .distinct()
        .order_by("-q")
    )
    return [quarter_of(start) for start in starts]


def department_asked(user: User, code: str) -> Department | None:
    """The department whose return a user asks for by its code: a department user's own
    whatever they send ("" or their code; another department's code is a 404, never revealing
    it); for reviewers and auditors, the department of that code, or None (every department)
    for "". Department.DoesNotExist for an unknown code."""
    code = code.strip()
    if user.role == Role.COMMERCIAL:
        own = user.department
        if own is None:
            raise Http404
        if code and code != own.code:
            if Department.objects.filter(code=code).exists():
                raise Http404
            raise Department.DoesNotExist(code)
        return own
    return Department.objects.get(code=code) if code else None
