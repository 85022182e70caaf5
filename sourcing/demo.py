"""Demo data for a first run: departments, one user per role, cases at every stage with their
decisions, golden cases, the supplier catalogue and contracts (the composition root: it calls
every feature's services)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from decisions.assessments.services import assessment_run
from decisions.audit.models import AuditEvent
from decisions.audit.services import audit_append
from decisions.cases.services import (
    case_create,
    case_submit,
    case_update,
    signoff_request_create,
    signoff_request_decide,
)
from decisions.engine import (
    DEFAULT_RULESET_PATH,
    GOLDEN_CASES_2026_1_PATH,
    GOLDEN_CASES_PATH,
    RULESET_2026_1_PATH,
)
from decisions.review.services import review_decide
from decisions.rulesets.services import GoldenImport, golden_cases_import, ruleset_install_shipped
from sourcing import demo_history
from sourcing.demo_history import demo_clock, past_titles, seed_first_rules, seed_past_year
from sourcing.models import Case, DepartmentMapping, Discipline, Role, SignInIdentity, User
from sourcing.people.services import (
    department_ensure,
    department_mapping_save,
    identity_link,
    user_ensure,
)
from suppliers import demo as supplier_demo
from suppliers.catalogue import catalogue_import
from suppliers.demo import demo_catalogue_csv, demo_catalogue_rows, seed_demo_contracts
from suppliers.models import Framework, Segment, Supplier
from suppliers.reference import FRAMEWORKS_PATH, SEGMENTS_PATH, load_reference_data

DEMO_PASSWORD = "sourcing-demo-2026"  # noqa: S105 (demo only; seed_demo refuses production)

# code, name, the email domain that admits its people's first sign-in through their provider
DEPARTMENTS = (
    ("dept-a", "Department for Public Services", "publicservices.example.gov.uk"),
    ("dept-b", "Department for Housing and Regions", "housing.example.gov.uk"),
    ("dept-c", "Department for Skills and Work", "skills.example.gov.uk"),
)
# The Centre of Excellence's people sign in with addresses of this domain (mapped to nothing:
# their accounts exist already and are found by issuer and subject).
COE_DOMAIN = "coe.example.gov.uk"

# username, department code, discipline, first name, last name
SIGNATORY_PEOPLE = (
    ("gita", "dept-a", "commercial", "Gita", "Ghosh"),
    ("hugo", "dept-a", "digital", "Hugo", "Hughes"),
    ("ines", "dept-a", "finance", "Ines", "Irving"),
    ("jon", "dept-a", "legal", "Jon", "Jenkins"),
    ("kemi", "dept-b", "commercial", "Kemi", "Kamara"),
    ("liam", "dept-b", "digital", "Liam", "Lowe"),
    ("maya", "dept-b", "finance", "Maya", "Moss"),
    ("nia", "dept-b", "legal", "Nia", "Nash"),
    ("omar", "dept-c", "commercial", "Omar", "Okafor"),
    ("pat", "dept-c", "digital", "Pat", "Price"),
    ("quinn", "dept-c", "finance", "Quinn", "Quayle"),
    ("rosa", "dept-c", "legal", "Rosa", "Reid"),
)
SIGNATORIES = tuple(
    (username, Role.COMMERCIAL, code, first, last)
    for username, code, _, first, last in SIGNATORY_PEOPLE
)

# username, role, department code, first name, last name
USERS = (
    ("alice", Role.COMMERCIAL, "dept-a", "Alice", "Adeyemi"),
    ("bob", Role.COMMERCIAL, "dept-b", "Bob", "Bryant"),
    ("carol", Role.REVIEWER, None, "Carol", "Chen"),
    ("dave", Role.AUDITOR, None, "Dave", "Davies"),
    ("erin", Role.STEWARD, None, "Erin", "Evans"),
    # A second steward: publishing a ruleset needs another steward's approval (four eyes).
    ("tess", Role.STEWARD, None, "Tess", "Turner"),
    ("ada", Role.ADMIN, None, "Ada", "Akhtar"),
    ("fiona", Role.DEPARTMENT_ADMIN, "dept-a", "Fiona", "Fraser"),
    # Signatories: one per discipline in each department, asked by the case owner for their
    # sign-off (they sign in and sign off as themselves).
    *SIGNATORIES,
)


def demo_email(username: str, code: str | None) -> str:
    """A demo user's work email: at their department's domain, or the Centre of Excellence's."""
    domains = {department[0]: department[2] for department in DEPARTMENTS}
    return f"{username}@{domains[code] if code else COE_DOMAIN}"


