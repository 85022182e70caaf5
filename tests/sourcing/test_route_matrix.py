"""Every route is declared in the permissions table, and answers each role as declared."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from decisions.cases.services import case_create, case_withdraw
from decisions.rulesets.models import GoldenCase
from sourcing.access import ANONYMOUS, API_NAMESPACE, PERMISSIONS, Access, access_for, is_declared
from sourcing.models import Role, User
from tests.factories import approved_case, complete_answers, submitted_case
from tests.sourcing.route_examples import ROUTE_EXAMPLES

SECRET = {**complete_answers(), "service_type": "internal_system"}

# Namespaces guarded as a whole: their parameterless routes need no example each.
WHOLE_NAMESPACES = {"admin"}


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, inner.strip(":"))
        elif isinstance(entry, URLPattern):
            name = entry.name or f"<unnamed {str(entry.pattern).replace(':', '=')}>"
            yield (f"{namespace}:{name}" if namespace else name), entry


def all_routes() -> list[tuple[str, URLPattern]]:
    return list(_walk(get_resolver().url_patterns))


def declared_calls() -> list[tuple[str, str, Access]]:
    """(view name, method, access) for every declared route the matrix calls."""
    calls = []
    for key, entry in PERMISSIONS.items():
        name = "admin:index" if key == "admin:*" else key
        methods = entry.items() if isinstance(entry, dict) else [("GET", entry)]
        calls.extend((name, method, access) for method, access in methods)
    return calls


def test_every_route_is_declared_in_the_permissions_table() -> None:
    undeclared = [name for name, _ in all_routes() if not is_declared(name)]
    assert undeclared == [], f"declare these routes in sourcing.access.PERMISSIONS: {undeclared}"


def test_every_declared_route_exists() -> None:
    names = {name for name, _ in all_routes()}
    namespaces = {name.split(":")[0] for name in names if ":" in name}
    missing = [
        key
        for key in PERMISSIONS
        if key not in names and not (key.endswith(":*") and key[:-2] in namespaces)
    ]
    assert missing == []


def test_every_parameterised_route_has_an_example() -> None:
    lacking = [
        name
        for name, pattern in all_routes()
        if pattern.pattern.regex.groups
        and name.split(":")[0] not in WHOLE_NAMESPACES
        and name not in ROUTE_EXAMPLES
    ]
    assert lacking == [], f"add examples to ROUTE_EXAMPLES for {lacking}"


def _call(client: Client, method: str, url: str) -> Any:
    if method == "GET":
        return client.get(url)
    return client.generic(method, url, data=b"", content_type="application/json")


CALLERS = [ANONYMOUS, *(role.value for role in Role)]


@pytest.mark.parametrize(("name", "method", "access"), declared_calls())
@pytest.mark.parametrize("caller", CALLERS)
def test_route_answers_each_role_as_declared(
    name: str,
    method: str,
    access: Access,
    caller: str,
    users: dict[str, User],
    client_as: Callable[[User | None], Client],
) -> None:
    client = client_as(None if caller == ANONYMOUS else users[caller])
    is_api = name.startswith(API_NAMESPACE + ":")
    examples = ROUTE_EXAMPLES[name](users) if name in ROUTE_EXAMPLES else {"own": {}}
    response = _call(client, method, reverse(name, kwargs=examples["own"]))
    if caller in access.roles:
        expected = access.ok_for(caller)
    elif caller == ANONYMOUS:
        expected = 401 if is_api else 302
    else:
        expected = 403
    assert response.status_code == expected, (name, method, caller, response.content[:300])
    if expected == 302 and caller == ANONYMOUS and caller not in access.roles:
        # Refused for want of signing in (a public route may redirect elsewhere: oidc_start
        # sends people to their identity provider).
        assert response["Location"].startswith(reverse("sign_in"))
    if access.scoped and caller in access.roles and "foreign" in examples:
        foreign = _call(client, method, reverse(name, kwargs=examples["foreign"]))
        if caller == Role.COMMERCIAL:
            # An empty body may be refused (400/422) before the object is looked up; that
            # reveals nothing. Anything else must be 404 for another department's object.
            allowed = {404, expected} if expected in (400, 422) else {404}
            assert foreign.status_code in allowed, (name, method, caller, foreign.status_code)


def test_an_undeclared_method_is_refused(client_as: Callable[[User | None], Client]) -> None:
    assert access_for("sign_out", "GET") is None
    response = client_as(None).get(reverse("sign_out"))
    assert response.status_code == 405


# Look-ups by reference outside the URL's own parameters go through the same scoping ---------


@pytest.mark.parametrize("stage", ["draft", "submitted", "withdrawn"])
def test_a_golden_case_is_never_made_from_a_case_still_with_its_department_or_in_review(
    stage: str, users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    owner = users["commercial"]
    if stage == "submitted":
        case = submitted_case(owner, title="Secret plans for the tax office")
    else:
        case = case_create(by=owner, title="Secret plans for the tax office", answers=SECRET)
        if stage == "withdrawn":
            case_withdraw(case=case, by=owner)
    steward = client_as(users["steward"])
    page = steward.get(reverse("golden_new"), {"case": case.reference})
    text = page.content.decode()
    assert page.status_code == 200
    assert f"There is no decided case {case.reference}" in text
    assert "Secret plans" not in text and "internal_system" not in text
    posted = steward.post(
        reverse("golden_new"),
        {"code": "G99", "title": "Copied", "case_reference": case.reference, "recommended": "buy"},
    )
    assert posted.status_code == 200
    assert f"There is no decided case {case.reference}" in posted.content.decode()
    assert not GoldenCase.objects.filter(code="G99").exists()


def test_a_golden_case_is_made_from_a_decided_case(
    users: dict[str, User], client_as: Callable[[User | None], Client]
) -> None:
    case = approved_case(users["commercial"], users["reviewer"])
    page = client_as(users["steward"]).get(reverse("golden_new"), {"case": case.reference})
    text = page.content.decode()
    assert case.title in text and "There is no decided case" not in text
    assert "&quot;service_type&quot;" in text  # its assessed answers, as JSON
