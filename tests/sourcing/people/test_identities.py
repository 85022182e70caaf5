"""Sign-in identities, department mappings, invitations and the department administrator's
grants, through the services (sourcing/people/services.py)."""

from __future__ import annotations

import pytest

from decisions.audit.models import AuditEvent
from sourcing.errors import ValidationFailed
from sourcing.models import ApiToken, Department, DepartmentMapping, Invitation, Role, User
from sourcing.people.services import (
    SignInRefused,
    department_for_claims,
    department_mapping_delete,
    department_mapping_save,
    identity_link,
    identity_sign_in,
    invitation_create,
    invitation_withdraw,
    member_role_set,
    token_issue,
)
from tests.factories import account_closed

ISSUER = "https://login.example.gov.uk/tenant-a/v2.0"
OTHER_ISSUER = "https://accounts.example.com"


@pytest.fixture
def mapped(dept_a: Department, dept_b: Department) -> None:
    department_mapping_save(
        by=None, mapping=None, department=dept_a, kind="email_domain", value="@A.Example.gov.uk "
    )
    department_mapping_save(
        by=None, mapping=None, department=dept_b, kind="claim", claim="department", value="dhr"
    )


def claims(sub: str, email: str, **more: object) -> dict[str, object]:
    return {"sub": sub, "email": email, "email_verified": True, **more}


def test_a_domain_mapping_is_kept_in_lower_case_and_audited(mapped: None) -> None:
    mapping = DepartmentMapping.objects.get(kind="email_domain")
    assert mapping.value == "a.example.gov.uk"
    event = AuditEvent.objects.filter(action="department_mapping.saved").order_by("seq").first()
    assert event is not None and event.payload["value"] == "a.example.gov.uk"


def test_a_domain_that_maps_already_is_refused(mapped: None, dept_b: Department) -> None:
    with pytest.raises(ValidationFailed) as refused:
        department_mapping_save(
            by=None, mapping=None, department=dept_b, kind="email_domain", value="a.example.gov.uk"
        )
    assert "value" in refused.value.errors


def test_a_mapping_removed_is_audited(mapped: None) -> None:
    department_mapping_delete(by=None, mapping=DepartmentMapping.objects.get(kind="claim"))
    assert AuditEvent.objects.filter(action="department_mapping.deleted").count() == 1
    assert department_for_claims({"sub": "x", "department": "dhr"}) is None


def test_a_first_sign_in_at_a_mapped_domain_makes_a_user_with_no_role(
    mapped: None, dept_a: Department
) -> None:
    user = identity_sign_in(
        issuer=ISSUER,
        claims=claims("a-1", "grace@a.example.gov.uk", given_name="Grace", family_name="Hopper"),
    )
    assert (user.role, user.department, user.email) == (Role.NONE, dept_a, "grace@a.example.gov.uk")
    assert (user.first_name, user.last_name) == ("Grace", "Hopper")
    assert not user.has_usable_password()
    assert user.identities.get().subject == "a-1"
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-2:] == ["user.created", "identity.linked"]


def test_a_claim_maps_a_first_sign_in_to_its_department(mapped: None, dept_b: Department) -> None:
    user = identity_sign_in(
        issuer=ISSUER, claims=claims("b-1", "hal@elsewhere.example", department=["x", "dhr"])
    )
    assert user.department == dept_b


def test_an_unmapped_domain_is_refused_and_nothing_is_saved(mapped: None) -> None:
    before = (User.objects.count(), AuditEvent.objects.count())
    with pytest.raises(SignInRefused) as refused:
        identity_sign_in(issuer=ISSUER, claims=claims("z-1", "someone@unknown.example"))
    assert refused.value.reason == "unmapped"
    assert (User.objects.count(), AuditEvent.objects.count()) == before


def test_an_unverified_email_does_not_map_to_a_department(mapped: None) -> None:
    with pytest.raises(SignInRefused):
        identity_sign_in(
            issuer=ISSUER,
            claims={"sub": "u-1", "email": "mallory@a.example.gov.uk", "email_verified": False},
        )


