"""Demo data for a first run: departments and one user per role."""

from __future__ import annotations

from django.db import transaction

from sourcing.models import Role
from sourcing.services import department_ensure, user_ensure

DEMO_PASSWORD = "sourcing-demo-2026"  # noqa: S105 (demo only; seed_demo refuses production)

DEPARTMENTS = (
    ("dept-a", "Department for Public Services"),
    ("dept-b", "Department for Housing and Regions"),
    ("dept-c", "Department for Skills and Work"),
)

# username, role, department code, first name, last name
USERS = (
    ("alice", Role.COMMERCIAL, "dept-a", "Alice", "Adeyemi"),
    ("bob", Role.COMMERCIAL, "dept-b", "Bob", "Bryant"),
    ("carol", Role.REVIEWER, None, "Carol", "Chen"),
    ("dave", Role.AUDITOR, None, "Dave", "Davies"),
    ("erin", Role.STEWARD, None, "Erin", "Evans"),
    ("ada", Role.ADMIN, None, "Ada", "Akhtar"),
)


@transaction.atomic
def seed_people() -> None:
    """Create (or reset) the demo departments and users; safe to run again."""
    departments = {code: department_ensure(code=code, name=name) for code, name in DEPARTMENTS}
    for username, role, code, first, last in USERS:
        user_ensure(
            username=username,
            role=role,
            password=DEMO_PASSWORD,
            department=departments[code] if code else None,
            first_name=first,
            last_name=last,
        )
