"""Template context: the service navigation for the signed-in user's role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from sourcing.access import access_for, role_of

# (label, view name) in display order; each shows only to roles the permissions table allows.
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("Home", "home"),
    ("Your cases", "case_list"),
    ("Review queue", "review_queue"),
    ("Decision records", "record_list"),
    ("Suppliers", "supplier_list"),
    ("Contracts", "contract_list"),
    ("Concentration", "concentration_radar"),
    ("Audit chain", "audit_chain"),
    ("Rulesets", "ruleset_list"),
    ("Exports", "export_start"),
    ("Register", "register"),
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
    # Anonymous people see the public pages (the register, the API documentation).
    role = role_of(getattr(request, "user", None))
    items = []
    for label, name in (*NAVIGATION, ADMIN_NAVIGATION):
        access = access_for(name, "GET")
        if access is None or role not in access.roles:
            continue
        url = reverse(name)
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append(NavItem(label, url, active))
    return {"nav_items": items}
