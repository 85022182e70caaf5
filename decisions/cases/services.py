"""Every write of a sourcing case: create, change, sign off, submit, withdraw, and moves along
the state machine (case_move, also used by the review)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from decisions.assessments.models import Assessment
from decisions.assessments.selectors import (
    AssessmentSummary,
    current_assessment_sha256,
    latest_assessment_summary,
)
from decisions.audit.services import audit_on
from decisions.cases.selectors import (
    current_signoffs,
    department_people,
    latest_requests,
    person_name,
    signatories,
    signoff_versions,
)
from decisions.engine.policy import POLICY_CHECKS
from decisions.engine.schema import MONEY_MAX, QUESTIONS, validate_answers
from decisions.presenter import check_label
from sourcing.errors import Blocker, TransitionRefused, ValidationFailed
from sourcing.models import (
    CASE_TRANSITIONS,
    Case,
    CaseStatus,
    CaseStatusChange,
    Discipline,
    NotificationKind,
    ReferenceCounter,
    Role,
    SignOff,
    SignOffRequest,
    SignOffRequestStatus,
    User,
)
from sourcing.money import parse_pounds
from sourcing.notifications import notify, reviewers

TITLE_MAX = 200
SUMMARY_MAX = 5000
TEXT_MAX = 5000
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
# Amounts in whole pounds, and how the messages of sourcing.money.parse_pounds name them.
MONEY_LABELS = {"whole_life_budget_gbp": "the whole-life budget"}
COSTS = "option_cost_estimates"
# What a signatory signs: a change to any of these makes the case's sign-offs stale.
SIGNED_FIELDS = frozenset({"answers", "explanations", "title", "summary"})


def _check_text(
    errors: dict[str, list[str]],
    field: str,
    value: Any,
    *,
    limit: int,
    label: str,
    required: bool = False,
) -> None:
    if not isinstance(value, str):
        errors.setdefault(field, []).append(f"{label} must be text")
    elif required and not value.strip():
        errors.setdefault(field, []).append(f"Enter {label.lower()}")
    elif len(value) > limit:
        errors.setdefault(field, []).append(f"{label} must be {limit} characters or fewer")
    elif "\x00" in value:
        errors.setdefault(field, []).append(f"{label} must not contain null characters")


def _pounds(value: Any, label: str, key: str, errors: dict[str, list[str]]) -> Any:
    if not isinstance(value, str):
        return value  # a number (or anything else) is the schema's to check
    money = parse_pounds(value, label=label, maximum=MONEY_MAX)
    if money.message:
        errors.setdefault(key, []).append(money.message)
    return money.pounds


def money_answers(answers: Any) -> tuple[Any, dict[str, list[str]]]:
    """Answers with amounts typed as text ("£250,000", "250 000", "250,000.00") read in whole
    pounds, as the pages read them (sourcing.money), and the problems with those that cannot be
    read, by questionnaire key; everything else is left for the schema's checks."""
    errors: dict[str, list[str]] = {}
    if not isinstance(answers, dict):
        return answers, errors
    read = dict(answers)
    for key, label in MONEY_LABELS.items():
        if key in read:
            read[key] = _pounds(read[key], label, key, errors)
    costs = read.get(COSTS)
    if isinstance(costs, dict):
        read[COSTS] = {
            option: _pounds(amount, f"the estimate for {option}", COSTS, errors)
            for option, amount in costs.items()
        }
    if errors:  # the keys already refused are not refused again by the schema
        read = {k: v for k, v in read.items() if k not in errors}
    return read, errors


def _answer_errors(answers: Any, *, partial: bool) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for problem in validate_answers(answers, partial=partial):
        # Unknown keys are named under answers.<key>; questionnaire keys stand alone.
        key = problem.key if problem.key in QUESTIONS else f"answers.{problem.key}"
        errors.setdefault(key, []).append(problem.message)
    return errors


