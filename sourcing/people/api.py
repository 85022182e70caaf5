"""JSON API of people: who the caller is; the department administrator's people, invitations
and grants; the service administrator's Centre of Excellence roles (declared in
sourcing.access.PERMISSIONS). The same services as the pages (sourcing.people.services): a
service's ValidationFailed is a 422 naming the field; another department's person or
invitation is a 404."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from pydantic import ConfigDict

from sourcing.access import signed_in_user
from sourcing.api_body import documented_body, json_body
from sourcing.api_schemas import PageOut, PageQuery, page_of, responses
from sourcing.models import ESSENTIAL_KINDS, Invitation, NotificationKind, User
from sourcing.notifications import (
    notification_settings_problems,
    notification_settings_save,
    notifications_off,
    optional_kinds,
)
from sourcing.people.selectors import coe_people, department_invitations, department_members
from sourcing.people.services import (
    coe_role_set,
    invitation_create,
    invitation_withdraw,
    member_close,
    member_role_set,
)

router = Router(tags=["people"])
_STRICT: ConfigDict = {"extra": "forbid"}


class MeOut(Schema):
    username: str
    role: str
    department: str | None


class RoleIn(Schema):
    role: str

    model_config = _STRICT


class InvitationIn(Schema):
    email: str

    model_config = _STRICT


@router.get("/me", url_name="me", response=responses({200: MeOut}))
def me(request: HttpRequest) -> dict[str, Any]:
    """Who the caller is: username, role and department."""
    user = signed_in_user(request)
    department = user.department
    return {
        "username": user.get_username(),
        "role": user.role,
        "department": department.code if department else None,
    }


def person_out(user: User) -> dict[str, Any]:
    """A person as the administrators' API shows them: `sign_in` lists their provider
    accounts (issuer and last sign-in; empty: password only)."""
    return {
        "id": user.pk,
        "username": user.get_username(),
        "name": user.get_full_name(),
        "email": user.email,
        "role": user.role,
        "role_label": user.get_role_display(),
        "department": user.department.code if user.department else None,
        "is_active": user.is_active,
        "sign_in": [
            {
                "issuer": identity.issuer,
                "last_sign_in_at": (
                    identity.last_sign_in_at.isoformat() if identity.last_sign_in_at else None
                ),
            }
            for identity in user.identities.all()
        ],
    }


def invitation_out(invitation: Invitation) -> dict[str, Any]:
    """An invitation: `status` pending, accepted or withdrawn."""
    status = (
        "accepted"
        if invitation.accepted_at
        else "withdrawn"
        if invitation.withdrawn_at
        else "pending"
    )
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "department": invitation.department.code,
        "invited_by": invitation.invited_by.get_username(),
        "created_at": invitation.created_at.isoformat(),
        "status": status,
    }


def _department_id(request: HttpRequest) -> int:
    department_id = signed_in_user(request).department_id
    if department_id is None:
        raise Http404("No department.")
    return department_id


# The department administrator --------------------------------------------------------------------


@router.get("/department/people", url_name="department_people", response=responses({200: PageOut}))
def department_people(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """The people of the caller's department with their roles and how they sign in, by last
    name; `limit` and `offset` page them."""
    return page_of(department_members(_department_id(request)), page, person_out)


@router.post(
    "/department/people/{int:user_id}/role",
    url_name="department_person_role",
    response=responses({200: dict[str, Any]}),
    openapi_extra=documented_body(RoleIn),
)
def department_person_role(request: HttpRequest, user_id: int) -> dict[str, Any]:
    """Grant (`{"role": "commercial"}`) or take away (`{"role": "none"}`) the department
    commercial role of someone of the caller's department (member_role_set; taking it away
    revokes their API tokens). 422 on `role`; another department's person: 404."""
    admin = signed_in_user(request)
    member = get_object_or_404(department_members(_department_id(request)), pk=user_id)
    body = json_body(request, RoleIn)
    return person_out(member_role_set(by=admin, member=member, role=body.role))


@router.post(
    "/department/people/{int:user_id}/close",
    url_name="department_person_close",
    response=responses({200: dict[str, Any]}),
)
def department_person_close(request: HttpRequest, user_id: int) -> dict[str, Any]:
    """Close the account of someone of the caller's department who has left (member_close:
    their tokens revoked, their sessions ended, their provider sign-in refused); 422 on
    `account` for themselves, another administrator or an account closed already; another
    department's person: 404."""
    admin = signed_in_user(request)
    member = get_object_or_404(department_members(_department_id(request)), pk=user_id)
    return person_out(member_close(by=admin, member=member))


