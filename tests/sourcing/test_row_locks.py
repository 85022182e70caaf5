"""Row locks lock only what they mean: every select_for_update names its table (OF self) or
joins nothing, and while a service holds its lock, the rows it joined stay free.

Each lock in the code is taken here through the service that takes it, inside a transaction
left open, on PostgreSQL; a second connection then tries to lock the joined rows (they must be
free) and the locked rows (they must be held: the lock is real). A new select_for_update in the
code without a case here fails `test_every_lock_in_the_code_is_exercised_here`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection, models, transaction

from decisions.assessments.services import assessment_run
from decisions.cases.services import (
    case_create,
    case_submit,
    signoff_request_create,
    signoff_request_decide,
)
from decisions.exports.services import export_build, export_start
from decisions.integrity.proofs import record_pdf_render
from decisions.records.models import RecordPdf
from decisions.records.pdf import pdf_retry, pdf_sweep
from decisions.review.services import review_decide, review_reopen
from decisions.rulesets.models import GoldenCase, Ruleset
from decisions.rulesets.services import (
    GoldenCaseDraft,
    golden_case_save,
    golden_cases_import,
    ruleset_approve,
    ruleset_draft_create,
    ruleset_publish,
    ruleset_rule_save,
)
from sourcing.jobs import JobStatus
from sourcing.models import (
    Case,
    Department,
    Invitation,
    Notification,
    NotificationKind,
    ReferenceCounter,
    SignInIdentity,
    SignOffRequest,
    User,
)
from sourcing.notifications import notification_send, notify
from sourcing.people.services import (
    coe_role_set,
    department_mapping_save,
    department_save,
    identity_link,
    identity_sign_in,
    invitation_create,
    invitation_withdraw,
    user_ensure,
    user_save,
)
from suppliers.catalogue import catalogue_import, supplier_save
from suppliers.contracts import contract_record
from suppliers.models import Framework, Segment, Supplier
from suppliers.reference import load_reference_data
from tests.conftest import service_missing
from tests.factories import (
    approved_case,
    approved_record,
    catalogue_bytes,
    catalogue_row,
    complete_answers,
    domain_mapped,
    published_ruleset,
    ready_case,
    second_steward_approves,
    submitted_case,
)

ROOT = Path(__file__).resolve().parents[2]
ISSUER = "https://login.example.gov.uk/tenant-a/v2.0"
Row = tuple[type[models.Model], Any]

# Every select_for_update in the code, by file: each is taken by a case below.
LOCKS_IN_THE_CODE = {
    "decisions/assessments/services.py": 1,  # assessment_run
    # the reference counter (case_create), the case (submit), a sign-off request (decide)
    "decisions/cases/services.py": 3,
    "decisions/exports/services.py": 1,  # export_build
    "decisions/records/pdf.py": 4,  # the claim and the render, the retry, the sweep
    "decisions/review/services.py": 2,  # review_decide (joins), review_reopen
    # a draft (rule save), publish (two), golden cases (two), a draft's approval (four eyes)
    "decisions/rulesets/services.py": 6,
    # department_save, user_save, identity_sign_in (identity and invitation), invitation_withdraw,
    # coe_role_set
    "sourcing/people/services.py": 6,
    "sourcing/notifications.py": 1,  # notification_send (skip locked: one send per email)
    "suppliers/catalogue.py": 2,  # catalogue_import, supplier_save
    "suppliers/contracts.py": 1,  # contract_record
}


@dataclass
class Lock:
    """What a case does under its lock, the rows it must hold and the joined rows left free."""

    take: Callable[[], object]
    held: list[Row]
    free: list[Row] = field(default_factory=list)


def _review_decide(users: dict[str, User]) -> Lock:
    case = submitted_case(users["commercial"])
    return Lock(
        take=lambda: review_decide(case=case, by=users["reviewer"], action="approve"),
        held=[(Case, case.pk)],
        free=[(Department, case.department_id), (User, case.owner_id)],
    )


def _review_reopen(users: dict[str, User]) -> Lock:
    case = approved_case(users["commercial"], users["reviewer"])
    return Lock(
        take=lambda: review_reopen(case=case, by=users["reviewer"], reason="Market changed"),
        held=[(Case, case.pk)],
        free=[(Department, case.department_id), (User, case.owner_id)],
    )


def _assessment_run(users: dict[str, User]) -> Lock:
    published_ruleset()
    case = case_create(by=users["commercial"], title="Payments", answers=complete_answers())
    return Lock(
        take=lambda: assessment_run(case=case, by=users["commercial"]),
        held=[(Case, case.pk)],
        free=[(Department, case.department_id), (User, case.owner_id)],
    )


def _case_create(users: dict[str, User]) -> Lock:
    published_ruleset()
    case_create(by=users["commercial"], title="First of the year")  # the year's counter row
    counter = ReferenceCounter.objects.get()
    return Lock(
        take=lambda: case_create(by=users["commercial"], title="Second of the year"),
        held=[(ReferenceCounter, counter.pk)],
        free=[(Department, users["commercial"].department_id)],
    )


def _case_submit(users: dict[str, User]) -> Lock:
    published_ruleset()
    case = ready_case(users["commercial"])
    return Lock(
        take=lambda: case_submit(case=case, by=users["commercial"]),
        held=[(Case, case.pk)],
        free=[(Department, case.department_id), (User, case.owner_id)],
    )


def _signoff_request_decide(users: dict[str, User]) -> Lock:
    published_ruleset()
    owner = users["commercial"]
    signatory = user_save_commercial(owner)
    case = case_create(by=owner, title="To sign", answers=complete_answers())
    assessment_run(case=case, by=owner)
    asked = signoff_request_create(case=case, by=owner, discipline="legal", user=signatory.username)
    return Lock(
        take=lambda: signoff_request_decide(request=asked, by=signatory, decision="signed"),
        held=[(Case, case.pk), (SignOffRequest, asked.pk)],
        free=[(Department, case.department_id), (User, signatory.pk), (User, owner.pk)],
    )


def user_save_commercial(colleague: User) -> User:
    """Another commercial user of the colleague's department."""
    return user_ensure(
        username="signatory-legal",
        role="commercial",
        password="correct-horse-battery-staple",
        department=colleague.department,
    )


