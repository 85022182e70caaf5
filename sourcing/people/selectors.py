"""Reads of people and access for a department's administrator: the department's members and
its invitations."""

from __future__ import annotations

from django.db.models import QuerySet

from sourcing.models import Invitation, InvitationQuerySet, User


def department_members(department_id: int) -> QuerySet[User]:
    """The people of a department (someone of another department is not among them)."""
    return User.objects.filter(department_id=department_id)


def department_invitations(department_id: int) -> InvitationQuerySet:
    """The invitations of a department, pending or not (InvitationQuerySet.pending narrows)."""
    return Invitation.objects.filter(department_id=department_id)
