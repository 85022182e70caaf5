"""Template context: the service navigation and the permission flags (`may`) for the signed-in
user's role, both read from the one permissions table (sourcing.access.PERMISSIONS)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse

from sourcing.access import access_for, role_of

# (label, view name) in display order; each shows only to roles the permissions table allows.
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("Home", "home"),
    ("Your cases", "case_list"),
    ("Your department", "department_people"),
    ("Centre of Excellence roles", "coe_people"),
    ("Review queue", "review_queue"),
    ("Decision records", "record_list"),
    ("Suppliers", "supplier_list"),
    ("Contracts", "contract_list"),
    ("Dashboard", "coe_dashboard"),
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


class May(Mapping[str, bool]):
    """`may.<view name>` in a template: whether the user's role may call that route, by the
    permissions table (GET where the route declares it, else POST). A namespaced name is
    written with "__" for ":" (`may.admin__index`). Unknown names are False. Department
    scoping still applies when the route is called: a flag says the role may, not that every
    object is visible."""

    def __init__(self, role: str) -> None:
        self.role = role

    def __getitem__(self, name: str) -> bool:
        view_name = name.replace("__", ":")
        access = access_for(view_name, "GET") or access_for(view_name, "POST")
        return access is not None and self.role in access.roles

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def permissions(request: HttpRequest) -> dict[str, Any]:
    """`may`: the permission flags of the caller's role (anonymous included)."""
    return {"may": May(role_of(getattr(request, "user", None)))}


# (role, script prefix, URLconf) -> the role's (label, url) items: the permissions table and
# the URLconf are fixed for a process, so each role's list is worked out once, not per page.
_SHOWN: dict[tuple[str, str, Any], tuple[tuple[str, str], ...]] = {}


def _shown(role: str) -> tuple[tuple[str, str], ...]:
    """The navigation items a role may open, as (label, url), in display order."""
    key = (role, get_script_prefix(), get_urlconf())
    shown = _SHOWN.get(key)
    if shown is None:
        shown = _SHOWN[key] = tuple(
            (label, reverse(name))
            for label, name in (*NAVIGATION, ADMIN_NAVIGATION)
            if (access := access_for(name, "GET")) is not None and role in access.roles
        )
    return shown


def navigation(request: HttpRequest) -> dict[str, Any]:
    """`nav_items` for the service navigation: a tuple of NavItems (hashable, so the layout
    renders each role's navigation once per current item: sourcing.templatetags.layout)."""
    # Anonymous people see the public pages (the register, the API documentation).
    shown = _shown(role_of(getattr(request, "user", None)))
    # The item whose address is the longest start of the page's (/review/dashboard/ is the
    # dashboard's, not the review queue's at /review/); home only on itself.
    within = [url for _, url in shown if url != "/" and request.path.startswith(url)]
    current = max(within, key=len) if within else ("/" if request.path == "/" else None)
    return {"nav_items": tuple(NavItem(label, url, url == current) for label, url in shown)}
