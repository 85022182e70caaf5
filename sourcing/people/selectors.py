"""Reads of people and access, shared by the pages and the API: a department's members and
invitations (its administrator's), and the people whose Centre of Excellence roles the service
administrator manages (docs/decisions/0025)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from sourcing.models import Invitation, InvitationQuerySet, Role, SignInIdentity, User

# The Centre of Excellence's roles, granted and taken away by the service administrator.
COE_ROLES = frozenset({Role.REVIEWER, Role.AUDITOR, Role.STEWARD})


def department_members(department_id: int) -> QuerySet[User]:
    """The people of a department (someone of another department is not among them), by last
    name then username, with their department and sign-in identities (one query for the
    people, one for the identities)."""
    return (
        User.objects.filter(department_id=department_id)
        .select_related("department")
        .prefetch_related("identities")
        .order_by("last_name", "username", "pk")
    )


def department_members_listed(department_id: int) -> QuerySet[User]:
    """department_members as its administrator's page lists them: whether each signs in with
    a department account annotated (`has_identity`: bool) rather than their identities
    prefetched (one query)."""
    identities = SignInIdentity.objects.filter(user=OuterRef("pk"))
    return (
        department_members(department_id)
        .prefetch_related(None)
        .annotate(has_identity=Exists(identities))
    )


def department_invitations(department_id: int) -> InvitationQuerySet:
    """The invitations of a department, pending or not (InvitationQuerySet.pending narrows),
    newest first, with who invited."""
    return Invitation.objects.filter(department_id=department_id).select_related(
        "invited_by", "department"
    )


def coe_people() -> QuerySet[User]:
    """People whose role the service administrator may set to a Centre of Excellence role or
    none: those with a CoE role, and those with no role yet (of a department or none), by last
    name then username."""
    return (
        User.objects.filter(Q(role__in=COE_ROLES) | Q(role=Role.NONE))
        .select_related("department")
        .prefetch_related("identities")
        .order_by("last_name", "username", "pk")
    )