def _next_reference(year: int) -> str:
    ReferenceCounter.objects.get_or_create(year=year)
    counter = ReferenceCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SRC-{year}-{counter.last:04d}"


def _require_department_user(by: User) -> int:
    """The user's department id; TransitionRefused unless a department commercial user."""
    if by.role != Role.COMMERCIAL or by.department_id is None:
        raise TransitionRefused("Only a department commercial user can do this.")
    return by.department_id


def case_move(
    case: Case, *, by: User, to: str, comment: str = "", sections: list[str] | None = None
) -> None:
    """Change the status along an allowed edge and record it (call inside a transaction). A
    return also keeps the tasks the reviewer named (`sections`) and the answers and
    explanations as returned, which the resubmission is compared with."""
    if to not in CASE_TRANSITIONS[case.status]:
        now, then = case.get_status_display().lower(), CaseStatus(to).label.lower()
        raise TransitionRefused(f"A {now} case cannot become {then}.")
    returned = to == CaseStatus.RETURNED
    CaseStatusChange.objects.create(
        case=case,
        by=by,
        from_status=case.status,
        to_status=to,
        comment=comment,
        sections=list(sections or []) if returned else [],
        snapshot={
            "answers": case.answers,
            "explanations": case.explanations,
            "answers_version": case.answers_version,
        }
        if returned
        else None,
    )
    case.status = to
    case.save(update_fields=["status", "updated_at"])


def _locked(case: Case) -> Case:
    """The case row, locked for this transaction, with its current state."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _create_checked(title: Any, summary: Any, answers: Any) -> tuple[Any, dict[str, list[str]]]:
    answers, errors = money_answers({} if answers is None else answers)
    _check_text(errors, "title", title, limit=TITLE_MAX, label="Title", required=True)
    _check_text(errors, "summary", summary, limit=SUMMARY_MAX, label="Summary")
    errors.update(_answer_errors(answers, partial=True))
    return answers, errors


def case_create_problems(
    *, title: Any, summary: Any = "", answers: Any = None
) -> dict[str, list[str]]:
    """Every problem case_create would refuse these fields with, by field (questionnaire
    keys for answers), of any types as sent; nothing is read or saved."""
    return _create_checked(title, summary, answers)[1]


@transaction.atomic
def case_create(*, by: User, title: str, summary: str = "", answers: Any = None) -> Case:
    """Start a draft case in the user's department; answers may be partial."""
    department_id = _require_department_user(by)
    answers, errors = _create_checked(title, summary, answers)
    if errors:
        raise ValidationFailed(errors)
    case = Case.objects.create(
        reference=_next_reference(timezone.now().year),
        title=title.strip(),
        summary=summary.strip(),
        department_id=department_id,
        owner=by,
        answers=dict(answers),
    )
    CaseStatusChange.objects.create(case=case, by=by, from_status="", to_status=CaseStatus.DRAFT)
    audit_on(
        "case",
        case.pk,
        "case.created",
        by,
        reference=case.reference,
        title=case.title,
        answers=dict(case.answers),
    )
    return case


def _update_checked(
    title: Any, summary: Any, answers: Any, explanations: Any, sro_name: Any, *, sro: Any = None
) -> tuple[Any, dict[str, list[str]]]:
    answers, errors = money_answers(answers) if answers is not None else (None, {})
    if sro is not None:
        _check_text(errors, "sro", sro, limit=150, label="Senior Responsible Owner", required=True)
    if title is not None:
        _check_text(errors, "title", title, limit=TITLE_MAX, label="Title", required=True)
    if summary is not None:
        _check_text(errors, "summary", summary, limit=SUMMARY_MAX, label="Summary")
    if sro_name is not None:
        _check_text(errors, "sro_name", sro_name, limit=200, label="Senior Responsible Owner")
    if answers is not None:
        # A null answer removes it (a cleared field); the rest must be valid.
        given = (
            {k: v for k, v in answers.items() if v is not None}
            if isinstance(answers, dict)
            else answers
        )
        errors.update(_answer_errors(given, partial=True))
    if explanations is not None:
        if not isinstance(explanations, dict):
            errors["explanations"] = ["Explanations must map a policy check to its explanation"]
        else:
            for key, text in explanations.items():
                if key not in POLICY_CHECKS:
                    errors.setdefault("explanations", []).append(
                        f"Explanations: {str(key)[:40]!r} is not a policy check: use one of "
                        + ", ".join(POLICY_CHECKS)
                    )
                    continue
                _check_text(
                    errors, f"explanations.{key}", text, limit=TEXT_MAX, label="Explanation"
                )
    return answers, errors