@router.get(
    "/department/invitations",
    url_name="department_invitations",
    response=responses({200: PageOut}),
)
def department_invitations_list(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """The caller's department's pending invitations, newest first; paged."""
    invitations = department_invitations(_department_id(request)).pending()
    return page_of(invitations, page, invitation_out)


@router.post(
    "/department/invitations",
    url_name="department_invitations",
    response=responses({201: dict[str, Any]}),
    openapi_extra=documented_body(InvitationIn),
)
def department_invite(request: HttpRequest) -> Status[dict[str, Any]]:
    """Invite a colleague by email (`{"email": ...}`): their first sign-in through their
    department's provider gets the commercial role (invitation_create). 422 on `email`: not
    an address, of another department's domain, already invited or already a member."""
    _department_id(request)
    body = json_body(request, InvitationIn)
    invitation = invitation_create(by=signed_in_user(request), email=body.email)
    return Status(201, invitation_out(invitation))


@router.post(
    "/department/invitations/{int:invitation_id}/withdraw",
    url_name="department_invitation_withdraw",
    response=responses({200: dict[str, Any]}),
)
def department_invitation_withdraw(request: HttpRequest, invitation_id: int) -> dict[str, Any]:
    """Withdraw a pending invitation of the caller's department (invitation_withdraw); 422 on
    `invitation` when it is no longer pending; another department's: 404."""
    invitation = get_object_or_404(
        department_invitations(_department_id(request)), pk=invitation_id
    )
    invitation_withdraw(by=signed_in_user(request), invitation=invitation)
    invitation.refresh_from_db()
    return invitation_out(invitation)


# The service administrator: the Centre of Excellence's roles ------------------------------------


@router.get("/centre/people", url_name="coe_people", response=responses({200: PageOut}))
def centre_people(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """People with a Centre of Excellence role (reviewer, auditor, steward) or no role yet, by
    last name; paged."""
    return page_of(coe_people(), page, person_out)


@router.post(
    "/centre/people/{int:user_id}/role",
    url_name="coe_person_role",
    response=responses({200: dict[str, Any]}),
    openapi_extra=documented_body(RoleIn),
)
def centre_person_role(request: HttpRequest, user_id: int) -> dict[str, Any]:
    """Grant a CoE role (`{"role": "reviewer" | "auditor" | "steward"}`; they leave their
    department) or take it away (`{"role": "none"}`; their API tokens are revoked), through
    coe_role_set. 422 on `role`; someone with another role (a department's people, an
    administrator): 404."""
    person = get_object_or_404(coe_people(), pk=user_id)
    body = json_body(request, RoleIn)
    return person_out(coe_role_set(by=signed_in_user(request), person=person, role=body.role))


class NotificationSettingsIn(Schema):
    off: list[str]

    model_config = _STRICT


def _notification_settings_out(user: User) -> dict[str, Any]:
    off = notifications_off(user)
    return {
        "email": user.email,
        "optional": [
            {"kind": k.value, "label": k.label, "on": k.value not in off}
            for k in optional_kinds(user)
        ],
        "always": sorted(k for k in NotificationKind.values if k in ESSENTIAL_KINDS),
    }


@router.get(
    "/me/notifications",
    url_name="notification_settings",
    response=responses({200: dict[str, Any]}),
)
def notification_settings_read(request: HttpRequest) -> dict[str, Any]:
    """Your notification settings: your email address, the optional kinds of email your role
    receives (`kind`, `label`, `on`) and the kinds always sent (`always`)."""
    return _notification_settings_out(signed_in_user(request))


@router.put(
    "/me/notifications",
    url_name="notification_settings",
    response=responses({200: dict[str, Any]}),
    openapi_extra=documented_body(NotificationSettingsIn),
)
def notification_settings_write(request: HttpRequest) -> dict[str, Any]:
    """Turn off exactly the optional kinds listed in `off` (the others on); 422 on `off` for a
    kind that is not one of yours to turn off. Answers as GET."""
    user = signed_in_user(request)
    body = json_body(
        request,
        NotificationSettingsIn,
        lambda d: notification_settings_problems(user=user, off=d.get("off")),
    )
    notification_settings_save(user=user, off=body.off)
    return _notification_settings_out(user)