def demo_provider_accounts() -> list[dict[str, Any]]:
    """The development identity provider's accounts: each demo user's claims, `sub` being their
    username (ADR 0025)."""
    return [
        {
            "sub": username,
            "email": demo_email(username, code),
            "email_verified": True,
            "given_name": first,
            "family_name": last,
            "name": f"{first} {last}",
        }
        for username, _, code, first, last in USERS
    ]


@transaction.atomic
def seed_people() -> None:
    """Create (or put back) the demo departments and users; safe to run again. A demo user who
    exists keeps their password, so their sessions stay valid."""
    departments = {code: department_ensure(code=code, name=name) for code, name, _ in DEPARTMENTS}
    for department_code, _, domain in DEPARTMENTS:
        if not DepartmentMapping.objects.filter(kind="email_domain", value=domain).exists():
            department_mapping_save(
                by=None,
                mapping=None,
                department=departments[department_code],
                kind="email_domain",
                value=domain,
            )
    # The demo users share one password: it is hashed once (one salt for all of them; they are
    # demo accounts whose password is in the README), not once a user (about 10 s of CPU).
    missing = User.objects.filter(username__in=[u[0] for u in USERS]).count() < len(USERS)
    shared_hash = make_password(DEMO_PASSWORD) if missing else ""
    for username, role, code, first, last in USERS:
        user = user_ensure(
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            department=departments[code] if code else None,
            first_name=first,
            last_name=last,
            email=demo_email(username, code),
            keep_password=True,
            password_hash=shared_hash,
        )
        if (
            settings.OIDC_MOCK
            and not SignInIdentity.objects.filter(
                issuer=settings.OIDC_ISSUER, subject=username
            ).exists()
        ):
            # The development provider's account of the same name is this user.
            identity_link(user=user, issuer=settings.OIDC_ISSUER, subject=username)


# Appended to the audit chain after the demo data is loaded, with the fingerprint below.
DEMO_SEEDED = "demo.seeded"


def demo_sources() -> tuple[Path, ...]:
    """The modules the demo data is made by: this one, the past year's and the suppliers'."""
    return (Path(__file__), Path(demo_history.__file__), Path(supplier_demo.__file__))


