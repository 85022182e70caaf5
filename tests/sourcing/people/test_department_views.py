"""The department administrator's pages: who has access, invitations, granting and taking away
the commercial role; their own department only (another's person or invitation: 404)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions.audit.models import AuditEvent
from decisions.presenter import date_text
from sourcing.models import (
    Department,
    Invitation,
    Notification,
    NotificationKind,
    Role,
    User,
)
from sourcing.people.names import user_text
from sourcing.people.services import (
    department_mapping_save,
    identity_link,
    invitation_create,
    user_ensure,
)
from tests.factories import domain_mapped


@pytest.fixture(autouse=True)
def a_domain(users: dict[str, User]) -> None:
    """Department A's people have addresses at a.example.gov.uk."""
    domain_mapped(users["department_admin"].department, "a.example.gov.uk")


@pytest.fixture
def admin(users: dict[str, User], client_as: Callable[..., Client]) -> Client:
    return client_as(users["department_admin"])


def test_the_people_page_lists_only_the_administrators_department(
    admin: Client, users: dict[str, User]
) -> None:
    page = admin.get(reverse("department_people")).content.decode()
    assert "People and access" in page and "Department A" in page
    assert users["commercial"].username in page and users["none"].username in page
    assert users["outsider"].username not in page and users["reviewer"].username not in page
    assert "Grant commercial role" in page and "Remove role" in page


def test_the_people_page_says_who_signs_in_with_a_department_account_in_constant_queries(
    admin: Client, users: dict[str, User], django_assert_num_queries: Any
) -> None:
    def signs_in_with(page: str, user: User) -> str:
        row = page.split(f'id="member-{user.pk}"', 1)[1].split("</tr>", 1)[0]
        return "Department account" if "Department account" in row else "Password"

    admin.get(reverse("department_people"))
    with CaptureQueriesContext(connection) as before:
        page = admin.get(reverse("department_people")).content.decode()
    assert signs_in_with(page, users["commercial"]) == "Password"
    identity_link(user=users["commercial"], issuer="https://idp.example", subject="c-1")
    identity_link(user=users["commercial"], issuer="https://idp-b.example", subject="c-2")
    user_ensure(
        username="user-another",
        role=Role.NONE,
        password="correct-horse-battery-staple",
        department=users["none"].department,
    )
    with django_assert_num_queries(len(before)):
        page = admin.get(reverse("department_people")).content.decode()
    assert signs_in_with(page, users["commercial"]) == "Department account"
    assert signs_in_with(page, users["none"]) == "Password" and "user-another" in page
    assert page.count("Department account") == 1
    invitation = invitation_create(by=users["department_admin"], email="new@a.example.gov.uk")
    with django_assert_num_queries(len(before)):
        page = admin.get(reverse("department_people")).content.decode()
    row = page.split('<td class="govuk-table__cell">new@a.example.gov.uk</td>', 1)[1]
    row = row.split("</tr>", 1)[0]
    assert user_text(users["department_admin"]) in row and date_text(invitation.created_at) in row
    assert reverse("department_invitation_withdraw", args=[invitation.pk]) in row
    member_row = page.split(f'id="member-{users["commercial"].pk}"', 1)[1].split("</tr>", 1)[0]
    assert user_text(users["commercial"]) in member_row
    assert users["commercial"].get_role_display() in member_row


def test_an_invitation_is_made_and_listed(admin: Client, users: dict[str, User]) -> None:
    response = admin.post(reverse("department_invite"), {"email": "new@a.example.gov.uk"})
    assert response.status_code == 302 and response["Location"] == reverse("department_people")
    page = admin.get(reverse("department_people")).content.decode()
    assert "new@a.example.gov.uk is invited" in page and "Invitations waiting" in page
    assert AuditEvent.objects.filter(action="invitation.created").count() == 1


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter the email address of the person to invite"),
        ("not an address", "Enter an email address in the correct format"),
        ("x@b.example.gov.uk", "belong to another department"),
        (
            "colleague@gmail.com",
            "Enter an email address at a domain your department uses: a.example.gov.uk",
        ),
    ],
)
def test_a_bad_invitation_shows_the_error_summary_and_saves_nothing(
    admin: Client, dept_b: Department, email: str, message: str
) -> None:
    department_mapping_save(
        by=None, mapping=None, department=dept_b, kind="email_domain", value="b.example.gov.uk"
    )
    response = admin.post(reverse("department_invite"), {"email": email})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page and message in page
    assert "<title>Error:" in page
    assert not Invitation.objects.exists()


def test_the_administrator_grants_and_takes_away_the_commercial_role(
    admin: Client, users: dict[str, User]
) -> None:
    member = users["none"]
    url = reverse("department_member_role", kwargs={"user_id": member.pk})
    assert admin.post(url, {"role": "commercial"}).status_code == 302
    member.refresh_from_db()
    assert member.role == Role.COMMERCIAL
    assert admin.post(url, {"role": "none"}).status_code == 302
    member.refresh_from_db()
    assert member.role == Role.NONE