def _export_build(users: dict[str, User]) -> Lock:
    record = approved_record(users["commercial"], users["reviewer"])
    job = export_start(by=users["auditor"], filters={})
    return Lock(
        take=lambda: export_build(export_id=job.pk),
        held=[(type(job), job.pk)],
        free=[(User, users["auditor"].pk), (type(record), record.pk)],
    )


def _pdf_render(users: dict[str, User]) -> Lock:
    record = approved_record(users["commercial"], users["reviewer"])
    pdf = RecordPdf.objects.get(record=record)
    return Lock(
        take=lambda: record_pdf_render(pdf_id=pdf.pk),
        held=[(RecordPdf, pdf.pk)],
        free=[(type(record), record.pk), (Department, record.department_id)],
    )


def _pdf_sweep(users: dict[str, User]) -> Lock:
    record = approved_record(users["commercial"], users["reviewer"])
    pdf = RecordPdf.objects.get(record=record)
    return Lock(
        take=lambda: pdf_sweep(older_than=timedelta(0)),
        held=[(RecordPdf, pdf.pk)],
        free=[(type(record), record.pk), (Department, record.department_id)],
    )


def _pdf_retry(users: dict[str, User]) -> Lock:
    record = approved_record(users["commercial"], users["reviewer"])
    RecordPdf.objects.filter(record=record).update(
        status=JobStatus.FAILED, attempts=settings.PDF_MAX_ATTEMPTS, last_error="no fonts"
    )
    pdf = RecordPdf.objects.get(record=record)
    return Lock(
        take=lambda: pdf_retry(record=record, by=users["admin"]),
        held=[(RecordPdf, pdf.pk)],
        free=[(type(record), record.pk), (Department, record.department_id)],
    )


def _ruleset_rule_save(users: dict[str, User]) -> Lock:
    published_ruleset()
    draft = ruleset_draft_create(by=users["steward"], version="2026.9")
    rule = draft.content["rules"][0]
    return Lock(
        take=lambda: ruleset_rule_save(
            draft=draft,
            by=users["steward"],
            rule={**rule, "description": f"{rule['description']} Changed."},
            replaces=rule["id"],
        ),
        held=[(Ruleset, draft.pk)],
        free=[(User, users["steward"].pk)],
    )


def _ruleset_approve(users: dict[str, User]) -> Lock:
    published_ruleset()
    draft = ruleset_draft_create(by=users["steward"], version="2026.8")
    second = user_ensure(username="second-steward", role="steward", password="not-used-here")
    return Lock(
        take=lambda: ruleset_approve(draft=draft, by=second, sha256=draft.sha256),
        held=[(Ruleset, draft.pk)],
        free=[(User, users["steward"].pk), (User, second.pk)],
    )


def _ruleset_publish(users: dict[str, User]) -> Lock:
    current = published_ruleset()
    golden_cases_import()  # publishing needs golden cases, and runs them
    draft = ruleset_draft_create(by=users["steward"], version="2026.9")
    second_steward_approves(draft)  # four eyes
    return Lock(
        take=lambda: ruleset_publish(
            draft=draft, by=users["steward"], change_summary="The same rules, a new version"
        ),
        held=[(Ruleset, current.pk), (Ruleset, draft.pk)],
        free=[(User, users["steward"].pk)],
    )


