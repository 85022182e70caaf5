"""Reads of cases: those a user may see on the department's pages, a case's current
sign-offs, the people who may sign off or be its Senior Responsible Owner, the sign-off
requests waiting for someone, and a return still open."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from django.db.models import Exists, Max, OuterRef, Q, QuerySet

from sourcing.access import scoped_to_department
from sourcing.compiled_sql import compiled
from sourcing.models import (
    Case,
    CaseQuerySet,
    CaseStatus,
    CaseStatusChange,
    Role,
    SignOff,
    SignOffRequest,
    SignOffRequestStatus,
    User,
)
from sourcing.questionnaire import SECTIONS

# The tasks a reviewer may name when returning a case: each questionnaire section (by slug),
# the policy explanations and the sign-offs.
RETURN_TASKS: dict[str, str] = {
    **{section.slug: section.title for section in SECTIONS},
    "explanations": "Explain policy checks",
    "signoffs": "Sign-offs and Senior Responsible Owner",
}


def cases_visible(user: Any) -> CaseQuerySet:
    """The cases the user may see (Case.objects.visible_to), kept to their own department for
    a department's user (sourcing.access.scoped_to_department)."""
    return scoped_to_department(Case.objects.visible_to(user), user)


def cases_with_approved(cases: CaseQuerySet) -> CaseQuerySet:
    """The cases, each annotated `ever_approved` (bool): whether a reviewer ever approved it,
    read in the cases' own query (services.case_reopened's `approved`)."""
    approvals = CaseStatusChange.objects.filter(case=OuterRef("pk"), to_status=CaseStatus.APPROVED)
    return cases.annotate(ever_approved=Exists(approvals))


def signatories_among(case: Case, people: Iterable[User]) -> list[User]:
    """signatories(case) out of the department's people already read (department_people of
    the case's department, in its order): its commercial users, the owner excepted."""
    return [p for p in people if p.role == Role.COMMERCIAL and p.pk != case.owner_id]


def case_visible(user: Any, pk: int) -> Case | None:
    """A case the user may see, with its department, owner and Senior Responsible Owner (as the
    API shows a case), or None."""
    return cases_visible(user).select_related("department", "owner", "sro").filter(pk=pk).first()


def case_shown(pk: int) -> Case:
    """A case read afresh after a change, with its department and owner (DoesNotExist if none)."""
    return Case.objects.select_related("department", "owner").get(pk=pk)


def case_signoffs(case: Case) -> list[SignOff]:
    """Every sign-off of the case, in their order, with who recorded and who signed it."""
    return list(case.signoffs.select_related("recorded_by", "signatory"))


def signoffs_shown(case: Case) -> list[SignOff]:
    """case_signoffs as the case's pages show them: who recorded and who signed each read
    only for their names (PERSON_NAMES)."""
    people = (f"{who}__{name}" for who in ("recorded_by", "signatory") for name in PERSON_NAMES)
    return list(
        case.signoffs.select_related("recorded_by", "signatory").only(
            *(f.name for f in SignOff._meta.concrete_fields), *people
        )
    )


def current_signoffs(case: Case, every: list[SignOff] | None = None) -> dict[str, SignOff]:
    """The latest sign-off per discipline (fresh or stale). `every` is the case's
    case_signoffs when the caller has read them."""
    latest: dict[str, SignOff] = {}
    for signoff in every if every is not None else case_signoffs(case):
        latest[signoff.discipline] = signoff
    return latest


def signoff_versions(case: Case) -> dict[str, int]:
    """The content version each discipline's latest sign-off (current_signoffs) signed, by
    discipline: one query of two columns, without the sign-offs' people (for the task list
    and the submission blockers, which only compare versions)."""
    return dict(
        compiled(
            "case-signoff-versions",
            lambda case_id: (
                SignOff.objects.filter(case_id=case_id)
                .order_by("recorded_at", "pk")
                .values_list("discipline", "content_version")
            ),
            params={"case_id": case.pk},
        ).rows()
    )  # compiled once per process, the case's id its parameter (sourcing.compiled_sql)


def latest_requests(
    case: Case, *, asker: bool = True, names_only: bool = False
) -> dict[str, SignOffRequest]:
    """The newest sign-off request per discipline (whatever its status), with its signatory and
    (unless `asker` is False: the case's pages never show it) who asked (one query). With
    `names_only` (the case's pages) only the people's names (PERSON_NAMES) are read of them."""
    latest: dict[str, SignOffRequest] = {}
    joined = ("signatory", "requested_by") if asker else ("signatory",)
    requests = case.signoff_requests.select_related(*joined)
    if names_only:
        requests = requests.only(
            *(f.name for f in SignOffRequest._meta.concrete_fields),
            *(f"{who}__{name}" for who in joined for name in PERSON_NAMES),
        )
    for request in requests.order_by("requested_at", "pk"):
        latest[request.discipline] = request
    return latest


# The columns of a person their name is made from (person_name, presenter's person_text).
PERSON_NAMES: Final = ("username", "first_name", "last_name")


def person_name(user: User) -> str:
    """A person's full name, or their username when they have none."""
    return user.get_full_name() or user.get_username()


