"""Reads of the review: the queue, the case under review, the decisions due for review."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, Final

from django.db.models import Max, Q, Subquery

from decisions.assessments.models import Assessment
from decisions.assessments.selectors import case_assessments, latest_assessment_per_case
from decisions.cases.selectors import PERSON_NAMES
from decisions.impact.selectors import decisions_flagged_by_replay
from decisions.records.models import DecisionRecord, DecisionRecordQuerySet
from decisions.records.outcomes import awaiting_outcome_review
from decisions.review.dates import review_dates
from sourcing.compiled_sql import compiled, model_columns
from sourcing.json_sql import JSONKeys
from sourcing.models import Case, CaseQuerySet, CaseStatus, CaseStatusChange, SignOff, User

# Decisions whose review-by date falls within this many days (or has passed) are due.
DUE_WITHIN_DAYS = 90


def queue_cases(user: Any, *, option: str = "") -> CaseQuerySet:
    """Cases the user may see, annotated with when they were last submitted, what their
    latest assessment recommends (only those recommending `option`, if given) and the option
    too close to call with it (`close_with`, None without a close call), oldest submission
    first."""
    latest = latest_assessment_per_case()
    cases = (
        Case.objects.visible_to(user)
        .select_related("department", "owner")
        .annotate(
            submitted_at=Max(
                "status_changes__at",
                filter=Q(status_changes__to_status=CaseStatus.SUBMITTED),
            ),
            recommended_option=Subquery(latest.values("recommended")[:1]),
            close_with=Subquery(latest.values("result__close_call__options__1")[:1]),
        )
    )
    if option:
        cases = cases.filter(recommended_option=option)
    return cases.order_by("submitted_at", "pk")


def submitted_waiting(user: Any) -> CaseQuerySet:
    """Cases the user may see that wait for review (submitted), oldest submission first, with
    `submitted_at` (when last submitted) and the department: only the columns the home page's
    to-do list shows (reference, title, department name), not the answers nor the latest
    assessment that queue_cases reads."""
    return (
        Case.objects.visible_to(user)
        .filter(status=CaseStatus.SUBMITTED)
        .select_related("department")
        .only("reference", "title", "department__name")
        .annotate(
            submitted_at=Max(
                "status_changes__at",
                filter=Q(status_changes__to_status=CaseStatus.SUBMITTED),
            )
        )
        .order_by("submitted_at", "pk")
    )


def case_for_review(user: Any, reference: str, *, shown_only: bool = False) -> Case | None:
    """A case the user may see (reviewers: submitted at least once), with its department and
    owner, or None. `shown_only` (the review page's GET): of the department only its name, of
    the owner only their names (not the whole row: password, email, dates), as the page
    shows them, in one query compiled once per process for the user's role, the reference and
    their department's id its parameters (sourcing.compiled_sql)."""
    if shown_only:
        role: str = getattr(user, "role", None) or ""

        def build(reference: str, department_id: int) -> Any:
            # visible_to of a stand-in with the user's role and department: the same filters.
            scope = User(role=role, department_id=department_id)
            return (
                Case.objects.visible_to(scope)
                .filter(reference=reference)
                .values_list(
                    *CASE_READ,
                    "department__id",
                    "department__name",
                    "owner__id",
                    *(f"owner__{name}" for name in PERSON_NAMES),
                )[:1]
            )

        found = compiled(
            ("review-case", role),
            build,
            params={"reference": reference, "department_id": user.department_id or 0},
        ).instances(Case, related=("department", "owner"))
        return found[0] if found else None
    cases = Case.objects.visible_to(user).select_related("department", "owner")
    return cases.filter(reference=reference).first()


CASE_READ: Final = tuple(f.attname for f in Case._meta.concrete_fields)


# The review page's reads (here and below) are compiled once per process, the case's id a
# parameter (sourcing.compiled_sql: their SQL is the same for every case), and made into model
# instances of the columns read, as `only()`/`defer()` make them (a column not read loads on
# access).
ASSESSMENT_READ = model_columns(
    Assessment, [f.attname for f in Assessment._meta.concrete_fields if f.name != "result"]
)


def assessment_for_review(case: Case) -> Assessment | None:
    """The case's latest assessment (decisions.assessments.selectors.latest_assessment) without
    its result (about 50 KB of JSON), with what the review page reads of it outside the kept
    presentation: `shown_result`, its `recommended`, `close_call` and `policy_checks` read
    out by the database (a key the result lacks is None). The result itself is read only if
    the presentation must be rendered (one query more), or None without an assessment. One
    query (case_assessments' newest), compiled once per process."""

    def build(case_id: int) -> Any:
        shown = JSONKeys("result", ("recommended", "close_call", "policy_checks"))
        return (
            case_assessments(Case(pk=case_id))  # the id alone: the query is built from it
            .annotate(shown_result=shown)
            .values_list(*ASSESSMENT_READ, "shown_result")[:1]
        )

    found = compiled("review-assessment", build, params={"case_id": case.pk})
    return next(iter(found.instances(Assessment)), None)  # with its shown_result


# What the review page reads of a sign-off (decisions.cases.selectors.case_signoffs reads
# every column and both people): the four-eyes check's recorded_by_id, the staleness check's
# content_version, and the columns the sign-offs list shows (a signatory only as whether
# there is one).
REVIEW_SIGNOFF_COLUMNS = (
    "case_id",
    "discipline",
    "name",
    "role",
    "comment",
    "content_version",
    "recorded_at",
    "recorded_by_id",
    "signatory_id",
    "no_account",
)
# What the review page reads of a status change: the returns it lists (when, by whom, the
# comment) and the return a resubmission answers (its sections and snapshot).
REVIEW_HISTORY_COLUMNS = (
    "case_id",
    "at",
    "to_status",
    "comment",
    "sections",
    "snapshot",
    "by__first_name",
    "by__last_name",
    "by__username",
)


SIGNOFF_READ = model_columns(SignOff, REVIEW_SIGNOFF_COLUMNS)
CHANGE_READ = model_columns(
    CaseStatusChange, ["by_id", *(c for c in REVIEW_HISTORY_COLUMNS if "__" not in c)]
)
CHANGE_BY_READ = model_columns(
    User, [c.removeprefix("by__") for c in REVIEW_HISTORY_COLUMNS if c.startswith("by__")]
)


def review_signoffs(case: Case) -> list[SignOff]:
    """Every sign-off of the case, in their order (case_signoffs' rows), with only
    REVIEW_SIGNOFF_COLUMNS read and neither person joined (one query, compiled once per
    process)."""
    return compiled(
        "review-signoffs",
        lambda case_id: SignOff.objects.filter(case_id=case_id).values_list(*SIGNOFF_READ),
        params={"case_id": case.pk},
    ).instances(SignOff)


def review_history(case: Case) -> list[CaseStatusChange]:
    """Every status change of the case, oldest first (status_history's rows), with only
    REVIEW_HISTORY_COLUMNS read of them and of who made them (one query, compiled once per
    process)."""
    return compiled(
        "review-history",
        lambda case_id: (
            CaseStatusChange.objects.filter(case_id=case_id)
            .order_by("at", "pk")
            .values_list(*CHANGE_READ, *(f"by__{c}" for c in CHANGE_BY_READ))
        ),
        params={"case_id": case.pk},
    ).instances(CaseStatusChange, related=("by",))


RECORD_READ = model_columns(
    DecisionRecord,
    [
        f.attname
        for f in DecisionRecord._meta.concrete_fields
        if f.name not in ("content", "answers")
    ],
)


def current_record(case: Case) -> DecisionRecord | None:
    """The case's record not superseded by a later one, if any: its columns, without its
    content (about 27 KB, which the review page, linking to the record, does not read). One
    query, compiled once per process."""
    found = compiled(
        "review-current-record",
        lambda case_id: (
            DecisionRecord.objects.filter(case_id=case_id, superseded_by__isnull=True)
            .order_by("-seq")
            .values_list(*RECORD_READ)[:1]
        ),
        params={"case_id": case.pk},
    ).instances(DecisionRecord)
    return next(iter(found), None)


def approvals_due(*, today: date, department_id: int | None = None) -> DecisionRecordQuerySet:
    """Current approvals of approved cases whose review-by date is within DUE_WITHIN_DAYS of
    `today` or past (of one department when given), soonest first, without their content.
    A decision with an outcome review is not due (records.outcomes.awaiting_outcome_review)."""
    due = awaiting_outcome_review(DecisionRecord.objects.current_approvals()).filter(
        case__status=CaseStatus.APPROVED, review_by__lte=today + timedelta(days=DUE_WITHIN_DAYS)
    )
    if department_id is not None:
        due = due.filter(department_id=department_id)
    return due.defer("content").order_by("review_by", "pk")


def _due_rule(*, today: date) -> tuple[date, set[int], dict[int, list[date]], list[int]]:
    """What the due-for-review rule is made of today: the last due day (`until`), the ids the
    latest replay flags, the dates other features give each case, and the cases one of those
    dates brings forward (by `until`), in their order."""
    until = today + timedelta(days=DUE_WITHIN_DAYS)
    flagged = decisions_flagged_by_replay()
    extra = review_dates(today=today)
    brought_forward = [
        case_id for case_id, dates in extra.items() if any(d <= until for d in dates)
    ]
    return until, flagged, extra, brought_forward


def _due_records(
    *, until: date, flagged: Iterable[int], brought_forward: Iterable[int]
) -> DecisionRecordQuerySet:
    """The current approved decisions due for review by the rule's parts (see _due_rule)."""
    return awaiting_outcome_review(DecisionRecord.objects.current_approvals()).filter(
        Q(review_by__lte=until) | Q(pk__in=flagged) | Q(case_id__in=brought_forward),
        case__status=CaseStatus.APPROVED,
    )


def _due(*, today: date) -> tuple[DecisionRecordQuerySet, set[int], dict[int, list[date]]]:
    """The current approved decisions due for review (see due_for_review), the ids the latest
    replay flags, and the dates other features give each case."""
    until, flagged, extra, brought_forward = _due_rule(today=today)
    return (
        _due_records(until=until, flagged=flagged, brought_forward=brought_forward),
        flagged,
        extra,
    )


# What the due-for-review list reads of a record (and of its case and department).
DUE_COLUMNS = (
    "reference",
    "case_id",
    "department_id",
    "decided_option",
    "overridden",
    "review_by",
    "case__title",
    "department__name",
)


def due_for_review(*, today: date) -> list[dict[str, Any]]:
    """Current approved decisions due for review: their review-by date is within
    DUE_WITHIN_DAYS or past, the latest replay says they would now come out differently, or a
    date another feature gives them (a contract's break point or end) is within that time; and
    no outcome review is recorded on them (a recorded outcome review is the review).

    Each item: record, due (the earliest of its dates), flagged (by the replay); soonest first.
    The record is read with only the columns the due-for-review list shows (DUE_COLUMNS): not
    its content (about 27 KB of JSON) nor its case's answers.
    """
    due, flagged, extra = _due(today=today)
    records = (
        due.select_related("department", "case").only(*DUE_COLUMNS).order_by("review_by", "pk")
    )
    items: list[dict[str, Any]] = [
        {
            "record": record,
            "due": _earliest(record.review_by, extra.get(record.case_id, [])),
            "flagged": record.pk in flagged,
        }
        for record in records
    ]
    items.sort(key=lambda item: (item["due"], item["record"].pk))
    return items


def _earliest(review_by: date | None, others: list[date]) -> date:
    """The earliest of a due decision's dates. Only approved decisions are due, and an
    approval always has a review-by date (a rejection has none)."""
    dates = [d for d in (review_by, *others) if d is not None]
    assert dates, "an approved decision has a review-by date"
    return min(dates)


def due_dates(*, today: date, department: str = "") -> list[tuple[str, str, date]]:
    """The decisions of the due-for-review list (the same rule as due_for_review), of one
    department when its code is given: (department code, department name, due date) each,
    read as those three columns only. A due date before `today` is overdue. The records'
    query is compiled once per process for each set of what it is built from (the last due
    day, the flagged ids, the cases brought forward, the department: sourcing.compiled_sql)."""
    until, flagged, extra, brought_forward = _due_rule(today=today)
    flagged_ids, forward_ids = tuple(sorted(flagged)), tuple(sorted(brought_forward))

    def build() -> Any:
        due = _due_records(until=until, flagged=flagged_ids, brought_forward=forward_ids)
        if department:
            due = due.filter(department__code=department)
        return due.order_by().values_list(
            "case_id", "department__code", "department__name", "review_by"
        )

    key = ("due-dates", until, flagged_ids, forward_ids, department)
    return [
        (code, name, _earliest(review_by, extra.get(case_id, [])))
        for case_id, code, name, review_by in compiled(key, build).rows()
    ]