def _golden_case_save(users: dict[str, User]) -> Lock:
    published_ruleset()
    golden_cases_import()
    golden = GoldenCase.objects.order_by("code").first()
    assert golden is not None
    return Lock(
        take=lambda: golden_case_save(
            by=users["steward"],
            draft=GoldenCaseDraft(
                code=golden.code,
                title=f"{golden.title} (ours)",
                answers=golden.answers,
                expected=golden.expected,
            ),
            golden=golden,
        ),
        held=[(GoldenCase, golden.pk)],
        free=[(User, users["steward"].pk)],
    )


def _golden_cases_import(users: dict[str, User]) -> Lock:
    published_ruleset()
    golden_cases_import()
    first = GoldenCase.objects.order_by("code").first()
    assert first is not None
    return Lock(take=golden_cases_import, held=[(GoldenCase, first.pk)])


def _catalogue_import(users: dict[str, User]) -> Lock:
    raw = catalogue_bytes(catalogue_row())
    catalogue_import(by=users["admin"], raw=raw)
    supplier = Supplier.objects.get()
    return Lock(
        take=lambda: catalogue_import(
            by=users["admin"], raw=catalogue_bytes(catalogue_row(name="Renamed Ltd"))
        ),
        held=[(Supplier, supplier.pk)],
        free=[(User, users["admin"].pk)],
    )


def _supplier_save(users: dict[str, User]) -> Lock:
    supplier = supplier_save(by=users["admin"], values=catalogue_row())
    return Lock(
        take=lambda: supplier_save(
            by=users["admin"], values=catalogue_row(name="Renamed Ltd"), supplier=supplier
        ),
        held=[(Supplier, supplier.pk)],
        free=[(User, users["admin"].pk)],
    )


def _contract_record(users: dict[str, User]) -> Lock:
    case = approved_case(users["commercial"], users["reviewer"])
    supplier = supplier_save(by=users["admin"], values=catalogue_row())
    return Lock(
        take=lambda: contract_record(
            case=case,
            by=users["commercial"],
            supplier=supplier,
            value_gbp=250_000,
            start=date(2026, 1, 1),
            end=date(2028, 1, 1),
        ),
        held=[(Case, case.pk)],
        free=[(Department, case.department_id), (User, case.owner_id)],
    )


def _user_save(users: dict[str, User]) -> Lock:
    target = users["commercial"]
    return Lock(
        take=lambda: user_save(
            by=users["admin"],
            user=target,
            username=target.username,
            role=target.role,
            department=target.department,
            first_name="Changed",
        ),
        held=[(User, target.pk)],
        free=[(Department, target.department_id)],
    )


def _department_save(users: dict[str, User]) -> Lock:
    department = users["commercial"].department
    assert department is not None
    return Lock(
        take=lambda: department_save(
            by=users["admin"], department=department, code=department.code, name="Renamed"
        ),
        held=[(Department, department.pk)],
        free=[(User, users["admin"].pk)],
    )


def _identity_sign_in(users: dict[str, User]) -> Lock:
    alice = users["commercial"]
    identity_link(user=alice, issuer=ISSUER, subject="alice")
    identity = SignInIdentity.objects.get(issuer=ISSUER, subject="alice")
    return Lock(
        take=lambda: identity_sign_in(issuer=ISSUER, claims={"sub": "alice"}),
        held=[(SignInIdentity, identity.pk)],
        free=[(User, alice.pk), (Department, alice.department_id)],
    )


def _identity_sign_in_invited(users: dict[str, User]) -> Lock:
    department = users["department_admin"].department
    assert department is not None
    department_mapping_save(
        by=None, mapping=None, department=department, kind="email_domain", value="a.example.gov.uk"
    )
    invitation = invitation_create(by=users["department_admin"], email="grace@a.example.gov.uk")
    claims = {"sub": "g-1", "email": "grace@a.example.gov.uk", "email_verified": True}
    return Lock(
        take=lambda: identity_sign_in(issuer=ISSUER, claims=claims),
        held=[(Invitation, invitation.pk)],
        free=[(Department, department.pk), (User, users["department_admin"].pk)],
    )


def _invitation_withdraw(users: dict[str, User]) -> Lock:
    admin = users["department_admin"]
    domain_mapped(admin.department, "a.example.gov.uk")
    invitation = invitation_create(by=admin, email="new@a.example.gov.uk")
    return Lock(
        take=lambda: invitation_withdraw(by=admin, invitation=invitation),
        held=[(Invitation, invitation.pk)],
        free=[(Department, invitation.department_id), (User, admin.pk)],
    )