def department_people(department_id: int) -> QuerySet[User]:
    """The active people of a department with a role there (commercial users and department
    administrators), by name: whom a case may name as its Senior Responsible Owner."""
    return User.objects.filter(
        department_id=department_id,
        is_active=True,
        role__in=(Role.COMMERCIAL, Role.DEPARTMENT_ADMIN),
    ).order_by("first_name", "last_name", "username")


def signatories(case: Case) -> QuerySet[User]:
    """Whom the case owner may ask for a sign-off: the department's active commercial users
    (they may read the case and its assessment), the owner excepted."""
    return (
        department_people(case.department_id).filter(role=Role.COMMERCIAL).exclude(pk=case.owner_id)
    )


def drafts_of(user: User, department_id: int) -> CaseQuerySet:
    """The person's draft cases in their department, last changed first, with the department."""
    return (
        Case.objects.filter(owner=user, department_id=department_id, status=CaseStatus.DRAFT)
        .select_related("department")
        .order_by("-updated_at", "-pk")
    )


def returned_cases(department_id: int) -> CaseQuerySet:
    """The department's cases returned to it, the longest returned first (`returned_at`: when
    it was last returned)."""
    return (
        Case.objects.filter(department_id=department_id, status=CaseStatus.RETURNED)
        .annotate(
            returned_at=Max(
                "status_changes__at", filter=Q(status_changes__to_status=CaseStatus.RETURNED)
            )
        )
        .order_by("returned_at", "pk")
    )


def signoff_requests_for(user: User) -> QuerySet[SignOffRequest]:
    """Sign-off requests waiting for this person's decision, oldest first, on cases still
    with their department (draft or returned), with the case and who asked: for their home
    page's to-do list (one query; SignOffRequest.objects.waiting_for for layers below)."""
    return SignOffRequest.objects.waiting_for(user)


STATUS_CHANGE_READ: Final = tuple(f.attname for f in CaseStatusChange._meta.concrete_fields)


def status_history(case: Case) -> list[CaseStatusChange]:
    """Every status change of the case, oldest first, with who made it read for their names
    (PERSON_NAMES; one query, compiled once per process, the case's id its parameter:
    sourcing.compiled_sql)."""
    return compiled(
        "case-status-history",
        lambda case_id: (
            CaseStatusChange.objects.filter(case_id=case_id)
            .order_by("at", "pk")
            .values_list(*STATUS_CHANGE_READ, "by__id", *(f"by__{name}" for name in PERSON_NAMES))
        ),
        params={"case_id": case.pk},
    ).instances(CaseStatusChange, related=("by",))


def open_return(
    case: Case, history: list[CaseStatusChange] | None = None
) -> CaseStatusChange | None:
    """The reviewer's latest return while the department works on it (nothing submitted,
    decided or withdrawn since), else None. `history` is the case's status_history when the
    caller has read it."""
    found = None
    for change in history if history is not None else status_history(case):
        if change.to_status == CaseStatus.RETURNED:
            found = change
        elif change.to_status != CaseStatus.DRAFT:
            found = None
    return found


def return_before_resubmission(
    case: Case, history: list[CaseStatusChange] | None = None
) -> CaseStatusChange | None:
    """For a case awaiting review, the return its latest submission answers (None when the
    latest submission followed no return). `history` is the case's status_history when the
    caller has read it."""
    if case.status != CaseStatus.SUBMITTED:
        return None
    last_return = answered = None
    for change in history if history is not None else status_history(case):
        if change.to_status == CaseStatus.RETURNED:
            last_return = change
        elif change.to_status == CaseStatus.SUBMITTED:
            answered, last_return = last_return, None
    return answered


def changed_since_return(case: Case, change: CaseStatusChange) -> set[str]:
    """The tasks (RETURN_TASKS keys) whose answers or explanations differ from the case as
    returned; empty for a return kept without its snapshot."""
    snapshot = change.snapshot or {}
    if not snapshot:
        return set()
    answers = snapshot.get("answers", {})
    changed = {
        section.slug
        for section in SECTIONS
        if any(answers.get(k) != case.answers.get(k) for k in section.keys)
    }
    if snapshot.get("explanations", {}) != case.explanations:
        changed.add("explanations")
    return changed


def signoff_request_asked_of(user: User, pk: int) -> SignOffRequest | None:
    """The sign-off request `pk` if it was asked of this person, on a case of their
    department, with its case and who asked (not the case's department or owner, nor the
    signatory: the person asking); else None (pages and the API answer 404)."""
    if user.department_id is None:  # no department: no case of theirs
        return None
    return (
        SignOffRequest.objects.select_related("case", "requested_by")
        .filter(pk=pk, signatory=user, case__department_id=user.department_id)
        .first()
    )


def signoff_requests_decided_by(user: User) -> QuerySet[SignOffRequest]:
    """The sign-off requests this person signed off or declined, of their department's cases,
    newest first (the caller takes the latest it shows)."""
    return SignOffRequest.objects.filter(
        signatory=user,
        case__department=user.department_id,  # the id: no query for the department
        status__in=(SignOffRequestStatus.SIGNED, SignOffRequestStatus.DECLINED),
    ).order_by("-decided_at", "-pk")