def test_people_are_found_by_issuer_and_subject_never_by_email(
    mapped: None, make_user, dept_a: Department
) -> None:
    # A password account with the same email is not taken over by a provider account.
    existing = make_user("alice", Role.COMMERCIAL, dept_a)
    existing.email = "alice@a.example.gov.uk"
    existing.save()
    first = identity_sign_in(issuer=ISSUER, claims=claims("sub-1", "alice@a.example.gov.uk"))
    assert first.pk != existing.pk and first.role == Role.NONE
    # The same subject again, with another email: the same person.
    again = identity_sign_in(issuer=ISSUER, claims=claims("sub-1", "renamed@a.example.gov.uk"))
    assert again.pk == first.pk
    # The same subject at another issuer is someone else.
    other = identity_sign_in(issuer=OTHER_ISSUER, claims=claims("sub-1", "alice@a.example.gov.uk"))
    assert other.pk not in (first.pk, existing.pk)
    assert len({existing.username, first.username, other.username}) == 3


def test_a_linked_account_signs_in_to_its_user(users: dict[str, User]) -> None:
    alice = users["commercial"]
    identity_link(user=alice, issuer=ISSUER, subject="alice")
    assert identity_sign_in(issuer=ISSUER, claims={"sub": "alice"}).pk == alice.pk
    with pytest.raises(ValidationFailed):
        identity_link(user=users["reviewer"], issuer=ISSUER, subject="alice")


def test_a_deactivated_user_can_no_longer_sign_in_and_loses_their_tokens(
    users: dict[str, User],
) -> None:
    alice = users["commercial"]
    identity_link(user=alice, issuer=ISSUER, subject="alice")
    token_issue(user=alice)
    account_closed(alice, by=users["admin"])
    assert not ApiToken.objects.usable().filter(user=alice).exists()
    assert ApiToken.objects.filter(user=alice, revoked_at__isnull=False).count() == 1
    with pytest.raises(SignInRefused) as refused:
        identity_sign_in(issuer=ISSUER, claims={"sub": "alice"})
    assert refused.value.reason == "inactive"


def test_an_invited_colleague_gets_the_commercial_role_at_first_sign_in(
    mapped: None, users: dict[str, User], dept_a: Department
) -> None:
    invitation = invitation_create(by=users["department_admin"], email="Grace@a.example.gov.uk")
    user = identity_sign_in(issuer=ISSUER, claims=claims("g-1", "grace@a.example.gov.uk"))
    assert (user.role, user.department) == (Role.COMMERCIAL, dept_a)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user and invitation.accepted_at is not None
    event = AuditEvent.objects.get(action="invitation.accepted")
    assert event.actor == user.username and event.department == "dept-a"


def test_an_invitation_counts_only_where_the_claims_admit_the_person(
    mapped: None, users: dict[str, User], make_user, dept_b: Department
) -> None:
    admin_b = make_user("admin-b", Role.DEPARTMENT_ADMIN, dept_b)
    invitation_create(by=admin_b, email="carl@elsewhere.example")
    user = identity_sign_in(
        issuer=ISSUER, claims=claims("c-1", "carl@elsewhere.example", department="dhr")
    )
    assert (user.role, user.department) == (Role.COMMERCIAL, dept_b)
    # Invited to B, but the claims admit them to nothing: refused, the invitation still waits.
    invitation_create(by=admin_b, email="dan@elsewhere.example")
    with pytest.raises(SignInRefused):
        identity_sign_in(issuer=ISSUER, claims=claims("d-1", "dan@elsewhere.example"))
    assert Invitation.objects.pending().filter(email="dan@elsewhere.example").exists()