def case_update_problems(
    *,
    title: Any = None,
    summary: Any = None,
    answers: Any = None,
    explanations: Any = None,
    sro_name: Any = None,
    sro: Any = None,
) -> dict[str, list[str]]:
    """Every problem case_update would refuse these fields with (None: not given), by field,
    of any types as sent; nothing is read or saved (the case's state is case_update's)."""
    return _update_checked(title, summary, answers, explanations, sro_name, sro=sro)[1]


@transaction.atomic
def case_update(
    *,
    case: Case,
    by: User,
    title: str | None = None,
    summary: str | None = None,
    answers: Any = None,
    explanations: Any = None,
    sro_name: str | None = None,
    sro: str | None = None,
) -> Case:
    """Merge changes into an editable case. Changed answers, explanations, title or summary
    (what a signatory signs) bump `content_version`, making sign-offs stale; changed answers
    also bump `answers_version` (a new recommendation is needed). `sro` names
    the Senior Responsible Owner by the username of one of the department's people (their
    full name becomes `sro_name`); a typed `sro_name` names someone without an account."""
    _require_department_user(by)
    case = _locked(case)
    if not case.is_editable:
        raise TransitionRefused(
            f"This case is {case.get_status_display().lower()} and cannot be changed."
        )
    answers, errors = _update_checked(title, summary, answers, explanations, sro_name, sro=sro)
    sro_user: User | None = None
    if sro is not None and "sro" not in errors:
        sro_user = department_people(case.department_id).filter(username=sro.strip()).first()
        if sro_user is None:
            errors["sro"] = ["Select the Senior Responsible Owner from your department's people"]
    if errors:
        raise ValidationFailed(errors)
    changed: list[str] = []
    # What changed, old and new, for the case's answer history (decisions.cases.history):
    # {"answers": {key: [old, new]}, "fields": {name: [old, new]}, "explanations": {...}}.
    before: dict[str, dict[str, list[Any]]] = {}
    if title is not None and title.strip() != case.title:
        before.setdefault("fields", {})["title"] = [case.title, title.strip()]
        case.title = title.strip()
        changed.append("title")
    if summary is not None and summary.strip() != case.summary:
        before.setdefault("fields", {})["summary"] = [case.summary, summary.strip()]
        case.summary = summary.strip()
        changed.append("summary")
    if sro_user is not None and sro_user.pk != case.sro_id:
        new_name = person_name(sro_user)
        before.setdefault("fields", {})["sro_name"] = [case.sro_name, new_name]
        case.sro = sro_user
        case.sro_name = new_name
        changed.append("sro")
    elif sro_name is not None and (sro_name.strip() != case.sro_name or case.sro_id):
        before.setdefault("fields", {})["sro_name"] = [case.sro_name, sro_name.strip()]
        case.sro = None
        case.sro_name = sro_name.strip()
        changed.append("sro_name")
    if explanations is not None:
        merged = {**case.explanations, **{k: v.strip() for k, v in explanations.items()}}
        merged = {k: v for k, v in merged.items() if v}
        if merged != case.explanations:
            before["explanations"] = {
                k: [case.explanations.get(k), merged.get(k)]
                for k in sorted({*merged, *case.explanations})
                if merged.get(k) != case.explanations.get(k)
            }
            case.explanations = merged
            changed.append("explanations")
    answer_keys: list[str] = []
    if answers is not None:
        merged_answers = {k: v for k, v in {**case.answers, **answers}.items() if v is not None}
        answer_keys = sorted(k for k in answers if merged_answers.get(k) != case.answers.get(k))
        if merged_answers != case.answers:
            before["answers"] = {
                k: [case.answers.get(k), merged_answers.get(k)] for k in answer_keys
            }
            case.answers = merged_answers
            case.answers_version += 1
            changed.append("answers")
    if not changed:
        return case
    if SIGNED_FIELDS.intersection(changed):
        case.content_version += 1
    case.save()
    # A returned case becomes a draft again when changed; a reopened decision stays returned,
    # so it stays in the reviewers' queue (and visible to them) until a reviewer decides it.
    if case.status == CaseStatus.RETURNED and not case_reopened(case):
        case_move(case, by=by, to=CaseStatus.DRAFT, comment="Changed after return")
    audit_on(
        "case",
        case.pk,
        "case.changed",
        by,
        fields=changed,
        answer_keys=answer_keys,
        answers_version=case.answers_version,
        content_version=case.content_version,
        changes=before,
    )
    return case


