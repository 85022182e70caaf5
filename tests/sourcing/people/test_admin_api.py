"""The administrators' API: the department administrator's people, invitations and grants, and
the service administrator's Centre of Excellence roles, through the same services as the pages
(422 naming the field, another department's person or invitation 404, every change audited)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions.audit.models import AuditEvent
from sourcing.models import ApiToken, Department, Invitation, Role, SignInIdentity, User
from sourcing.people.services import (
    department_mapping_save,
    identity_link,
    invitation_create,
    token_issue,
    user_ensure,
)
from tests.factories import account_closed, domain_mapped


def bearer(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}


def post(client: Client, url: str, body: Any, **headers: str) -> Any:
    return client.post(url, body, content_type="application/json", **headers)


@pytest.fixture
def admin(users: dict[str, User]) -> dict[str, str]:
    """The department administrator of department A, by bearer token."""
    return bearer(users["department_admin"])


@pytest.fixture
def admin_b(users: dict[str, User]) -> User:
    return user_ensure(
        username="user-department-admin-b",
        role=Role.DEPARTMENT_ADMIN,
        password="correct-horse-battery-staple",
        department=users["outsider"].department,
    )


@pytest.fixture(autouse=True)
def a_domain(users: dict[str, User]) -> None:
    """Department A's people have addresses at a.example.gov.uk."""
    domain_mapped(users["department_admin"].department, "a.example.gov.uk")


def locs(response: Any) -> list[list[str]]:
    return [item["loc"] for item in response.json()["detail"]]


# The department administrator -------------------------------------------------------------------


def test_the_people_list_is_the_administrators_department_only(
    admin: dict[str, str], users: dict[str, User]
) -> None:
    identity_link(user=users["commercial"], issuer="https://idp.example", subject="c-1")
    response = Client().get(reverse("api:department_people"), **admin)
    assert response.status_code == 200
    body = response.json()
    people = {item["username"]: item for item in body["items"]}
    assert set(people) == {"user-commercial", "user-department_admin", "user-none"}
    assert body["count"] == 3 and body["limit"] == 50
    assert people["user-commercial"]["role"] == "commercial"
    assert people["user-commercial"]["sign_in"][0]["issuer"] == "https://idp.example"
    assert people["user-none"]["role"] == "none" and people["user-none"]["sign_in"] == []
    assert Client().get(reverse("api:department_people"), {"limit": 0}, **admin).status_code == 422


def test_the_people_list_shows_each_provider_account_in_order_in_constant_queries(
    admin: dict[str, str], users: dict[str, User], django_assert_num_queries: Any
) -> None:
    commercial = users["commercial"]
    Client().get(reverse("api:department_people"), **admin)
    with CaptureQueriesContext(connection) as before:
        Client().get(reverse("api:department_people"), **admin)
    identity_link(user=commercial, issuer="https://idp-b.example", subject="c-2")
    identity_link(user=commercial, issuer="https://idp.example", subject="c-1")
    when = timezone.now() - timedelta(days=3)
    SignInIdentity.objects.filter(subject="c-1").update(last_sign_in_at=when)
    with django_assert_num_queries(len(before)):
        response = Client().get(reverse("api:department_people"), **admin)
    listed = {item["username"]: item for item in response.json()["items"]}
    assert listed["user-commercial"]["sign_in"] == [
        {"issuer": "https://idp-b.example", "last_sign_in_at": None},
        {"issuer": "https://idp.example", "last_sign_in_at": when.isoformat()},
    ]


def test_an_invitation_through_the_api_is_made_listed_and_audited(
    admin: dict[str, str], users: dict[str, User]
) -> None:
    url = reverse("api:department_invitations")
    response = post(Client(), url, {"email": "new@a.example.gov.uk"}, **admin)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["email"] == "new@a.example.gov.uk" and made["status"] == "pending"
    assert made["department"] == "dept-a" and made["invited_by"] == "user-department_admin"
    listed = Client().get(url, **admin).json()
    assert [item["id"] for item in listed["items"]] == [made["id"]]
    assert AuditEvent.objects.filter(action="invitation.created", object_id=made["id"]).exists()


@pytest.mark.parametrize(
    ("body", "loc", "says"),
    [
        ({"email": "not an address"}, ["body", "email"], "correct format"),
        ({"email": "x@b.example.gov.uk"}, ["body", "email"], "another department"),
        (
            {"email": "colleague@gmail.com"},
            ["body", "email"],
            "Enter an email address at a domain your department uses: a.example.gov.uk",
        ),
        ({}, ["body", "email"], "mail"),
        ({"email": 7}, ["body", "email"], "text"),
        ({"email": "y@a.example.gov.uk", "role": "reviewer"}, ["body", "role"], ""),
    ],
)
def test_a_bad_invitation_is_a_422_naming_the_field_and_saves_nothing(
    admin: dict[str, str], dept_b: Department, body: dict[str, Any], loc: list[str], says: str
) -> None:
    department_mapping_save(
        by=None, mapping=None, department=dept_b, kind="email_domain", value="b.example.gov.uk"
    )
    response = post(Client(), reverse("api:department_invitations"), body, **admin)
    assert response.status_code == 422, response.content
    assert loc in locs(response)
    assert says in " ".join(item["msg"] for item in response.json()["detail"])
    assert not Invitation.objects.exists()