def test_people_are_named_by_full_name_on_the_page_and_in_the_message(
    admin: Client, make_user: Callable[..., User], dept_a: Department
) -> None:
    member = make_user("grace", Role.NONE, dept_a, first_name="Grace", last_name="Hopper")
    assert "Grace Hopper" in admin.get(reverse("department_people")).content.decode()
    url = reverse("department_member_role", kwargs={"user_id": member.pk})
    granted = admin.post(url, {"role": "commercial"}, follow=True).content.decode()
    assert "Grace Hopper is now a department commercial user." in granted


def test_another_role_is_refused_on_the_people_page(admin: Client, users: dict[str, User]) -> None:
    url = reverse("department_member_role", kwargs={"user_id": users["none"].pk})
    response = admin.post(url, {"role": "reviewer"})
    assert response.status_code == 200
    assert "Choose department commercial user or no role" in response.content.decode()
    assert User.objects.get(pk=users["none"].pk).role == Role.NONE


def test_another_departments_person_and_invitation_are_404(
    admin: Client, users: dict[str, User], make_user, dept_b: Department
) -> None:
    outsider = users["outsider"]
    url = reverse("department_member_role", kwargs={"user_id": outsider.pk})
    assert admin.post(url, {"role": "none"}).status_code == 404
    assert User.objects.get(pk=outsider.pk).role == Role.COMMERCIAL
    admin_b = make_user("admin-b", Role.DEPARTMENT_ADMIN, dept_b)
    domain_mapped(admin_b.department, "b.example.gov.uk")
    invitation = invitation_create(by=admin_b, email="someone@b.example.gov.uk")
    url = reverse("department_invitation_withdraw", kwargs={"invitation_id": invitation.pk})
    assert admin.post(url).status_code == 404
    assert Invitation.objects.pending().filter(pk=invitation.pk).exists()


def test_a_pending_invitation_is_withdrawn(admin: Client, users: dict[str, User]) -> None:
    invitation = invitation_create(by=users["department_admin"], email="x@a.example.gov.uk")
    url = reverse("department_invitation_withdraw", kwargs={"invitation_id": invitation.pk})
    assert admin.post(url).status_code == 302
    assert not Invitation.objects.pending().exists()
    again = admin.post(url)
    assert again.status_code == 200 and "no longer pending" in again.content.decode()


def test_someone_with_no_role_sees_only_the_home_page(
    users: dict[str, User], client_as: Callable[..., Client]
) -> None:
    client = client_as(users["none"])
    home = client.get(reverse("home")).content.decode()
    assert "you do not have a role in this service yet" in home
    assert "Suppliers" not in home
    assert client.get(reverse("supplier_list")).status_code == 403
    assert client.get(reverse("department_people")).status_code == 403


def test_closing_a_leavers_account_on_the_page(admin: Client, users: dict[str, User]) -> None:
    leaver = users["commercial"]
    url = reverse("department_member_close", kwargs={"user_id": leaver.pk})
    response = admin.post(url, follow=True)
    assert response.redirect_chain == [(reverse("department_people"), 302)]
    page = response.content.decode()
    assert "is closed: they can no longer sign in" in page
    row = page[page.index(f'id="member-{leaver.pk}"') :].split("</tr>")[0]
    assert "Closed" in row and "Close account" not in row
    assert not User.objects.get(pk=leaver.pk).is_active
    outsider = reverse("department_member_close", kwargs={"user_id": users["outsider"].pk})
    assert admin.post(outsider).status_code == 404
    assert User.objects.get(pk=users["outsider"].pk).is_active


def test_the_invited_colleague_is_emailed_after_the_invitation_is_saved(
    admin: Client, users: dict[str, User], eager_tasks: None, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("department_invite"), {"email": "new@a.example.gov.uk"})
    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == ["new@a.example.gov.uk"]
    assert email.subject == "You are invited to use Sourcing decisions"
    admin_user = users["department_admin"]
    inviter = admin_user.get_full_name() or admin_user.username
    assert f"{inviter} of Department A invited you" in email.body
    assert f"{settings.SERVICE_URL}{reverse('sign_in')}" in email.body
    invitation = Invitation.objects.get()
    row = Notification.objects.get(kind=NotificationKind.INVITATION)
    assert row.key == f"invitation:{invitation.pk}:new@a.example.gov.uk"
    # A refused invitation (the same address again) writes and sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = admin.post(reverse("department_invite"), {"email": "new@a.example.gov.uk"})
    assert again.status_code == 200 and len(mail.outbox) == 1
    assert Notification.objects.count() == 1