def signoff_problems(
    *, discipline: Any, name: Any, role: Any = "", comment: Any = ""
) -> dict[str, list[str]]:
    """Every problem signoff_record would refuse these fields with, by field, of any types as
    sent; nothing is read or saved."""
    errors: dict[str, list[str]] = {}
    if not isinstance(discipline, str) or discipline not in Discipline.values:
        errors["discipline"] = [f"Discipline must be one of: {', '.join(Discipline.values)}"]
    _check_text(errors, "name", name, limit=200, label="Name", required=True)
    _check_text(errors, "role", role, limit=200, label="Job title")
    _check_text(errors, "comment", comment, limit=TEXT_MAX, label="Comment")
    return errors


def name_key(name: str) -> str:
    """A person's name as typed names are compared: Unicode NFKD with the accents (combining
    marks) dropped, casefolded, whitespace collapsed ("  Gíta  GHOSH" is "gita ghosh")."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def _has_account(case: Case, name: str) -> User | None:
    """The department's person this typed name is (by full name or username, compared by
    name_key), if any."""
    wanted = name_key(name)
    for person in department_people(case.department_id):
        if wanted in (name_key(person_name(person)), name_key(person.get_username())):
            return person
    return None


def _cancel_pending(case: Case, discipline: str | None = None) -> None:
    pending = SignOffRequest.objects.pending().filter(case=case)
    if discipline is not None:
        pending = pending.filter(discipline=discipline)
    pending.update(status=SignOffRequestStatus.CANCELLED, decided_at=timezone.now())


@transaction.atomic
def signoff_record(
    *, case: Case, by: User, discipline: str, name: str, role: str = "", comment: str = ""
) -> SignOff:
    """Record a discipline's sign-off typed by the case's department for a signatory with no
    account on the service (marked `no_account` on the sign-off and the record). A name that
    is one of the department's people is refused: they sign off themselves
    (signoff_request_create). A pending request for the discipline is cancelled."""
    _require_department_user(by)
    case = _locked(case)
    if not case.is_editable:
        raise TransitionRefused("Sign-offs can only be given while the case is a draft.")
    errors = signoff_problems(discipline=discipline, name=name, role=role, comment=comment)
    person = _has_account(case, name) if "name" not in errors else None
    if person is not None:
        errors["name"] = [f"{person_name(person)} has an account: ask them for a sign-off instead"]
    if errors:
        raise ValidationFailed(errors)
    _cancel_pending(case, discipline)
    signoff = SignOff.objects.create(
        case=case,
        discipline=discipline,
        name=name.strip(),
        role=role.strip(),
        comment=comment.strip(),
        answers_version=case.answers_version,
        content_version=case.content_version,
        recorded_by=by,
        no_account=True,
    )
    audit_on(
        "case",
        case.pk,
        "case.signed_off",
        by,
        discipline=discipline,
        name=signoff.name,
        no_account=True,
        answers_version=case.answers_version,
        content_version=case.content_version,
    )
    return signoff


SIGNOFF_DECISIONS = ("signed", "declined")


def signoff_request_problems(*, discipline: Any, user: Any) -> dict[str, list[str]]:
    """Every problem signoff_request_create would refuse these fields with (any types as
    sent; whether the person is one of the department's is signoff_request_create's)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(discipline, str) or discipline not in Discipline.values:
        errors["discipline"] = [f"Discipline must be one of: {', '.join(Discipline.values)}"]
    _check_text(errors, "user", user, limit=150, label="Person", required=True)
    return errors