def test_granting_and_taking_away_the_commercial_role_through_the_api(
    admin: dict[str, str], users: dict[str, User]
) -> None:
    waiting = users["none"]
    url = reverse("api:department_person_role", kwargs={"user_id": waiting.pk})
    granted = post(Client(), url, {"role": "commercial"}, **admin)
    assert granted.status_code == 200 and granted.json()["role"] == "commercial"
    token = token_issue(user=User.objects.get(pk=waiting.pk))
    taken = post(Client(), url, {"role": "none"}, **admin)
    assert taken.status_code == 200 and taken.json()["role"] == "none"
    assert not ApiToken.objects.usable().filter(user=waiting).exists()
    assert Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    changes = AuditEvent.objects.filter(action="user.changed", object_id=waiting.pk)
    assert changes.count() == 2


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"role": "reviewer"}, "Choose department commercial user or no role"),
        ({"role": ""}, "Choose department commercial user or no role"),
        ({}, "role"),
        ({"role": ["commercial"]}, "text"),
    ],
)
def test_a_bad_role_is_a_422_on_role(
    admin: dict[str, str], users: dict[str, User], body: dict[str, Any], says: str
) -> None:
    url = reverse("api:department_person_role", kwargs={"user_id": users["none"].pk})
    response = post(Client(), url, body, **admin)
    assert response.status_code == 422 and locs(response) == [["body", "role"]]
    assert says.lower() in response.json()["detail"][0]["msg"].lower()
    assert User.objects.get(pk=users["none"].pk).role == Role.NONE


def test_the_administrator_cannot_change_their_own_role(
    admin: dict[str, str], users: dict[str, User]
) -> None:
    me = users["department_admin"]
    url = reverse("api:department_person_role", kwargs={"user_id": me.pk})
    response = post(Client(), url, {"role": "commercial"}, **admin)
    assert response.status_code == 422 and locs(response) == [["body", "role"]]


def test_another_departments_person_or_invitation_is_a_404(
    admin: dict[str, str], users: dict[str, User], admin_b: User
) -> None:
    outsider = users["outsider"]
    url = reverse("api:department_person_role", kwargs={"user_id": outsider.pk})
    assert post(Client(), url, {"role": "none"}, **admin).status_code == 404
    assert User.objects.get(pk=outsider.pk).role == Role.COMMERCIAL
    domain_mapped(admin_b.department, "b.example.gov.uk")
    theirs = invitation_create(by=admin_b, email="someone@b.example.gov.uk")
    withdraw = reverse("api:department_invitation_withdraw", kwargs={"invitation_id": theirs.pk})
    assert post(Client(), withdraw, {}, **admin).status_code == 404
    assert Invitation.objects.get(pk=theirs.pk).withdrawn_at is None


def test_an_invitation_is_withdrawn_once(admin: dict[str, str], users: dict[str, User]) -> None:
    invitation = invitation_create(by=users["department_admin"], email="z@a.example.gov.uk")
    url = reverse("api:department_invitation_withdraw", kwargs={"invitation_id": invitation.pk})
    first = post(Client(), url, {}, **admin)
    assert first.status_code == 200 and first.json()["status"] == "withdrawn"
    again = post(Client(), url, {}, **admin)
    assert again.status_code == 422 and locs(again) == [["body", "invitation"]]
    assert AuditEvent.objects.filter(action="invitation.withdrawn").count() == 1


def test_a_department_administrator_without_the_role_is_refused(
    users: dict[str, User],
) -> None:
    commercial = bearer(users["commercial"])
    assert Client().get(reverse("api:department_people"), **commercial).status_code == 403
    assert Client().get(reverse("api:department_people")).status_code == 401


# The service administrator: Centre of Excellence roles ------------------------------------------


@pytest.fixture
def service_admin(users: dict[str, User]) -> dict[str, str]:
    return bearer(users["admin"])


def test_the_coe_list_has_the_coe_and_people_without_a_role(
    service_admin: dict[str, str], users: dict[str, User]
) -> None:
    response = Client().get(reverse("api:coe_people"), **service_admin)
    assert response.status_code == 200
    names = {item["username"]: item["role"] for item in response.json()["items"]}
    assert names == {
        "user-reviewer": "reviewer",
        "user-auditor": "auditor",
        "user-steward": "steward",
        "user-none": "none",
    }


