"""A year of demo decisions (December 2025 to November 2026), made through the real services
with the clock set back to each step's date (time-machine), so every record, audit event and
hash is what the service would have written that day and `verify_audit` still verifies.

What it holds, for the Centre of Excellence's reports (issue 20):

- decisions of the three departments in each of four quarters, every option, an override or
  two, returns (a case returned once, then approved), a rejection;
- a near-identical pair across departments decided differently: department A built its
  complaints case management (as recommended), department B procured its tribunal appeals
  tracker (overridden) on the same answers; alice's case under review today (benefit appeals,
  the same answers) shows both to carol, the department B one flagged;
- outcome reviews (`outcome_record`) with cost over- and under-runs, one "would not choose
  again", and the override that went badly; alice's recorded on its review-by date;
- review-by dates passed without an outcome (overdue) and falling in the next weeks (due);
- the ruleset history: the rules of 2026.1 (format 1: the public interest test checked, but
  Part 1 and Part 2 not recorded with it) are current until the stewards publish the shipped
  default (format 2, Part 1 and Part 2 recorded; four eyes) on CURRENT_RULES_ON;
- services cases of £1m or more whole life (Public Interest Test in scope, PPN 024): those
  decided under 2026.1 (December to March) flagged in the quarterly return (Part 1 and Part 2
  not recorded), those decided under the current rules completed before the decision.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from decisions import engine
from decisions.assessments.services import assessment_run
from decisions.cases.services import (
    case_create,
    case_submit,
    case_update,
    signoff_request_create,
    signoff_request_decide,
)
from decisions.integrity.proofs import record_pdf_render
from decisions.records.models import DecisionRecord
from decisions.records.outcomes import outcome_record
from decisions.records.pdf import pdf_dispatch_is_deferred
from decisions.review.services import review_decide
from decisions.rulesets.models import Ruleset
from decisions.rulesets.services import (
    golden_cases_import,
    ruleset_approve,
    ruleset_draft_create,
    ruleset_publish,
    ruleset_publish_default,
    ruleset_upload,
)
from sourcing.models import Case, Discipline, User

LONDON = ZoneInfo("Europe/London")

# What the department wrote for the public interest test (PPN 024): with Part 1 and Part 2
# shown by the assessment (format 2 rules), or before the rules recorded them (2026.1).
PIT_DONE = (
    "Public Interest Test completed before submission: Part 1 (good candidate for insourcing) "
    "and Part 2 (ready to insource) assessed with the indicators shown; see annex C."
)
PIT_BEFORE_PARTS = "In-house delivery considered in the business case, section 5 (PPN 024)."
EXPLAINED = "Explained in the business case, section 4."

# The ruleset history: 2026.1 published before the first case (seed_first_rules, at
# sourcing.demo.DEMO_START); the stewards publish the shipped default on this day.
CURRENT_RULES_ON = "2026-04-01"
CURRENT_RULES_SUMMARY = (
    "Records Part 1 (good candidate for insourcing) and Part 2 (ready to insource) of the PPN 024 "
    "public interest test, with their indicators, on every case in its scope; ruleset format 2: "
    "rules grouped by factor with caps, graded bands and a rationale per rule. The golden cases "
    "of this release pass."
)
FIRST_VERSION = "2026.1"
FIRST_RULES_SUMMARY = "The first published rules (2026.1, format 1)."


@contextmanager
def demo_clock(when: datetime) -> Iterator[None]:
    """Within the block the clock reads `when` (London time) and runs on: timezone.now(),
    date.today() and auto_now_add columns all take it (time-machine patches the clock)."""
    with time_machine.travel(when.replace(tzinfo=LONDON), tick=True):
        yield


def at(day: str, hour: int = 10) -> datetime:
    """A moment of the demo year: `day` as YYYY-MM-DD, at `hour` London time."""
    return datetime.fromisoformat(day).replace(hour=hour)


@dataclass(frozen=True)
class Outcome:
    """An outcome review to record on a decision, on `on` (YYYY-MM-DD)."""

    on: str
    delivered: bool
    months_late: int  # 0: on time
    cost_pct: int  # actual whole-life cost to date, per cent of the estimate
    benefits: str
    lock_in: str
    same_again: bool
    comment: str


@dataclass(frozen=True)
class Past:
    """A demo case of the past year: who, what, its answers (a golden case's, changed by
    `changes`), when it was submitted and decided, how, and what came after."""

    owner: str
    title: str
    summary: str
    golden: str
    submitted: str
    decided: str
    decision: str = "approve"  # approve, override:<option>, reject
    returned: str = ""  # YYYY-MM-DD: returned that day, resubmitted on `submitted`
    changes: Mapping[str, Any] = field(default_factory=dict)
    review_by: str = ""  # YYYY-MM-DD; default: the service's own
    outcome: Outcome | None = None


REASONS = {
    "override": "The department's delivery context differs from what the questionnaire shows; "
    "the Centre of Excellence accepts its choice with the conditions listed.",
    "return": "Name the cross-government components you checked, and add the exit plan.",
    "reject": "A shared service already meets this need; join it instead.",
}

# The pair the consistency check finds: the same answers (G04's, a step apart on the budget),
# decided build in department A and procure in department B.
APPEALS = {"whole_life_budget_gbp": 820_000}
BIG = {"whole_life_budget_gbp": 1_800_000, "whole_life_years": 5}

PAST: tuple[Past, ...] = (
    # Quarter 1: December 2025 to February 2026
    Past(
        "alice",
        "Complaints case management",
        "Caseworkers handle complaints in spreadsheets; the rules follow each policy change.",
        "G04",
        submitted="2025-12-01",
        decided="2025-12-10",
        review_by="2026-06-10",
        outcome=Outcome(
            "2026-06-10",
            True,
            0,
            118,
            "fully",
            "none",
            True,
            "Live on time; two extra policy changes cost more than estimated.",
        ),
    ),
    Past(
        "omar",
        "Learner records hosting",
        "Move the learner records service to public cloud.",
        "G24",
        submitted="2025-12-08",
        decided="2025-12-18",
        review_by="2026-10-31",
        outcome=Outcome(
            "2026-10-30",
            True,
            0,
            88,
            "fully",
            "none",
            True,
            "Reserved instances brought the cost under the estimate.",
        ),
    ),
    Past(
        "bob",
        "Tenancy deposit reconciliation",
        "Reconcile tenancy deposits held by three schemes.",
        "G11",
        submitted="2026-01-12",
        decided="2026-01-26",
        returned="2026-01-06",
        changes=BIG,
        review_by="2026-09-30",  # overdue: no outcome recorded
    ),
    Past(
        "bob",
        "Tribunal appeals tracking",
        "Track housing tribunal appeals; the rules change with each Budget.",
        "G04",
        submitted="2026-02-02",
        decided="2026-02-16",
        decision="override:procure",
        changes=APPEALS,
        review_by="2026-08-31",
        outcome=Outcome(
            "2026-09-14",
            True,
            5,
            164,
            "partly",
            "severe",
            False,
            "The supplier's product could not follow the policy changes; change requests "
            "doubled the cost and we are tied to it until 2029.",
        ),
    ),
    # Quarter 2: March to May 2026
    Past(
        "alice",
        "HR and payroll for regional offices",
        "Replace the payroll of 2,000 staff in regional offices.",
        "G48",
        submitted="2026-03-02",
        decided="2026-03-16",
        review_by="2026-12-15",  # due soon
    ),
    Past(
        "omar",
        "Apprenticeship funding claims",
        "Pay training providers' apprenticeship claims.",
        "G27",
        submitted="2026-03-09",
        decided="2026-03-30",
        review_by="2026-10-15",  # overdue
    ),
    Past(
        "bob",
        "Shared land registry lookups",
        "Use the cross-government land data platform for title checks.",
        "G05",
        submitted="2026-04-13",
        decided="2026-04-27",
        outcome=Outcome(
            "2026-11-02",
            True,
            0,
            92,
            "fully",
            "none",
            True,
            "Joining the shared platform took six weeks and cost less than planned.",
        ),
    ),
    Past(
        "alice",
        "Fraud analytics exploration",
        "Find patterns of organised benefit fraud in a new way.",
        "G38",
        submitted="2026-05-05",
        decided="2026-05-19",
        returned="2026-04-28",
        review_by="2026-12-31",
    ),
    # Quarter 3: June to August 2026
    Past(
        "omar",
        "Careers advice platform",
        "A citizen-facing careers advice service built around policy that changes often.",
        "G41",
        submitted="2026-06-01",
        decided="2026-06-15",
        decision="override:procure",
        changes=BIG,
    ),
    Past(
        "bob",
        "Building safety register",
        "Register high-rise buildings and their safety cases.",
        "G50",
        submitted="2026-06-22",
        decided="2026-07-06",
        review_by="2026-11-16",
        outcome=Outcome(
            "2026-11-16",
            False,
            6,
            71,
            "none",
            "moderate",
            True,
            "Not live yet: the supplier is six months late; spend is below plan so far.",
        ),
    ),
    Past(
        "alice",
        "Staff travel booking",
        "Book rail and hotels for staff travel.",
        "G01",
        submitted="2026-07-13",
        decided="2026-07-20",
        decision="reject",
    ),
    Past(
        "omar",
        "Skills bootcamp matching",
        "Match adult learners to bootcamps; no market exists yet.",
        "G08",
        submitted="2026-08-03",
        decided="2026-08-17",
    ),
    # Quarter 4: September to November 2026
    Past(
        "alice",
        "Grants to charities platform",
        "Pay and monitor grants to 600 charities.",
        "G27",
        submitted="2026-09-07",
        decided="2026-09-21",
        changes={"whole_life_budget_gbp": 2_400_000},
    ),
    Past(
        "bob",
        "Housing benefit data exchange",
        "Exchange data with councils through the shared platform.",
        "G43",
        submitted="2026-09-28",
        decided="2026-10-12",
        returned="2026-09-21",
        changes=BIG,
    ),
    Past(
        "omar",
        "Digital course catalogue",
        "Publish the course catalogue for colleges.",
        "G02",
        submitted="2026-10-19",
        decided="2026-11-02",
    ),
    Past(
        "alice",
        "Caseworker scheduling",
        "Schedule caseworkers' appointments across 40 offices.",
        "G49",
        submitted="2026-11-02",
        decided="2026-11-16",
    ),
)


def past_titles() -> list[str]:
    """The titles of the past year's demo cases (demo_is_current looks for them)."""
    return [past.title for past in PAST]