def _editable_for_signoffs(case: Case) -> None:
    if not case.is_editable:
        raise TransitionRefused(
            f"This case is {case.get_status_display().lower()}: sign-offs can only be asked for "
            "and given while it is a draft or returned."
        )


def _request(case: Case, *, by: User, discipline: str, signatory: User) -> SignOffRequest:
    _cancel_pending(case, discipline)
    request = SignOffRequest.objects.create(
        case=case, discipline=discipline, signatory=signatory, requested_by=by
    )
    audit_on(
        "case",
        case.pk,
        "case.signoff_requested",
        by,
        request=request.pk,
        discipline=discipline,
        signatory=signatory.get_username(),
        answers_version=case.answers_version,
        content_version=case.content_version,
    )
    notify(
        NotificationKind.SIGNOFF_REQUESTED,
        to=[signatory],
        case=case,
        link=reverse("signoff_request_detail", args=[request.pk]),
        context={
            "requested_by": person_name(by),
            "discipline": request.get_discipline_display().lower(),
        },
    )
    return request


@transaction.atomic
def signoff_request_create(*, case: Case, by: User, discipline: str, user: str) -> SignOffRequest:
    """Ask a named colleague (`user`: their username) of the case's department to sign off a
    discipline; a request still waiting for that discipline is cancelled (replaced).

    Raises ValidationFailed (discipline, user: not one of the department's commercial people,
    or the owner themselves) or TransitionRefused (the case is not a draft or returned).
    """
    department_id = _require_department_user(by)
    case = _locked(case)
    if case.department_id != department_id:
        raise TransitionRefused("Only the case's own department can ask for sign-offs.")
    _editable_for_signoffs(case)
    errors = signoff_request_problems(discipline=discipline, user=user)
    signatory = None
    if "user" not in errors:
        signatory = signatories(case).filter(username=user.strip()).first()
        if signatory is None:
            errors["user"] = [
                "Select a colleague of your department to ask"
                if user.strip() != case.owner.get_username()
                else "Ask a colleague: the case owner cannot sign off their own case"
            ]
    if errors:
        raise ValidationFailed(errors)
    assert signatory is not None
    return _request(case, by=by, discipline=discipline, signatory=signatory)


def renewable_disciplines(
    case: Case,
    *,
    signoffs: dict[str, SignOff] | None = None,
    requests: dict[str, SignOffRequest] | None = None,
) -> dict[str, User]:
    """The disciplines whose sign-off one action asks again, each with the person asked: a
    sign-off its signatory gave on a case whose answers, explanations, title or summary have
    changed since, or a request declined before they changed; never one already waiting.
    `signoffs` and `requests` are the case's current_signoffs and latest_requests when the
    caller has read them (else read here: two queries)."""
    if requests is None:
        requests = latest_requests(case, asker=False)
    if signoffs is None:
        signoffs = current_signoffs(case)
    renew: dict[str, User] = {}
    for discipline, signoff in signoffs.items():
        if signoff.signatory is not None and signoff.content_version != case.content_version:
            renew[discipline] = signoff.signatory
    for discipline, request in requests.items():
        if (
            request.status == SignOffRequestStatus.DECLINED
            and (request.content_version or 0) < case.content_version
        ):
            renew[discipline] = request.signatory
    for discipline, request in requests.items():
        if request.status == SignOffRequestStatus.PENDING:
            renew.pop(discipline, None)
    return {d: renew[d] for d in Discipline.values if d in renew}