def test_granting_a_coe_role_takes_them_out_of_their_department_and_is_audited(
    service_admin: dict[str, str], users: dict[str, User]
) -> None:
    waiting = users["none"]
    url = reverse("api:coe_person_role", kwargs={"user_id": waiting.pk})
    response = post(Client(), url, {"role": "reviewer"}, **service_admin)
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "reviewer" and response.json()["department"] is None
    event = AuditEvent.objects.filter(action="user.changed", object_id=waiting.pk).get()
    assert set(event.payload["changed"]) == {"role", "department"}
    assert event.actor == users["admin"].username
    reviewer = Client()
    reviewer.force_login(User.objects.get(pk=waiting.pk))
    assert reviewer.get(reverse("review_queue")).status_code == 200


def test_taking_a_coe_role_away_revokes_their_tokens(
    service_admin: dict[str, str], users: dict[str, User]
) -> None:
    auditor = users["auditor"]
    token = token_issue(user=auditor)
    url = reverse("api:coe_person_role", kwargs={"user_id": auditor.pk})
    response = post(Client(), url, {"role": "none"}, **service_admin)
    assert response.status_code == 200 and response.json()["role"] == "none"
    assert Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.parametrize("role", ["commercial", "admin", "department_admin", "", "boss"])
def test_only_coe_roles_are_granted_here(
    service_admin: dict[str, str], users: dict[str, User], role: str
) -> None:
    url = reverse("api:coe_person_role", kwargs={"user_id": users["steward"].pk})
    response = post(Client(), url, {"role": role}, **service_admin)
    assert response.status_code == 422 and locs(response) == [["body", "role"]]
    assert User.objects.get(pk=users["steward"].pk).role == Role.STEWARD


@pytest.mark.parametrize("who", ["commercial", "department_admin", "admin", "outsider"])
def test_someone_with_another_role_is_a_404_here(
    service_admin: dict[str, str], users: dict[str, User], who: str
) -> None:
    url = reverse("api:coe_person_role", kwargs={"user_id": users[who].pk})
    response = post(Client(), url, {"role": "reviewer"}, **service_admin)
    assert response.status_code == 404
    assert User.objects.get(pk=users[who].pk).role == users[who].role


def test_a_closed_account_is_not_given_a_coe_role(
    service_admin: dict[str, str], users: dict[str, User]
) -> None:
    waiting = users["none"]
    account_closed(waiting, by=users["admin"])
    url = reverse("api:coe_person_role", kwargs={"user_id": waiting.pk})
    response = post(Client(), url, {"role": "auditor"}, **service_admin)
    assert response.status_code == 422 and "closed" in response.json()["detail"][0]["msg"]


def test_a_password_session_ends_when_the_account_is_closed(
    users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    auditor = users["auditor"]
    client = client_as(auditor)
    assert client.get(reverse("api:me")).status_code == 200
    account_closed(auditor, by=users["admin"])
    assert client.get(reverse("api:me")).status_code == 401


# A department administrator closes a leaver's account -------------------------------------------


def test_closing_a_leavers_account_ends_their_tokens_and_sessions(
    admin: dict[str, str], users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    leaver = users["commercial"]
    token = token_issue(user=leaver)
    session = client_as(leaver)
    url = reverse("api:department_person_close", kwargs={"user_id": leaver.pk})
    response = post(Client(), url, {}, **admin)
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert Client().get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert session.get(reverse("api:me")).status_code == 401
    event = AuditEvent.objects.filter(action="user.changed", object_id=leaver.pk).get()
    assert event.payload["changed"] == ["is_active"] and event.actor == "user-department_admin"
    # The revocation is the administrator's doing, not the leaver's.
    revoked = AuditEvent.objects.filter(action="token.revoked", object_id=leaver.pk).get()
    assert revoked.actor == "user-department_admin" and revoked.payload["count"] == 1
    again = post(Client(), url, {}, **admin)
    assert again.status_code == 422 and locs(again) == [["body", "account"]]


def test_taking_a_role_from_someone_without_tokens_records_no_revocation(
    admin: dict[str, str], users: dict[str, User]
) -> None:
    member = users["commercial"]
    url = reverse("api:department_person_role", kwargs={"user_id": member.pk})
    assert post(Client(), url, {"role": "none"}, **admin).status_code == 200
    assert AuditEvent.objects.filter(action="user.changed", object_id=member.pk).exists()
    assert not AuditEvent.objects.filter(action="token.revoked", object_id=member.pk).exists()


@pytest.mark.parametrize("who", ["department_admin", "outsider"])
def test_an_administrator_cannot_close_their_own_or_another_departments_account(
    admin: dict[str, str], users: dict[str, User], who: str
) -> None:
    url = reverse("api:department_person_close", kwargs={"user_id": users[who].pk})
    response = post(Client(), url, {}, **admin)
    assert response.status_code == (422 if who == "department_admin" else 404)
    assert User.objects.get(pk=users[who].pk).is_active