def _signatories(owner: User, disciplines: Mapping[str, str]) -> dict[str, User]:
    """Who signs off each discipline of the owner's case: the department's demo signatory of
    that discipline (`disciplines`: username to discipline), or where that is the owner
    another of its people (the owner cannot sign off their own case)."""
    people = list(
        User.objects.filter(department=owner.department, role=owner.role)
        .exclude(pk=owner.pk)
        .order_by("username")
    )
    chosen = {disciplines[p.username]: p for p in people if p.username in disciplines}
    for discipline in Discipline.values:
        chosen.setdefault(discipline, people[0])
    return chosen


def _prepare(past: Past, owner: User, answers: dict[str, Any], people: dict[str, User]) -> Case:
    """Create, assess, explain and sign off the case (as it is on its first submission)."""
    case = case_create(by=owner, title=past.title, summary=past.summary, answers=answers)
    assessment = assessment_run(case=case, by=owner)
    explanations = {
        check["check"]: (
            (PIT_DONE if check.get("parts") else PIT_BEFORE_PARTS)
            if check["check"] == "public_interest_test"
            else EXPLAINED
        )
        for check in assessment.result["policy_checks"]
        if check["result"] == "explain"
    }
    case_update(case=case, by=owner, explanations=explanations, sro=people["commercial"].username)
    for discipline in Discipline.values:
        asked = signoff_request_create(
            case=case, by=owner, discipline=discipline, user=people[discipline].username
        )
        signoff_request_decide(request=asked, by=people[discipline], decision="signed")
    return case