@transaction.atomic
def signoff_requests_renew(*, case: Case, by: User) -> list[SignOffRequest]:
    """Ask again, in one action, every signatory whose sign-off a change made stale (answers,
    explanations, title or summary; or who declined before it): the same person, a new request each.
    TransitionRefused when there is none."""
    department_id = _require_department_user(by)
    case = _locked(case)
    if case.department_id != department_id:
        raise TransitionRefused("Only the case's own department can ask for sign-offs.")
    _editable_for_signoffs(case)
    renew = renewable_disciplines(case)
    active = set(signatories(case).values_list("pk", flat=True))
    asked = [
        _request(case, by=by, discipline=discipline, signatory=person)
        for discipline, person in renew.items()
        if person.pk in active
    ]
    if not asked:
        raise TransitionRefused("No sign-off needs asking again.")
    return asked


def signoff_decide_problems(
    *, decision: Any, comment: Any, assessment_sha256: Any = None, content_version: Any = None
) -> dict[str, list[str]]:
    """Every problem signoff_request_decide would refuse these fields with (any types).
    `assessment_sha256`, when given (not empty), must look like a sha256 (64 lower-case hex
    digits); an empty one is a hash that matches nothing (the page's form without it: 409).
    `content_version`, when given, must be a whole number of at least 1."""
    errors: dict[str, list[str]] = {}
    if content_version is not None and (
        not isinstance(content_version, int)
        or isinstance(content_version, bool)
        or content_version < 1
    ):
        errors["content_version"] = ["The content version must be a whole number of 1 or more"]
    if assessment_sha256 not in (None, "") and not (
        isinstance(assessment_sha256, str) and SHA256_PATTERN.fullmatch(assessment_sha256)
    ):
        errors["assessment_sha256"] = [
            "The assessment hash must be the 64 hexadecimal characters of a sha256"
        ]
    if not isinstance(decision, str) or decision not in SIGNOFF_DECISIONS:
        errors["decision"] = ["Select whether you sign off or decline"]
    _check_text(errors, "comment", comment, limit=TEXT_MAX, label="Comment")
    if decision == "declined" and "comment" not in errors and not str(comment).strip():
        errors["comment"] = ["Enter why you are declining to sign off"]
    return errors