def demo_fingerprint() -> str:
    """sha256 over everything the demo data is made from: the demo modules (demo_sources) and
    the shipped data files (the rulesets of the demo's history, 2026.1 and the default, their
    golden cases, segments, frameworks). Any change to them
    makes `seed_demo` load the demo data again."""
    digest = hashlib.sha256()
    for path in (
        *demo_sources(),
        RULESET_2026_1_PATH,
        GOLDEN_CASES_2026_1_PATH,
        DEFAULT_RULESET_PATH,
        GOLDEN_CASES_PATH,
        SEGMENTS_PATH,
        FRAMEWORKS_PATH,
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def demo_is_current() -> bool:
    """Whether the demo data is there and was loaded from today's definitions: three queries
    and a hash of nine files, no password hashing. False after any change (or none loaded)."""
    seeded = (
        AuditEvent.objects.filter(action=DEMO_SEEDED)
        .order_by("-seq")
        .values_list("payload", flat=True)
        .first()
    )
    if not seeded or seeded.get("fingerprint") != demo_fingerprint():
        return False
    people = set(
        User.objects.filter(username__in=[u[0] for u in USERS], is_active=True).values_list(
            "username", "role", "department__code"
        )
    )
    if people != {(username, role, code) for username, role, code, *_ in USERS}:
        return False
    if settings.OIDC_MOCK:
        linked = SignInIdentity.objects.filter(
            issuer=settings.OIDC_ISSUER, subject__in=[u[0] for u in USERS]
        ).count()
        if linked != len(USERS):
            return False
    titles = {case[1] for case in DEMO_CASES} | set(past_titles())
    return Case.objects.filter(title__in=titles).values("title").distinct().count() == len(titles)


def demo_seeded_record() -> None:
    """Note in the audit chain that the demo data is loaded, with its fingerprint."""
    audit_append(action=DEMO_SEEDED, payload={"fingerprint": demo_fingerprint()})


# (owner, title, summary, golden case whose answers it uses, how far it goes)
DEMO_CASES = (
    (
        "alice",
        "Case management system for benefit appeals",
        "Caseworkers track appeals across three legacy systems; the rules change with each Budget.",
        "G04",
        "submitted",
    ),
    (
        "alice",
        "Hosting migration to public cloud",
        "Move 40 internal services out of a data centre whose contract ends next year.",
        "G24",
        "assessed",
    ),
    (
        "alice",
        "Identity verification service",
        "Citizens must prove who they are before claiming; other departments face the same need.",
        "G05",
        "started",
    ),
    (
        "bob",
        "Housing data analytics pilot",
        "Predict which social housing needs repair before tenants report it.",
        "G38",
        "submitted",
    ),
    (
        "bob",
        "Grants payment platform",
        "Pay and reconcile capital grants to councils, about £1.2m over its life.",
        "G27",
        "assessed",
    ),
    # Decided by the Centre of Excellence (carol), so auditors have records on first run.
    (
        "alice",
        "Payroll service renewal",
        "Renew the payroll service for 4,000 staff before the current contract ends.",
        "G22",
        "approved",
    ),
    (
        "bob",
        "Repairs scheduling tool",
        "Schedule repair visits across 30,000 homes with local contractors.",
        "G13",
        "overridden:build",
    ),
    (
        "alice",
        "Document scanning contract",
        "Scan and index incoming post for three casework teams.",
        "G11",
        "returned",
    ),
    (
        "bob",
        "Tenant portal rebuild",
        "Replace the tenant portal that councils share.",
        "G36",
        "rejected",
    ),
)
REVIEW_REASONS = {
    "overridden": "The department has a strong scheduling team and the tool will be reused "
    "by two other departments: build, and publish the code.",
    "returned": "Name the cross-government components you checked, and add the exit plan.",
    "rejected": "A shared portal already exists; join it rather than rebuild.",
}


# When the demo departments, people and ruleset came about: before the past year's first case.
DEMO_START = datetime(2025, 11, 24, 9)


def _golden_answers() -> dict[str, dict[str, object]]:
    data = json.loads(GOLDEN_CASES_PATH.read_text())
    cases = data["cases"] if isinstance(data, dict) else data
    return {case["id"]: case["answers"] for case in cases}


def demo_title(title: str, copy: int = 1) -> str:
    """A demo case's title in the given copy of the demo data (the first copy is unmarked)."""
    return title if copy == 1 else f"{title} (copy {copy})"


def seed_cases(*, copy: int = 1) -> None:
    """Create today's demo cases through the real services, unless they exist already (the
    past year's are seed_history's).

    `copy` > 1 creates another copy of the same cases (titles marked "(copy N)"): the load
    bench's larger data sets are made of copies.
    """
    ruleset_install_shipped()
    answers = _golden_answers()
    owners = {user.username: user for user in User.objects.filter(username__in=("alice", "bob"))}
    existing = set(
        Case.objects.filter(
            title__in=[demo_title(case[1], copy) for case in DEMO_CASES]
        ).values_list("department_id", "title")
    )
    for username, demo_case_title, summary, golden, stage in DEMO_CASES:
        owner = owners[username]
        title = demo_title(demo_case_title, copy)
        if (owner.department_id, title) in existing:
            continue
        if stage == "started":
            section_one = ("service_type", "differentiation", "policy_volatility", "criticality")
            partial = {k: v for k, v in answers[golden].items() if k in section_one}
            case_create(by=owner, title=title, summary=summary, answers=partial)
            continue
        case = case_create(by=owner, title=title, summary=summary, answers=answers[golden])
        assessment = assessment_run(case=case, by=owner)
        explanations = {
            check["check"]: "Explained in the business case, section 4."
            for check in assessment.result["policy_checks"]
            if check["result"] == "explain"
        }
        assert owner.department_id is not None
        people = signatories_of(owner.department_id)
        case_update(
            case=case, by=owner, explanations=explanations, sro=people["commercial"].username
        )
        for index, discipline in enumerate(Discipline.values):
            # Each signatory is asked and signs off as themselves; on an assessed case the
            # last two requests still wait for them (their sign-off requests page).
            asked = signoff_request_create(
                case=case, by=owner, discipline=discipline, user=people[discipline].username
            )
            if stage != "assessed" or index < 2:
                signoff_request_decide(request=asked, by=people[discipline], decision="signed")
        if stage == "assessed":
            continue
        case_submit(case=case, by=owner)
        _review(case, stage)


def seed_history() -> int:
    """The past year's demo cases, decisions and outcome reviews (sourcing.demo_history), each
    step on its own date, unless they exist already; returns how many were made. The rules of
    2026.1 decide the early cases, the shipped default (published by the stewards on
    demo_history.CURRENT_RULES_ON) the later ones. Load them before today's (seed_cases), so
    the records' chain runs in time."""
    with demo_clock(DEMO_START):
        seed_first_rules()
    return seed_past_year(
        _golden_answers(),
        {username: discipline for username, _, discipline, *_ in SIGNATORY_PEOPLE},
    )


def signatories_of(department_id: int) -> dict[str, User]:
    """The demo signatory of each discipline in a department."""
    wanted = {username: discipline for username, _, discipline, _, _ in SIGNATORY_PEOPLE}
    people = User.objects.filter(department_id=department_id, username__in=wanted)
    return {wanted[person.username]: person for person in people}


def _review(case: Case, stage: str) -> None:
    """The Centre of Excellence's decision on a submitted demo case, if it has one."""
    carol = User.objects.get(username="carol")
    kind, _, option = stage.partition(":")
    if kind == "approved":
        review_decide(case=case, by=carol, action="approve")
    elif kind == "overridden":
        review_decide(
            case=case,
            by=carol,
            action="approve",
            option=option,
            rationale=REVIEW_REASONS["overridden"],
        )
    elif kind in ("returned", "rejected"):
        action = "return" if kind == "returned" else "reject"
        review_decide(
            case=case,
            by=carol,
            action=action,
            rationale=REVIEW_REASONS[kind],
            # The return names the parts that need changes (the case page marks them).
            sections=["market", "explanations"] if kind == "returned" else None,
        )


def seed_golden_cases() -> GoldenImport:
    """Store the shipped golden cases in the database: missing ones added, those as shipped
    updated to the shipped version, those a steward edited kept (safe to run again)."""
    return golden_cases_import()


def seed_suppliers() -> None:
    """Load the invented supplier catalogue (as ada, through the real import) and contracts
    for the approved demo decisions; safe to run again."""
    load_reference_data(Segment, Framework)
    numbers = [row["company_number"] for row in demo_catalogue_rows()]
    if Supplier.objects.filter(company_number__in=numbers).count() < len(numbers):
        catalogue_import(
            by=User.objects.get(username="ada"),
            raw=demo_catalogue_csv(),
            filename="demo-catalogue.csv",
        )
    seed_demo_contracts()