def _decide(case: Case, past: Past, carol: User) -> DecisionRecord | None:
    kind, _, option = past.decision.partition(":")
    review_by = date.fromisoformat(past.review_by) if past.review_by else None
    if kind == "reject":
        return review_decide(case=case, by=carol, action="reject", rationale=REASONS["reject"])
    return review_decide(
        case=case,
        by=carol,
        action="approve",
        option=option or None,
        rationale=REASONS["override"] if option else "",
        review_by=review_by,
    )


def _outcome_data(outcome: Outcome, record: DecisionRecord) -> dict[str, Any]:
    answers = record.content.get("answers") or {}
    estimates = answers.get("option_cost_estimates") or {}
    estimate = estimates.get(record.decided_option, answers.get("whole_life_budget_gbp")) or 0
    return {
        "delivered": outcome.delivered,
        "on_time": outcome.months_late == 0,
        "months_late": outcome.months_late or None,
        "actual_cost_gbp": round(estimate * outcome.cost_pct / 100),
        "benefits_realised": outcome.benefits,
        "lock_in": outcome.lock_in,
        "same_again": outcome.same_again,
        "comment": outcome.comment,
    }


def seed_past_year(
    answers_of: Mapping[str, Mapping[str, Any]], disciplines: Mapping[str, str]
) -> int:
    """Make the past year's demo cases that do not exist yet, each step on its own date, in
    the order they happened; returns how many were made. `answers_of`: golden case answers by
    id; `disciplines`: the demo signatories' disciplines by username."""
    users = {user.username: user for user in User.objects.filter(username__in=_usernames())}
    carol = users["carol"]
    existing = set(
        Case.objects.filter(title__in=past_titles()).values_list("department_id", "title")
    )
    made = 0
    for past in PAST:
        if (past.returned or past.submitted) >= CURRENT_RULES_ON:
            seed_current_rules()
        owner = users[past.owner]
        if (owner.department_id, past.title) in existing:
            continue
        answers = {**answers_of[past.golden], **past.changes}
        # A case returned once was first submitted on the morning of its return.
        with demo_clock(at(past.returned or past.submitted, 9)):
            case = _prepare(past, owner, answers, _signatories(owner, disciplines))
            case_submit(case=case, by=owner)
        if past.returned:
            with demo_clock(at(past.returned, 15)):
                review_decide(
                    case=case,
                    by=carol,
                    action="return",
                    rationale=REASONS["return"],
                    sections=["market", "explanations"],
                )
            with demo_clock(at(past.submitted, 9)):
                case_submit(case=case, by=owner)
        with demo_clock(at(past.decided, 14)):
            record = _decide(case, past, carol)
            if record is not None and not pdf_dispatch_is_deferred():
                # Rendered that day, as the worker would have: verification reports a record
                # whose PDF is still missing long after its decision. (`make run` defers the
                # demo's PDFs and renders them once it serves.)
                record_pdf_render(pdf_id=record.pdf.pk)
        if past.outcome is not None and record is not None:
            with demo_clock(at(past.outcome.on, 11)):
                outcome_record(record=record, by=owner, data=_outcome_data(past.outcome, record))
        made += 1
    seed_current_rules()
    return made


