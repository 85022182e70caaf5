"""The consistency check: the earlier decisions of every department most like a case, and the
pairs decided differently (issue 20; the distance: decisions.engine.similarity and
docs/decisions/0028-consistency-check-distance.md).

A case's answers are compared with those of every current approved decision (the last record
of each approved case, superseded ones left out). The answers compared are the case's own:
answers cannot change once a case is submitted, so an approved case's answers are those its
record froze (a case reopened for review is compared as it is answered now).
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from decisions.assessments.models import Assessment
from decisions.engine.similarity import CHOICE_LINES, Comparison, compare, near_signature
from decisions.records.models import DecisionAction, DecisionRecord
from sourcing.cache_errors import cache_call
from sourcing.models import Case

log = logging.getLogger(__name__)

# The most similar cases listed for one case.
MAX_SIMILAR = 10
# A case's similar decisions are kept in the cache (Redis where REDIS_URL is set) under a key
# naming what they are computed from (ADR 0031).
CACHE_SECONDS: Final = 24 * 3600
ANSWERS_VERSION_KEY: Final = "consistency:answers"


@dataclass(frozen=True)
class SimilarCase:
    """An earlier decision like the case: its record (department and case selected), the
    comparison of answers, and why the pair is flagged ("" when it is not)."""

    record: DecisionRecord
    comparison: Comparison
    flag: str

    @property
    def flagged(self) -> bool:
        return bool(self.flag)


def flag_reason(comparison: Comparison, *, option: str, other: DecisionRecord) -> str:
    """Why a pair is flagged: near-identical answers and the earlier case decided another option
    than `option` (this case's decision, or its recommendation while under review); "" if not.
    """
    if not comparison.near_identical or not option or other.decided_option == option:
        return ""
    return "near-identical answers, decided differently"


def similar_cases(
    case: Case, *, option: str, before: datetime | None = None, limit: int = MAX_SIMILAR
) -> list[SimilarCase]:
    """The current approved decisions of other cases (every department) most like `case`,
    most similar first (ties: the latest decision first), at most `limit`; only decisions made
    before `before` when given (a decision is compared with what was decided before it).

    `option` is what the case is measured against: its decided option, or for a case under
    review its recommendation. Kept in the cache by what the list is computed from (see
    `decisions_version`): three queries when kept (the version and the records listed), four
    when computed; whatever the number of stored decisions.
    """
    key = (
        f"consistency:{decisions_version()}:{case.pk}:{case.created_at.timestamp()}:"
        f"{case.answers_version}:{before.timestamp() if before else '-'}:{limit}"
    )
    kept: list[tuple[int, Comparison]] | None = _cache_call("get", lambda: cache.get(key), None)
    if kept is None:
        kept = _most_similar(case, before=before, limit=limit)
        _cache_call("set", lambda: cache.set(key, kept, CACHE_SECONDS), None)
    # Without the records' content (about 27 KB each, decoded for nothing: what is listed of
    # them is in their columns, the case's answers in the case).
    records = (
        DecisionRecord.objects.select_related("department", "case")
        .defer("content", "answers")
        .in_bulk([pk for pk, _ in kept])
    )
    return [
        SimilarCase(
            record=records[pk],
            comparison=comparison,
            flag=flag_reason(comparison, option=option, other=records[pk]),
        )
        for pk, comparison in kept
        if pk in records
    ]


def _most_similar(
    case: Case, *, before: datetime | None, limit: int
) -> list[tuple[int, Comparison]]:
    """(record id, comparison) of the current approvals most like the case (one query)."""
    candidates = DecisionRecord.objects.current_approvals().exclude(case_id=case.pk)
    if before is not None:
        candidates = candidates.filter(decided_at__lt=before)
    # The database drops what can never be similar: the other side of a decisive line on a
    # choice (decisions.engine.similarity.CHOICE_LINES).
    for key, named in CHOICE_LINES.items():
        value = case.answers.get(key)
        if value in named:
            candidates = candidates.filter(**{f"case__answers__{key}": value})
        elif value is not None:
            candidates = candidates.exclude(**{f"case__answers__{key}__in": list(named)})
    scored: list[tuple[float, float, int, Comparison]] = []
    for pk, decided_at, answers in candidates.values_list("pk", "decided_at", "case__answers"):
        comparison = compare(case.answers, answers or {})
        if comparison.similar:
            scored.append((comparison.distance, -decided_at.timestamp(), pk, comparison))
    scored.sort(key=lambda row: row[:3])
    return [(pk, comparison) for _, _, pk, comparison in scored[:limit]]


def decisions_version() -> str:
    """What every case's similar decisions are computed from, as a token: the last decision
    record's sequence number (every approval, rejection and supersession issues a record, so
    it moves on with each), and a token renewed whenever a returned case's answers may have
    changed (`consistency_answers_changed`: a reopened decision is compared as answered now).
    One query."""
    last = DecisionRecord.objects.aggregate(last=Max("seq"))["last"] or 0
    token = _cache_call("get", lambda: cache.get(ANSWERS_VERSION_KEY), None)
    if token is None:
        token = uuid.uuid4().hex
        if not _cache_call("add", lambda: cache.add(ANSWERS_VERSION_KEY, token, None), False):
            token = _cache_call("get", lambda: cache.get(ANSWERS_VERSION_KEY), None) or token
    return f"{last}:{token}"


def consistency_answers_changed() -> None:
    """Retire every kept list of similar decisions: a new token now and again once the change
    commits (a list computed by another process between the two, from the old answers, is
    never found under the final token)."""

    def renew() -> None:
        if not _cache_call(
            "set", lambda: cache.set(ANSWERS_VERSION_KEY, uuid.uuid4().hex, None), 0
        ):
            log.error("consistency token not renewed (cache down)")

    renew()
    transaction.on_commit(renew)


def _cache_call(what: str, call: Any, unavailable: Any) -> Any:
    """A cache call, or `unavailable` when the cache is down (the check is then computed)."""
    if what == "set":  # True once stored
        return cache_call(lambda: call() or True, unavailable, what=f"consistency {what}")
    return cache_call(call, unavailable, what=f"consistency {what}")


def option_counts(similar: list[SimilarCase]) -> dict[str, int]:
    """How many of the similar cases were decided for each option, most first."""
    return dict(Counter(s.record.decided_option for s in similar).most_common())


def summary(similar: list[SimilarCase]) -> dict[str, Any]:
    """What anyone who may see the case may know: how many similar cases, their options and
    how many are flagged; no department, reference or answers."""
    return {
        "count": len(similar),
        "options": option_counts(similar),
        "flagged": sum(1 for s in similar if s.flagged),
    }


@dataclass(frozen=True)
class CaseCheck:
    """The consistency check of one case: what it is measured against ("decision" once
    approved, else "recommendation"), that option, and the similar earlier decisions."""

    measured_against: str
    option: str
    similar: list[SimilarCase]


def case_check(case: Case, *, known: KnownDecision | None = None) -> CaseCheck:
    """The consistency check of a case: an approved case against the decisions made before its
    current record, by its decided option; any other case (under review, returned, rejected)
    against every current decision, by its latest recommendation. Four queries when the
    similar decisions are kept in the cache, five when they are computed (one more for the
    latest assessment of a case not approved); two fewer with `known`."""
    if known is not None:
        action, decided, decided_at = (
            (known.record.action, known.record.decided_option, known.record.decided_at)
            if known.record is not None
            else (None, "", None)
        )
    else:
        # Only the columns read here: a record's content and an assessment's result are large.
        found = (
            DecisionRecord.objects.filter(case=case, superseded_by__isnull=True)
            .order_by("-seq")
            .values_list("action", "decided_option", "decided_at")
            .first()
        )
        action, decided, decided_at = found if found is not None else (None, "", None)
    if action == DecisionAction.APPROVE:
        return CaseCheck(
            "decision", decided, similar_cases(case, option=decided, before=decided_at)
        )
    if known is not None:
        option = known.recommended
    else:
        option = (
            Assessment.objects.filter(case=case)
            .newest_first()
            .values_list("recommended", flat=True)
            .first()
        )
    return CaseCheck("recommendation", option or "", similar_cases(case, option=option or ""))


@dataclass(frozen=True)
class KnownDecision:
    """What `case_check` reads of a case, when its caller has read it: the case's record not
    superseded by a later one, newest first (decisions.review.selectors.current_record; None
    without one) and the `recommended` column of its latest assessment (None without one)."""

    record: DecisionRecord | None
    recommended: str | None


@dataclass(frozen=True)
class FlaggedPair:
    """Two current decisions with near-identical answers and different options: the earlier
    and the later (department and case selected), and their comparison."""

    earlier: DecisionRecord
    later: DecisionRecord
    comparison: Comparison


def flagged_pairs(
    *,
    department: str = "",
    option: str = "",
    since: date | None = None,
    until: date | None = None,
) -> list[FlaggedPair]:
    """The consistency report: every pair of current approved decisions (any departments)
    whose answers are near-identical (decisions.engine.similarity) but whose decided options
    differ, latest decision first. Filters: a department's code (either side of the pair), an
    option (either side's decided option), and the period in which the later decision was
    made (London days, inclusive, as every report: sourcing.dates.days_q).

    Decisions are grouped by what near-identical answers must share (the decisive sides, the
    categories and yes/no answers: decisions.engine.similarity.near_signature); each decision
    is compared with the earlier ones of its group.
    Two queries, whatever the number of decisions."""
    rows = DecisionRecord.objects.current_approvals().values_list(
        "pk", "decided_at", "decided_option", "department__code", "case__answers"
    )
    groups: dict[tuple[Any, ...], list[tuple[int, datetime, str, str, dict[str, Any]]]] = {}
    for pk, decided_at, decided, code, stored in rows.order_by("decided_at", "pk"):
        answers = stored or {}
        groups.setdefault(near_signature(answers), []).append(
            (pk, decided_at, decided, code, answers)
        )
    found: list[tuple[int, int, Comparison]] = []
    for members in groups.values():
        for i, (pk, decided_at, decided, code, answers) in enumerate(members):
            day = timezone.localdate(decided_at)  # a London day, as every report's
            if (since and day < since) or (until and day > until):
                continue
            for e_pk, _, e_decided, e_code, e_answers in members[:i]:
                if e_decided == decided:
                    continue
                if department and department not in (code, e_code):
                    continue
                if option and option not in (decided, e_decided):
                    continue
                comparison = compare(e_answers, answers)
                if comparison.near_identical:
                    found.append((e_pk, pk, comparison))
    records = DecisionRecord.objects.select_related("department", "case").in_bulk(
        {pk for pair in found for pk in pair[:2]}
    )
    pairs = [FlaggedPair(records[e], records[later], c) for e, later, c in found]
    pairs.sort(key=lambda p: (p.later.decided_at, p.later.pk, p.earlier.pk), reverse=True)
    return pairs
