"""Template flags come from the one permissions table: `may.<view>` is what the table says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import RequestFactory

from sourcing.access import ANONYMOUS, PERMISSIONS, ROLES, access_for, is_declared
from sourcing.context_processors import May, permissions
from sourcing.models import User


@pytest.mark.parametrize("role", sorted(ROLES | {ANONYMOUS}))
def test_every_flag_is_the_permissions_table_s_answer(role: str) -> None:
    may = May(role)
    for name in PERMISSIONS:
        if name.endswith(":*"):
            continue
        access = access_for(name, "GET") or access_for(name, "POST")
        assert access is not None
        assert may[name.replace(":", "__")] is (role in access.roles), (role, name)
    assert may["admin__index"] is (role == "admin")
    assert may["no_such_route"] is False


def test_the_context_processor_reads_the_caller_s_role(users: dict[str, User]) -> None:
    request: Any = RequestFactory().get("/")
    request.user = users["auditor"]
    may = permissions(request)["may"]
    assert may["audit_chain"] and not may["record_pdf_retry"] and not may["case_list"]


def test_pages_show_links_by_the_flags(users: dict[str, User], client_as: Any) -> None:
    home = client_as(users["steward"]).get("/").content.decode()
    assert "Draft, test and publish versions of the sourcing ruleset." in home
    home = client_as(users["auditor"]).get("/").content.decode()
    assert "You cannot change anything." in home


def test_every_flag_a_template_reads_names_a_declared_route() -> None:
    templates = Path(__file__).resolve().parents[2] / "templates"
    used = {
        name
        for path in templates.rglob("*.html")
        for name in re.findall(r"\bmay\.(\w+)", path.read_text())
    }
    assert used >= {"audit_chain", "record_pdf_retry", "case_detail", "case_list"}
    for name in used:
        assert is_declared(name.replace("__", ":")), name