def seed_first_rules() -> None:
    """Publish the rules of 2026.1 (format 1) with the golden cases they passed, unless a ruleset
    is published already; call it with the clock at the demo's start."""
    if Ruleset.objects.current() is not None:
        return
    golden_cases_import(engine.GOLDEN_CASES_2026_1_PATH)
    ruleset_publish_default(
        ruleset_path=engine.RULESET_2026_1_PATH,
        golden_path=engine.GOLDEN_CASES_2026_1_PATH,
        change_summary=FIRST_RULES_SUMMARY,
    )


def seed_current_rules() -> None:
    """On CURRENT_RULES_ON the stewards publish the shipped default ruleset over 2026.1: erin
    starts a draft from it, uploads the shipped file (with the release's golden cases stored),
    tess approves it and erin publishes it (four eyes), each step audited that day. Nothing is
    done when its version is stored already, or when 2026.1 is not the current version (a demo
    database loaded before the history had it)."""
    version = engine.default_ruleset().version
    current = Ruleset.objects.current()
    if current is None or current.version != FIRST_VERSION:
        return
    if Ruleset.objects.filter(version=version).exists():
        return
    stewards = {user.username: user for user in User.objects.filter(username__in=("erin", "tess"))}
    erin, tess = stewards["erin"], stewards["tess"]
    with demo_clock(at(CURRENT_RULES_ON, 9)):
        golden_cases_import()
        draft = ruleset_draft_create(by=erin, version=version, based_on=current)
        draft = ruleset_upload(draft=draft, by=erin, raw=engine.DEFAULT_RULESET_PATH.read_bytes())
    with demo_clock(at(CURRENT_RULES_ON, 11)):
        ruleset_approve(
            draft=draft,
            by=tess,
            sha256=draft.sha256,
            comment="Read the changes and the golden cases' results; approved.",
        )
    with demo_clock(at(CURRENT_RULES_ON, 14)):
        ruleset_publish(draft=draft, by=erin, change_summary=CURRENT_RULES_SUMMARY)


def _usernames() -> set[str]:
    return {"carol", *(past.owner for past in PAST)}
