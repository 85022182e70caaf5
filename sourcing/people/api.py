"""JSON API of people: who the caller is (declared in sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from sourcing.access import signed_in_user
from sourcing.api_schemas import responses

router = Router(tags=["people"])


class MeOut(Schema):
    username: str
    role: str
    department: str | None


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
