"""Template context: the service navigation for the signed-in user's role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from sourcing.access import ANONYMOUS, access_for, role_of

# (label, view name) in display order; each shows only to roles the permissions table allows.
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("Home", "home"),
    ("Your cases", "case_list"),
    ("Rulesets", "ruleset_list"),
    ("Exports", "export_start"),
    ("API documentation", "api:openapi-view"),
)
ADMIN_NAVIGATION = ("Administration", "admin:index")


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    active: bool


def navigation(request: HttpRequest) -> dict[str, Any]:
    """`nav_items` for the service navigation."""
    role = role_of(getattr(request, "user", None))
    if role == ANONYMOUS:
        return {"nav_items": []}
    items = []
    for label, name in (*NAVIGATION, ADMIN_NAVIGATION):
        access = access_for(name, "GET")
        if access is None or role not in access.roles:
            continue
        url = reverse(name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append(NavItem(label, url, active))
    return {"nav_items": items}