@transaction.atomic
def signoff_request_decide(
    *,
    request: SignOffRequest,
    by: User,
    decision: str,
    comment: str = "",
    assessment_sha256: str | None = None,
    content_version: int | None = None,
) -> SignOffRequest:
    """The signatory, signed in as themselves, signs off (a SignOff recording who, when, the
    answers version and the sha256 of the assessment they read) or declines with a comment.

    `assessment_sha256`, when given, is the hash of the assessment the signatory read, and
    `content_version` the case's content version they read: a different current assessment
    (the answers changed meanwhile) or version (the answers, explanations, title or summary
    changed) is refused, so nobody signs what they did not see. Locks the case, then the
    request (two signatories, or the owner changing answers, wait for each other). Raises
    ValidationFailed (decision, comment, content_version) or TransitionRefused (not theirs,
    already decided, the case not editable, nothing assessed, the case changed).
    """
    case = _locked(request.case)
    request = SignOffRequest.objects.select_for_update().get(pk=request.pk)
    if request.signatory_id != by.pk:
        raise TransitionRefused("Only the person asked can decide this sign-off request.")
    if request.status != SignOffRequestStatus.PENDING:
        raise TransitionRefused(
            f"This sign-off request is {request.get_status_display().lower()} already."
        )
    _editable_for_signoffs(case)
    errors = signoff_decide_problems(
        decision=decision,
        comment=comment,
        assessment_sha256=assessment_sha256,
        content_version=content_version,
    )
    if errors:
        raise ValidationFailed(errors)
    # The stored hash of the latest assessment if it is of the current answers (None if not).
    current = current_assessment_sha256(case)
    sha = current or ""
    if decision == "signed" and current is None:
        raise TransitionRefused(
            "There is no recommendation on the current answers to sign off yet: the case "
            "owner must get one first."
        )
    if (assessment_sha256 is not None and assessment_sha256 != sha) or (
        content_version is not None and content_version != case.content_version
    ):
        raise TransitionRefused(
            "The case changed after you opened it: read the answers and the assessment again "
            "before you decide."
        )
    now = timezone.now()
    if decision == "signed":
        request.signoff = SignOff.objects.create(
            case=case,
            discipline=request.discipline,
            name=person_name(by),
            comment=comment.strip(),
            answers_version=case.answers_version,
            content_version=case.content_version,
            recorded_by=by,
            signatory=by,
            assessment_sha256=sha,
        )
    request.status = decision
    request.decided_at = now
    request.comment = comment.strip()
    request.answers_version = case.answers_version
    request.content_version = case.content_version
    request.assessment_sha256 = sha
    request.save()
    audit_on(
        "case",
        case.pk,
        "case.signoff_decided",
        by,
        request=request.pk,
        discipline=request.discipline,
        decision=decision,
        comment=request.comment,
        answers_version=case.answers_version,
        content_version=case.content_version,
        assessment_sha256=sha,
    )
    notify(
        NotificationKind.SIGNOFF_DECIDED,
        to=[request.requested_by, case.owner],
        case=case,
        link=reverse("case_signoffs", args=[case.reference]),
        context={
            "signatory": person_name(by),
            "outcome": "signed off" if decision == "signed" else "declined",
            "discipline": request.get_discipline_display().lower(),
            "comment": request.comment,
        },
    )
    return request


REOPENED_NOT_WITHDRAWN = (
    "The Centre of Excellence reopened this approved decision for review: it stays under "
    "review until a reviewer decides it again, so it cannot be withdrawn."
)


def case_reopened(case: Case, *, approved: bool | None = None) -> bool:
    """Whether the case is an approved decision a reviewer reopened, not yet decided again.
    `approved` is whether the case was ever approved when the caller knows it (from the
    status history it has read, or CaseQuerySet.with_approved), else one query."""
    if case.status not in (CaseStatus.SUBMITTED, CaseStatus.RETURNED, CaseStatus.DRAFT):
        return False
    if approved is not None:
        return approved
    return case.status_changes.filter(to_status=CaseStatus.APPROVED).exists()


def withdraw_refusal(case: Case, *, approved: bool | None = None) -> str | None:
    """Why the department may not withdraw the case now, or None when it may. `approved` as
    for case_reopened."""
    if case_reopened(case, approved=approved):
        return REOPENED_NOT_WITHDRAWN
    if CaseStatus.WITHDRAWN not in CASE_TRANSITIONS[case.status]:
        return f"This case is {case.get_status_display().lower()}, so it cannot be withdrawn."
    return None


def withdraw_problems(*, comment: Any = "") -> dict[str, list[str]]:
    """Every problem case_withdraw would refuse the reason with (any type as sent)."""
    errors: dict[str, list[str]] = {}
    _check_text(errors, "comment", comment, limit=TEXT_MAX, label="Reason")
    return errors


@transaction.atomic
def case_withdraw(*, case: Case, by: User, comment: str = "") -> Case:
    """Withdraw a case before a decision; never a reopened approval (it stays under review
    until a reviewer decides it). Raises TransitionRefused saying why not."""
    _require_department_user(by)
    errors = withdraw_problems(comment=comment)
    if errors:
        raise ValidationFailed(errors)
    case = _locked(case)
    if case_reopened(case):
        raise TransitionRefused(REOPENED_NOT_WITHDRAWN)
    case_move(case, by=by, to=CaseStatus.WITHDRAWN, comment=comment)
    audit_on("case", case.pk, "case.withdrawn", by, comment=comment)
    return case


