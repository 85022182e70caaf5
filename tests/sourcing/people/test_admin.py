"""The Django admin of users: every change through the services, on the audit chain."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from decisions.audit.models import AuditEvent
from decisions.integrity.verification import audit_verify
from sourcing.errors import ValidationFailed
from sourcing.models import Department, Role, User
from sourcing.people.services import department_save, user_save

NEW_PASSWORD = "a-long-enough-new-passphrase-2026"


@pytest.fixture
def admin_client(users: dict[str, User], client_as: Callable[..., Client]) -> Client:
    return client_as(users["admin"])


def test_adding_a_commercial_user_asks_for_the_department(
    admin_client: Client, dept_a: Department
) -> None:
    form = admin_client.get(reverse("admin:sourcing_user_add")).content.decode()
    assert 'name="role"' in form and 'name="department"' in form
    data = {
        "username": "frank",
        "role": Role.COMMERCIAL,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    refused = admin_client.post(reverse("admin:sourcing_user_add"), data)
    assert refused.status_code == 200
    assert "Choose the department of a department commercial user" in refused.content.decode()
    assert not User.objects.filter(username="frank").exists()
    added = admin_client.post(reverse("admin:sourcing_user_add"), {**data, "department": dept_a.pk})
    assert added.status_code == 302
    frank = User.objects.get(username="frank")
    assert (frank.role, frank.department, frank.is_staff) == (Role.COMMERCIAL, dept_a, False)
    assert frank.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="user.created")
    assert event.actor == "user-admin" and event.object_id == str(frank.pk)
    assert event.payload["role"] == "commercial" and event.payload["department"] == "dept-a"
    assert NEW_PASSWORD not in str(event.payload)


def test_a_role_change_in_the_admin_is_on_the_audit_chain(
    admin_client: Client, users: dict[str, User]
) -> None:
    bob = users["outsider"]
    url = reverse("admin:sourcing_user_change", args=[bob.pk])
    data = {
        "username": bob.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "role": Role.REVIEWER,
        "department": "",
        "is_active": "on",
    }
    assert admin_client.post(url, data).status_code == 302
    bob.refresh_from_db()
    assert (bob.role, bob.department_id) == (Role.REVIEWER, None)
    event = AuditEvent.objects.get(action="user.changed")
    assert event.payload["changed"] == ["role", "department"]
    assert event.actor == "user-admin" and not event.payload["password_changed"]
    # A reviewer with a department is refused, naming the field.
    page = admin_client.post(url, {**data, "department": bob_department(users)})
    assert "Only a department commercial user or administrator belongs to a department" in (
        page.content.decode()
    )


def bob_department(users: dict[str, User]) -> int:
    return users["commercial"].department_id  # type: ignore[return-value]


def test_an_administrator_is_staff_and_a_demoted_one_is_not(
    admin_client: Client, users: dict[str, User]
) -> None:
    carol = users["reviewer"]
    url = reverse("admin:sourcing_user_change", args=[carol.pk])
    data = {"username": carol.username, "role": Role.ADMIN, "department": "", "is_active": "on"}
    assert admin_client.post(url, data).status_code == 302
    carol.refresh_from_db()
    assert carol.is_staff and carol.is_superuser
    assert admin_client.post(url, {**data, "role": Role.AUDITOR}).status_code == 302
    carol.refresh_from_db()
    assert not carol.is_staff and not carol.is_superuser


def test_a_password_set_in_the_admin_is_audited_never_logged(
    admin_client: Client, users: dict[str, User]
) -> None:
    alice = users["commercial"]
    url = reverse("admin:auth_user_password_change", args=[alice.pk])
    page = admin_client.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert page.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="user.changed")
    assert event.payload["password_changed"] and event.payload["changed"] == []
    assert NEW_PASSWORD not in str(event.payload)


def test_users_are_never_deleted_in_the_admin(admin_client: Client, users: dict[str, User]) -> None:
    url = reverse("admin:sourcing_user_delete", args=[users["outsider"].pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=users["outsider"].pk).exists()


def test_the_service_refuses_a_commercial_user_without_a_department(
    users: dict[str, User],
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        user_save(by=users["admin"], user=None, username="gina", role="commercial", department=None)
    assert "department" in refused.value.errors
    assert not AuditEvent.objects.filter(action="user.created").exists()


def test_department_changes_in_the_admin_are_on_the_audit_chain(
    admin_client: Client, dept_a: Department
) -> None:
    added = admin_client.post(
        reverse("admin:sourcing_department_add"), {"code": "dept-c", "name": "Department C"}
    )
    assert added.status_code == 302
    dept_c = Department.objects.get(code="dept-c")
    created = AuditEvent.objects.get(action="department.created")
    assert created.actor == "user-admin" and created.object_id == str(dept_c.pk)
    assert (created.payload["code"], created.payload["name"]) == ("dept-c", "Department C")
    url = reverse("admin:sourcing_department_change", args=[dept_a.pk])
    renamed = admin_client.post(url, {"code": dept_a.code, "name": "Department A renamed"})
    assert renamed.status_code == 302
    dept_a.refresh_from_db()
    assert dept_a.name == "Department A renamed"
    changed = AuditEvent.objects.get(action="department.changed")
    assert changed.payload["changed"] == ["name"]
    assert changed.payload["before"]["name"] != "Department A renamed"
    # Saved unchanged: nothing appended. Departments are never deleted.
    admin_client.post(url, {"code": dept_a.code, "name": "Department A renamed"})
    assert AuditEvent.objects.filter(action__startswith="department.").count() == 2
    delete = admin_client.post(
        reverse("admin:sourcing_department_delete", args=[dept_a.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert Department.objects.filter(pk=dept_a.pk).exists()
    assert audit_verify().valid


def test_department_save_names_the_field_at_fault(dept_a: Department) -> None:
    with pytest.raises(ValidationFailed) as refused:
        department_save(by=None, department=None, code="Not A Slug", name=dept_a.name)
    assert set(refused.value.errors) == {"code", "name"}
    assert not AuditEvent.objects.filter(action__startswith="department.").exists()


def test_a_look_alike_username_is_refused_in_the_admin_and_the_service(
    admin_client: Client, users: dict[str, User], dept_a: Department
) -> None:
    look_alike = "\u0430lice"  # a Cyrillic a (U+0430), then "lice"
    data = {
        "username": look_alike,
        "role": Role.COMMERCIAL,
        "department": dept_a.pk,
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    refused = admin_client.post(reverse("admin:sourcing_user_add"), data)
    assert refused.status_code == 200
    assert "no letters from other alphabets" in refused.content.decode()
    assert not User.objects.filter(username=look_alike).exists()
    with pytest.raises(ValidationFailed) as failed:
        user_save(
            by=users["admin"], user=None, username=look_alike, role="commercial", department=dept_a
        )
    assert list(failed.value.errors) == ["username"]
    assert not AuditEvent.objects.filter(action="user.created").exists()
    # Full-width letters are the same letters once NFKC-normalised: stored plain.
    made = user_save(
        by=users["admin"], user=None, username="\uff46rank", role="commercial", department=dept_a
    )
    assert made.username == "frank"