def _coe_role_set(users: dict[str, User]) -> Lock:
    waiting = users["none"]
    return Lock(
        take=lambda: coe_role_set(by=users["admin"], person=waiting, role="reviewer"),
        held=[(User, waiting.pk)],
        free=[(Department, waiting.department_id), (User, users["admin"].pk)],
    )


def _notification_send(users: dict[str, User]) -> Lock:
    (row,) = notify(
        NotificationKind.INVITATION,
        to=["grace@a.example.gov.uk"],
        link="/",
        key="row-lock-case",
    )
    return Lock(
        take=lambda: notification_send(notification_id=row.pk),
        held=[(Notification, row.pk)],
        free=[(User, users["admin"].pk)],
    )


LOCKS: dict[str, Callable[[dict[str, User]], Lock]] = {
    "review_decide": _review_decide,
    "review_reopen": _review_reopen,
    "assessment_run": _assessment_run,
    "case_create (reference counter)": _case_create,
    "case_submit": _case_submit,
    "signoff_request_decide (case, then request)": _signoff_request_decide,
    "export_build": _export_build,
    "pdf_render (claim and render)": _pdf_render,
    "pdf_sweep": _pdf_sweep,
    "pdf_retry": _pdf_retry,
    "ruleset_rule_save (draft)": _ruleset_rule_save,
    "ruleset_publish (current and draft)": _ruleset_publish,
    "ruleset_approve (draft)": _ruleset_approve,
    "golden_case_save": _golden_case_save,
    "golden_cases_import": _golden_cases_import,
    "catalogue_import": _catalogue_import,
    "supplier_save": _supplier_save,
    "contract_record": _contract_record,
    "user_save": _user_save,
    "department_save": _department_save,
    "identity_sign_in (identity)": _identity_sign_in,
    "identity_sign_in (invitation)": _identity_sign_in_invited,
    "invitation_withdraw": _invitation_withdraw,
    "coe_role_set": _coe_role_set,
    "notification_send": _notification_send,
}


def test_every_lock_in_the_code_is_exercised_here() -> None:
    found = {}
    for package in ("sourcing", "decisions", "suppliers"):
        for path in (ROOT / package).rglob("*.py"):
            count = len(re.findall(r"\.select_for_update\(", path.read_text(encoding="utf-8")))
            if count:
                found[str(path.relative_to(ROOT))] = count
    assert found == LOCKS_IN_THE_CODE, "a lock was added or removed: add or remove its case"


def _second_connection() -> psycopg.Connection[Any]:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=False)


def _free(other: psycopg.Connection[Any], row: Row) -> bool:
    """Whether the second connection can lock the row for update at once (NOWAIT).

    FOR NO KEY UPDATE conflicts with FOR UPDATE and FOR NO KEY UPDATE, not with the KEY SHARE
    locks an insert's foreign key takes on the row it references.
    """
    model, pk = row
    table, column = model._meta.db_table, model._meta.pk.column
    try:
        with other.cursor() as cursor:
            cursor.execute(
                f'SELECT 1 FROM "{table}" WHERE "{column}" = %s FOR NO KEY UPDATE NOWAIT', [pk]
            )
            assert cursor.fetchone() is not None, f"{table} {pk} is not there"
    except psycopg.errors.LockNotAvailable:
        return False
    finally:
        other.rollback()
    return True


@pytest.mark.services
@pytest.mark.parametrize("name", list(LOCKS))
def test_a_lock_holds_its_own_rows_and_leaves_the_joined_rows_free(
    name: str,
    users: dict[str, User],
    transactional_db: None,
    eager_tasks: None,
    settings: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if connection.vendor != "postgresql":
        service_missing("row locks are tested on PostgreSQL (DATABASE_URL)")
    settings.MEDIA_ROOT = tmp_path / "media"
    # Records' PDFs stay pending (their render is one of the locks taken here), and the
    # suppliers' reference data is there again after an earlier test's flush.
    monkeypatch.setattr("decisions.records.pdf.pdf_dispatch", lambda pdf_id: True)
    load_reference_data(Segment, Framework)
    lock = LOCKS[name](users)
    statements: list[str] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if "FOR UPDATE" in sql or "FOR NO KEY UPDATE" in sql:
            statements.append(sql)
        return execute(sql, params, many, context)

    other = _second_connection()
    try:
        with transaction.atomic():
            with connection.execute_wrapper(capture):
                lock.take()
            assert statements, f"{name} took no lock"
            for sql in statements:
                assert " JOIN " not in sql or re.search(r"FOR UPDATE( SKIP LOCKED)? OF ", sql), sql
            assert [row for row in lock.held if _free(other, row)] == [], "the lock is not held"
            assert [row for row in lock.free if not _free(other, row)] == [], "a joined row is held"
    finally:
        other.close()