# Codes of the submission blockers (Blocker.code); pages route by them, never by the words.
NO_CURRENT_ASSESSMENT = "no_current_assessment"
EXPLANATION_MISSING = "explanation_missing"
SIGNOFF_MISSING = "signoff_missing"
SIGNOFF_STALE = "signoff_stale"
SRO_MISSING = "sro_missing"


def submission_blockers(case: Case) -> list[Blocker]:
    """What stops the case being submitted, in task order; empty when it can be. Each names
    what it concerns: "assessment", the policy check's key, the sign-off's discipline, or
    "sro_name"."""
    return submission_blockers_of(
        case,
        latest_assessment_summary(case),
        signoff_versions(case),
        latest_requests(case, asker=False),
    )


def submission_blockers_of(
    case: Case,
    latest: Assessment | AssessmentSummary | None,
    signed: dict[str, int],
    requests: dict[str, SignOffRequest],
) -> list[Blocker]:
    """submission_blockers from what a page has already read of the case: its latest
    assessment (latest_assessment_summary, or the whole one), signoff_versions and
    latest_requests."""
    blockers: list[Blocker] = []
    if latest is None or latest.answers_version != case.answers_version:
        blockers.append(
            Blocker(
                NO_CURRENT_ASSESSMENT, "assessment", "Get a recommendation on the current answers"
            )
        )
    else:
        for check in latest.result.get("policy_checks", []):
            if check["result"] == "explain" and not case.explanations.get(check["check"]):
                blockers.append(
                    Blocker(
                        EXPLANATION_MISSING,
                        check["check"],
                        f"Explain the policy check: {check_label(check['check']).lower()}",
                    )
                )
    for discipline in Discipline:
        version = signed.get(discipline.value)
        name = discipline.label.lower()
        request = requests.get(discipline.value)
        waiting = request is not None and request.status == SignOffRequestStatus.PENDING
        if version is None and waiting:
            assert request is not None
            blockers.append(
                Blocker(
                    SIGNOFF_MISSING,
                    discipline.value,
                    f"Get a {name} sign-off: {person_name(request.signatory)} has not decided yet",
                )
            )
        elif version is None:
            blockers.append(Blocker(SIGNOFF_MISSING, discipline.value, f"Get a {name} sign-off"))
        elif version != case.content_version:
            blockers.append(
                Blocker(
                    SIGNOFF_STALE,
                    discipline.value,
                    f"Get the {name} sign-off again: the case changed after it was signed",
                )
            )
    if not case.sro_name:
        blockers.append(Blocker(SRO_MISSING, "sro_name", "Name the Senior Responsible Owner"))
    return blockers


@transaction.atomic
def case_submit(*, case: Case, by: User) -> Case:
    """Submit to the Centre of Excellence: needs a current assessment, explanations, sign-offs."""
    _require_department_user(by)
    case = _locked(case)
    if by.department_id != case.department_id:
        raise TransitionRefused("Only the case's own department can submit it.")
    if not case.is_editable:
        raise TransitionRefused(
            f"This case is {case.get_status_display().lower()}; it cannot be submitted."
        )
    blockers = submission_blockers(case)
    if blockers:
        raise TransitionRefused(
            "The case cannot be submitted yet: " + "; ".join(b.message for b in blockers) + ".",
            blockers=tuple(blockers),
        )
    _cancel_pending(case)
    case_move(case, by=by, to=CaseStatus.SUBMITTED)
    audit_on("case", case.pk, "case.submitted", by, answers_version=case.answers_version)
    notify(
        NotificationKind.CASE_SUBMITTED,
        to=reviewers(),
        case=case,
        link=reverse("review_case", args=[case.reference]),
    )
    return case
