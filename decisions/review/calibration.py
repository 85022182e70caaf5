"""Calibration (issue 20, item 3): outcomes against estimates, for the Centre of Excellence.

What the outcome reviews (decisions.records.outcomes) say about the decisions: the cost over-
or under-run by option, by department and by ruleset version; the share of decisions later
superseded or reversed, by option; the overrides of the recommendation and how they turned out
against the decisions that followed it. A ruleset steward turns a decision with an outcome into
a golden case (golden_case_from_outcome), so the next ruleset is tested against it.

Money is in whole pounds (integers); shares and over- or under-runs in per cent, one decimal.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Subquery
from django.db.models.fields.json import KeyTransform

from decisions.audit.models import AuditEvent
from decisions.engine.schema import OPTIONS
from decisions.presenter import money_text, option_label
from decisions.records.models import DecisionAction, DecisionRecord, DecisionRecordQuerySet
from decisions.records.outcomes import OUTCOME_ACTION, outcomes_of
from decisions.rulesets.models import GoldenCase
from decisions.rulesets.services import GoldenCaseDraft, golden_case_save, require_steward
from sourcing.dates import days_q
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import User

UNKNOWN_VERSION = "unknown"
TENTH = Decimal("0.1")
# A golden case made from an outcome is coded by its case: OUT-SRC-2026-0001.
GOLDEN_PREFIX = "OUT-"
GOLDEN_TITLE_MAX = 300


@dataclass(frozen=True)
class Outcome:
    """The latest outcome review of a decision (its audit event's seq and time, and payload):
    cost to date and the estimate in pounds (estimate None when the record had none)."""

    seq: int
    recorded_at: datetime
    delivered: bool
    on_time: bool
    months_late: int
    same_again: bool
    actual_gbp: int
    estimate_gbp: int | None
    benefits_realised: str
    lock_in: str
    comment: str


@dataclass(frozen=True)
class Decision:
    """An approval, as calibration reads it: its record's columns, the ruleset version it was
    assessed under, what later happened to it (superseded; reversed: the later decision
    rejected the case or chose another option), its latest outcome review (None without one)
    and the code of a golden case made from its case (None without one)."""

    record_id: int
    reference: str
    title: str
    case_id: int
    department_code: str
    department_name: str
    ruleset_version: str
    recommended: str
    decided_option: str
    overridden: bool
    decided_at: datetime
    whole_life_years: int | None
    superseded: bool
    reversed: bool
    outcome: Outcome | None
    golden_code: str | None

    @property
    def variance_gbp(self) -> int | None:
        """Actual whole-life cost to date minus the estimate for the decided option, pounds:
        positive an over-run, negative an under-run (None without an outcome or estimate)."""
        if self.outcome is None or self.outcome.estimate_gbp is None:
            return None
        return self.outcome.actual_gbp - self.outcome.estimate_gbp

    @property
    def variance_pct(self) -> float | None:
        """The variance as a percentage of the estimate (None when the estimate is 0)."""
        return _pct(self.variance_gbp, self.outcome.estimate_gbp if self.outcome else None)

    @property
    def partial(self) -> bool:
        """Whether the outcome was reviewed before the whole-life period the estimate covers
        ended (decided + whole_life_years): its cost is to date, not whole life. Unknown
        periods count as partial."""
        if self.outcome is None:
            return False
        if self.whole_life_years is None:
            return True
        return self.outcome.recorded_at.date() < _years_after(
            self.decided_at.date(), self.whole_life_years
        )


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def _one_place(value: Decimal) -> float:
    """A percentage to one decimal place, halves away from zero (6.25 is 6.3, as people round)."""
    return float(value.quantize(TENTH, rounding=ROUND_HALF_UP))


def _pct(part: int | None, whole: int | None) -> float | None:
    if part is None or not whole:
        return None
    return _one_place(Decimal(100 * part) / Decimal(whole))


@dataclass(frozen=True)
class CostRow:
    """The cost over- or under-run of one group of decisions with an outcome (an option, a
    department or a ruleset version): `key` and `label` name the group; `outcomes` counts the
    decisions with an outcome, `no_estimate` those of them without an estimate (left out of
    the money); `estimate_gbp`, `actual_gbp`, `variance_gbp` are sums in pounds; `variance_pct`
    is the summed variance over the summed estimate (weighted by cost), `median_pct` the median
    decision's; `over` and `under` count over- and under-runs; `partial` counts costs to date
    reviewed before the whole-life period ended."""

    key: str
    label: str
    outcomes: int
    no_estimate: int
    estimate_gbp: int
    actual_gbp: int
    variance_gbp: int
    variance_pct: float | None
    median_pct: float | None
    over: int
    under: int
    partial: int


@dataclass(frozen=True)
class ChangeRow:
    """Approvals of one option and how many were later superseded (another decision on the
    case replaced them) or reversed (that decision rejected the case or chose another option),
    with the shares in per cent (None with no approvals)."""

    option: str
    decisions: int
    superseded: int
    reversed: int

    @property
    def superseded_pct(self) -> float | None:
        return _pct(self.superseded, self.decisions)

    @property
    def reversed_pct(self) -> float | None:
        return _pct(self.reversed, self.decisions)


@dataclass(frozen=True)
class FollowRow:
    """How decisions turned out by whether the reviewer followed the recommendation (`key`
    "followed") or overrode it ("overridden"): approvals, those with an outcome, and of these
    how many were delivered, on time and would be chosen again (shares in per cent of those
    with an outcome), and the cost variance weighted by cost (per cent)."""

    key: str
    label: str
    decisions: int
    outcomes: int
    delivered: int
    on_time: int
    same_again: int
    variance_pct: float | None

    @property
    def delivered_pct(self) -> float | None:
        return _pct(self.delivered, self.outcomes)

    @property
    def on_time_pct(self) -> float | None:
        return _pct(self.on_time, self.outcomes)

    @property
    def same_again_pct(self) -> float | None:
        return _pct(self.same_again, self.outcomes)


@dataclass(frozen=True)
class CalibrationReport:
    """The calibration report over the approvals the filters keep: every decision (latest
    first), the cost tables by option, department and ruleset version (plus the total), the
    superseded and reversed shares by option, and the overrides against the followed."""

    decisions: list[Decision]
    by_option: list[CostRow]
    by_department: list[CostRow]
    by_version: list[CostRow]
    total: CostRow
    changes: list[ChangeRow]
    follow: list[FollowRow]

    @property
    def with_outcome(self) -> list[Decision]:
        """The decisions with an outcome review, latest decision first."""
        return [d for d in self.decisions if d.outcome is not None]

    @property
    def overrides(self) -> list[Decision]:
        """The overridden decisions with an outcome review, latest decision first."""
        return [d for d in self.with_outcome if d.overridden]


def _cost_row(key: str, label: str, decisions: list[Decision]) -> CostRow:
    costed = [d for d in decisions if d.variance_gbp is not None]
    estimate = sum(d.outcome.estimate_gbp or 0 for d in costed if d.outcome)
    actual = sum(d.outcome.actual_gbp for d in costed if d.outcome)
    percents = [
        Decimal(100 * (d.variance_gbp or 0)) / Decimal(d.outcome.estimate_gbp)
        for d in costed
        if d.outcome and d.outcome.estimate_gbp
    ]
    return CostRow(
        key=key,
        label=label,
        outcomes=len(decisions),
        no_estimate=len(decisions) - len(costed),
        estimate_gbp=estimate,
        actual_gbp=actual,
        variance_gbp=actual - estimate,
        variance_pct=_pct(actual - estimate, estimate),
        median_pct=_one_place(statistics.median(percents)) if percents else None,
        over=sum(1 for d in costed if (d.variance_gbp or 0) > 0),
        under=sum(1 for d in costed if (d.variance_gbp or 0) < 0),
        partial=sum(1 for d in decisions if d.partial),
    )


def _cost_rows(
    decisions: Iterable[Decision], key: Callable[[Decision], tuple[str, str]]
) -> list[CostRow]:
    groups: dict[tuple[str, str], list[Decision]] = defaultdict(list)
    for decision in decisions:
        groups[key(decision)].append(decision)
    return [_cost_row(k, label, members) for (k, label), members in sorted(groups.items())]


def _option_order(option: str) -> int:
    return OPTIONS.index(option) if option in OPTIONS else len(OPTIONS)


def _follow_row(key: str, label: str, decisions: list[Decision]) -> FollowRow:
    reviewed = [d.outcome for d in decisions if d.outcome is not None]
    costed = [o for o in reviewed if o.estimate_gbp is not None]
    estimate = sum(o.estimate_gbp or 0 for o in costed)
    return FollowRow(
        key=key,
        label=label,
        decisions=len(decisions),
        outcomes=len(reviewed),
        delivered=sum(1 for o in reviewed if o.delivered),
        on_time=sum(1 for o in reviewed if o.on_time),
        same_again=sum(1 for o in reviewed if o.same_again),
        variance_pct=_pct(sum(o.actual_gbp for o in costed) - estimate, estimate),
    )


def _outcome(event: Mapping[str, Any], seq: int, at: datetime) -> Outcome:
    estimate = event.get("estimate_gbp")
    return Outcome(
        seq=seq,
        recorded_at=at,
        delivered=bool(event.get("delivered")),
        on_time=bool(event.get("on_time")),
        months_late=int(event.get("months_late") or 0),
        same_again=bool(event.get("same_again")),
        actual_gbp=int(event.get("actual_cost_gbp") or 0),
        estimate_gbp=estimate if isinstance(estimate, int) else None,
        benefits_realised=str(event.get("benefits_realised", "")),
        lock_in=str(event.get("lock_in", "")),
        comment=str(event.get("comment", "")),
    )


def approvals(
    *,
    department: str = "",
    option: str = "",
    since: date | None = None,
    until: date | None = None,
) -> DecisionRecordQuerySet:
    """Approving records (superseded ones too) of a department's code, of a decided option,
    decided from `since` to `until` (London days, inclusive: sourcing.dates.days_q, as the
    dashboard and the consistency report); every filter optional."""
    records = DecisionRecord.objects.filter(action=DecisionAction.APPROVE)
    if department:
        records = records.filter(department__code=department)
    if option:
        records = records.filter(decided_option=option)
    return records.filter(days_q("decided_at", since=since, until=until))


def calibration_report(
    *,
    department: str = "",
    option: str = "",
    since: date | None = None,
    until: date | None = None,
) -> CalibrationReport:
    """The calibration report of the approvals the filters keep (`approvals`: a department's
    code, a decided option, the period of the decision). Three queries, whatever the number of
    decisions and outcomes: the approvals' columns (never their frozen content: the ruleset
    version and the answers' whole-life years come from the stored columns the database writes
    from it) with their case's title, their outcome reviews, and the golden cases made from
    their cases.

    Cost over- or under-run: for each approval with an outcome review, the latest review's
    actual whole-life cost to date minus the estimate for the decided option as the record
    froze it (decisions.records.outcomes.outcome_estimate: the should-cost estimate for that
    option, else the whole-life budget), in pounds, and as a percentage of the estimate.
    Positive is an over-run, negative an under-run. A group's percentage is its summed
    variance over its summed estimate (weighted by cost; the median decision's is given too).
    Decisions without an estimate are counted (`no_estimate`) but left out of the money.

    "To date": an outcome reviewed before the whole-life period its estimate covers has ended
    (decided + whole_life_years) compares the cost so far with the whole-life estimate. It is
    not pro-rated (spend is rarely even over the years, and the record holds no profile of
    it): such a review is counted as `partial`, so an over-run to date is a firm over-run while
    an under-run to date may still be spent. A later review of the same decision replaces an
    earlier one in the figures (each is a cost to date).
    """
    records = approvals(department=department, option=option, since=since, until=until)
    rows = records.annotate(
        # The stored columns the database writes from the content (never the content itself).
        years=KeyTransform("whole_life_years", "answers"),
        later_action=F("superseded_by__action"),
        later_option=F("superseded_by__decided_option"),
    ).values(
        "pk",
        "reference",
        "case__title",
        "case_id",
        "department__code",
        "department__name",
        "ruleset_version",
        "years",
        "recommended",
        "decided_option",
        "overridden",
        "decided_at",
        "later_action",
        "later_option",
    )
    listed = list(rows.order_by("-decided_at", "-pk"))
    kept = {row["pk"] for row in listed}
    # Every outcome review, kept when its decision is listed: one index scan of the chain's
    # outcome events (a few per decision at most), whatever the filters; an IN over the
    # approvals instead depends on the planner's statistics of both tables.
    latest: dict[int, Outcome] = {}
    events = AuditEvent.objects.filter(object_type="decision_record", action=OUTCOME_ACTION)
    for object_id, seq, at, payload in events.order_by("seq").values_list(
        "object_id", "seq", "occurred_at", "payload"
    ):
        if object_id.isdigit() and int(object_id) in kept:
            latest[int(object_id)] = _outcome(payload or {}, seq, at)
    golden = dict(
        GoldenCase.objects.filter(source_case_id__in=Subquery(records.values("case_id")))
        .order_by("code")
        .values_list("source_case_id", "code")
    )
    decisions = [
        Decision(
            record_id=row["pk"],
            reference=row["reference"],
            title=row["case__title"] or "",
            case_id=row["case_id"],
            department_code=row["department__code"],
            department_name=row["department__name"],
            ruleset_version=row["ruleset_version"] or UNKNOWN_VERSION,
            recommended=row["recommended"],
            decided_option=row["decided_option"],
            overridden=row["overridden"],
            decided_at=row["decided_at"],
            whole_life_years=row["years"] if isinstance(row["years"], int) else None,
            superseded=row["later_action"] is not None,
            reversed=row["later_action"] is not None
            and (
                row["later_action"] != DecisionAction.APPROVE
                or row["later_option"] != row["decided_option"]
            ),
            outcome=latest.get(row["pk"]),
            golden_code=golden.get(row["case_id"]),
        )
        for row in listed
    ]
    return _report(decisions)


def _report(decisions: list[Decision]) -> CalibrationReport:
    reviewed = [d for d in decisions if d.outcome is not None]
    by_option = sorted(
        _cost_rows(reviewed, lambda d: (d.decided_option, option_label(d.decided_option))),
        key=lambda row: _option_order(row.key),
    )
    changes: dict[str, list[Decision]] = defaultdict(list)
    for decision in decisions:
        changes[decision.decided_option].append(decision)
    return CalibrationReport(
        decisions=decisions,
        by_option=by_option,
        by_department=_cost_rows(reviewed, lambda d: (d.department_code, d.department_name)),
        by_version=_cost_rows(reviewed, lambda d: (d.ruleset_version, d.ruleset_version)),
        total=_cost_row("all", "All decisions", reviewed),
        changes=[
            ChangeRow(
                option=option,
                decisions=len(members),
                superseded=sum(1 for d in members if d.superseded),
                reversed=sum(1 for d in members if d.reversed),
            )
            for option, members in sorted(changes.items(), key=lambda i: _option_order(i[0]))
        ],
        follow=[
            _follow_row(
                "followed",
                "Followed the recommendation",
                [d for d in decisions if not d.overridden],
            ),
            _follow_row(
                "overridden",
                "Overrode the recommendation",
                [d for d in decisions if d.overridden],
            ),
        ],
    )


# The steward's action -----------------------------------------------------------------------


def golden_option_problems(
    *, same_again: bool, decided_option: str, option: str | None
) -> dict[str, list[str]]:
    """What is wrong with the expected option a steward gives for a golden case made from an
    outcome, by field (`option`): when the department would choose the decided option again,
    that option is the expected one (another may not be given); when it would not, the steward
    must choose one of the five options, not the decided one."""
    decided = option_label(decided_option)
    if same_again:
        if option and option != decided_option:
            return {
                "option": [
                    f"The department would choose {decided} again, so {decided} is the expected "
                    "option: leave the option out"
                ]
            }
        return {}
    if option not in OPTIONS:
        return {"option": ["Select the option the outcome shows was right"]}
    if option == decided_option:
        return {
            "option": [f"The department would not choose {decided} again: select another option"]
        }
    return {}


def _basis(record: DecisionRecord, outcome: Outcome, expected: str) -> str:
    delivered = "delivered" if outcome.delivered else "not delivered"
    timing = "on time" if outcome.on_time else f"{outcome.months_late} months late"
    estimate = money_text(outcome.estimate_gbp, none="no estimate")
    again = "would" if outcome.same_again else "would not"
    return (
        f"Made from the outcome review of decision {record.reference} "
        f"(decided {option_label(record.decided_option)}, recommended "
        f"{option_label(record.recommended) if record.recommended else 'nothing viable'}): "
        f"{delivered}, {timing}, {money_text(outcome.actual_gbp)} to date against {estimate}; "
        f"the department {again} choose {option_label(record.decided_option)} again. "
        f"Expected: {option_label(expected)}."
    )


@transaction.atomic
def golden_case_from_outcome(
    *, record: DecisionRecord, by: User, option: str | None = None
) -> GoldenCase:
    """Make a golden case from a decision's latest outcome review, by a ruleset steward, in one
    action: the answers the record froze, and as the expected recommendation the option the
    outcome shows was right: the decided option when the department would choose it again,
    else `option`, the steward's choice (required, another option). The golden case (code
    OUT-<reference>) is stored with the others, so every ruleset published from now on must
    pass it; its creation is audited (`golden_case.created`, with the outcome's event).

    TransitionRefused when the decision has no outcome review or a golden case was already
    made from its case (or by anyone but a steward); ValidationFailed naming `option`, or the
    answers a golden case cannot take."""
    require_steward(by)
    reviews = outcomes_of(record)
    if not reviews:
        raise TransitionRefused(
            f"{record.reference} has no outcome review: a golden case is made from a decision "
            "whose outcome the department has recorded"
        )
    made = GoldenCase.objects.filter(source_case_id=record.case_id).order_by("code").first()
    if made is not None:
        raise TransitionRefused(
            f"A golden case ({made.code}) was already made from {record.reference}"
        )
    event = reviews[-1]
    outcome = _outcome(event.payload, event.seq, event.occurred_at)
    errors = golden_option_problems(
        same_again=outcome.same_again, decided_option=record.decided_option, option=option
    )
    if errors:
        raise ValidationFailed(errors)
    expected = record.decided_option if outcome.same_again else str(option)
    content = record.content or {}
    title = (content.get("identity") or {}).get("title") or record.reference
    suffix = f" (outcome of {record.reference})"
    draft = GoldenCaseDraft(
        code=f"{GOLDEN_PREFIX}{record.reference}",
        title=title[: GOLDEN_TITLE_MAX - len(suffix)] + suffix,
        answers=dict(content.get("answers") or {}),
        expected={"recommended": expected},
        sources=[f"Decision record {record.reference} ({record.record_sha256})"],
        basis=_basis(record, outcome, expected),
    )
    return golden_case_save(
        by=by,
        draft=draft,
        source_case=record.case,
        origin={
            "outcome_seq": event.seq,
            "outcome_sha256": event.sha256,
            "record": record.reference,
            "same_again": outcome.same_again,
        },
    )