def test_an_invitation_is_not_taken_by_an_unverified_email(
    mapped: None, make_user, dept_b: Department
) -> None:
    # Admitted to B by a claim, but the provider does not vouch for the invited email: no role,
    # and the invitation still waits for its owner.
    admin_b = make_user("admin-b", Role.DEPARTMENT_ADMIN, dept_b)
    invitation_create(by=admin_b, email="erik@elsewhere.example")
    unverified = claims("e-1", "erik@elsewhere.example", department="dhr", email_verified=False)
    user = identity_sign_in(issuer=ISSUER, claims=unverified)
    assert (user.role, user.department) == (Role.NONE, dept_b)
    assert Invitation.objects.pending().filter(email="erik@elsewhere.example").exists()


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("not-an-address", "Enter an email address in the correct format"),
        ("x@b.example.gov.uk", "belong to another department"),
        ("", "Enter an email address in the correct format"),
    ],
)
def test_an_invitation_names_what_is_wrong_with_the_email(
    mapped: None, users: dict[str, User], dept_b: Department, email: str, message: str
) -> None:
    department_mapping_save(
        by=None, mapping=None, department=dept_b, kind="email_domain", value="b.example.gov.uk"
    )
    with pytest.raises(ValidationFailed) as refused:
        invitation_create(by=users["department_admin"], email=email)
    assert message in refused.value.errors["email"][0]
    assert not Invitation.objects.exists()


def test_an_invitation_at_a_domain_no_mapping_of_the_department_admits_is_refused(
    mapped: None, users: dict[str, User], make_user, dept_b: Department
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        invitation_create(by=users["department_admin"], email="colleague@gmail.com")
    assert refused.value.errors["email"] == [
        "Enter an email address at a domain your department uses: a.example.gov.uk"
    ]
    # A department its claims admit (B: department = dhr) may invite any address.
    admin_b = make_user("admin-b", Role.DEPARTMENT_ADMIN, dept_b)
    assert invitation_create(by=admin_b, email="colleague@gmail.com").department == dept_b
    assert Invitation.objects.count() == 1


def test_an_email_is_invited_once_and_the_invitation_can_be_withdrawn(
    mapped: None, users: dict[str, User]
) -> None:
    admin = users["department_admin"]
    invitation = invitation_create(by=admin, email="new@a.example.gov.uk")
    with pytest.raises(ValidationFailed):
        invitation_create(by=admin, email="NEW@a.example.gov.uk")
    invitation_withdraw(by=admin, invitation=invitation)
    assert not Invitation.objects.pending().exists()
    with pytest.raises(ValidationFailed):
        invitation_withdraw(by=admin, invitation=invitation)
    assert invitation_create(by=admin, email="new@a.example.gov.uk").pk != invitation.pk


def test_only_a_department_administrator_invites(users: dict[str, User]) -> None:
    with pytest.raises(PermissionError):
        invitation_create(by=users["commercial"], email="x@a.example.gov.uk")
    with pytest.raises(PermissionError):
        invitation_create(by=users["admin"], email="x@a.example.gov.uk")


def test_a_department_administrator_grants_and_takes_away_the_commercial_role(
    users: dict[str, User],
) -> None:
    admin, member = users["department_admin"], users["none"]
    member = member_role_set(by=admin, member=member, role=Role.COMMERCIAL)
    assert member.role == Role.COMMERCIAL
    token_issue(user=member)
    member = member_role_set(by=admin, member=member, role=Role.NONE)
    assert member.role == Role.NONE and member.department == admin.department
    assert not ApiToken.objects.usable().filter(user=member).exists()
    changes = AuditEvent.objects.filter(action="user.changed", object_id=str(member.pk))
    assert [e.payload["role"] for e in changes.order_by("seq")] == ["commercial", "none"]
    assert {e.actor for e in changes} == {admin.username}


def test_a_department_administrator_changes_nobody_outside_their_department_or_rights(
    users: dict[str, User],
) -> None:
    admin = users["department_admin"]
    with pytest.raises(PermissionError):
        member_role_set(by=admin, member=users["outsider"], role=Role.NONE)
    with pytest.raises(ValidationFailed):
        member_role_set(by=admin, member=users["none"], role=Role.REVIEWER)
    with pytest.raises(ValidationFailed):
        member_role_set(by=admin, member=admin, role=Role.NONE)
    assert User.objects.get(pk=users["outsider"].pk).role == Role.COMMERCIAL
