"""Management commands of the composition root: demo data."""

from __future__ import annotations

import io
import socket

import pytest
import requests
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from decisions.audit.models import AuditEvent
from decisions.records.models import DecisionRecord
from decisions.rulesets.models import Ruleset
from sourcing.demo import DEMO_PASSWORD
from sourcing.management.commands.run_demo import (
    development_provider,
    migration_files,
    migrations_pending,
)
from sourcing.models import Case, Department, User


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_seed_demo_is_idempotent(db: None) -> None:
    run("seed_demo")
    run("seed_demo")
    assert Department.objects.count() == 3
    alice = User.objects.get(username="alice")
    assert alice.role == "commercial" and alice.department.code == "dept-a"
    assert User.objects.get(username="bob").department.code == "dept-b"
    assert {
        u.username: u.role for u in User.objects.filter(username__in="carol dave erin".split())
    } == {
        "carol": "reviewer",
        "dave": "auditor",
        "erin": "steward",
    }
    assert alice.check_password(DEMO_PASSWORD)
    statuses = sorted(Case.objects.values_list("department__code", "status"))
    assert statuses == [
        ("dept-a", "approved"),
        ("dept-a", "draft"),
        ("dept-a", "draft"),
        ("dept-a", "returned"),
        ("dept-a", "submitted"),
        ("dept-b", "approved"),
        ("dept-b", "draft"),
        ("dept-b", "rejected"),
        ("dept-b", "submitted"),
    ]
    assert DecisionRecord.objects.count() == 3
    assert DecisionRecord.objects.filter(overridden=True).count() == 1
    assert Ruleset.objects.count() == 1


def test_seed_demo_refuses_in_production(db: None, settings) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_does_nothing_when_the_demo_data_is_current(db: None) -> None:
    run("seed_demo")
    alice = User.objects.get(username="alice")
    client = Client()
    client.force_login(alice)
    events = AuditEvent.objects.count()
    assert "already loaded" in run("seed_demo")
    assert AuditEvent.objects.count() == events
    # Passwords are not set again, so demo users keep their sessions.
    assert User.objects.get(username="alice").password == alice.password
    assert client.get("/api/v1/me").json()["username"] == "alice"


def test_seed_demo_loads_again_when_a_demo_user_is_missing_but_keeps_the_others(
    db: None,
) -> None:
    run("seed_demo")
    bob_password = User.objects.get(username="bob").password
    User.objects.filter(username="erin").update(role="auditor")
    assert "Demo data ready" in run("seed_demo")
    assert User.objects.get(username="erin").role == "steward"
    assert User.objects.get(username="bob").password == bob_password


def test_migrations_pending_reads_the_migration_table(db: None) -> None:
    assert not migrations_pending()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'suppliers'")
    assert migrations_pending()
    assert ("sourcing", "0001_initial") in migration_files()


# run_demo's development identity provider (oidc-provider-mock) ---------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("localhost", 0))
        return int(probe.getsockname()[1])


def test_run_demo_serves_the_development_provider_with_the_demo_accounts(settings) -> None:
    port = _free_port()
    settings.OIDC_MOCK, settings.OIDC_MOCK_PORT = True, port
    settings.OIDC_ISSUER = f"http://localhost:{port}"
    said: list[str] = []
    with development_provider(said.append):
        config = requests.get(
            f"{settings.OIDC_ISSUER}/.well-known/openid-configuration", timeout=10
        )
        form = requests.get(
            f"{settings.OIDC_ISSUER}/oauth2/authorize",
            params={
                "client_id": "sourcing-decisions",
                "response_type": "code",
                "scope": "openid",
                "redirect_uri": "http://127.0.0.1:8000/sign-in/department/callback/",
                "nonce": "n",
            },
            timeout=10,
        )
    assert config.json()["issuer"] == settings.OIDC_ISSUER
    assert "Authorize as alice" in form.text and "Authorize as fiona" in form.text
    assert "alice, bob, carol" in said[0]


def test_run_demo_goes_on_when_the_providers_port_is_taken(settings) -> None:
    with socket.socket() as taken:
        taken.bind(("localhost", 0))
        taken.listen()
        settings.OIDC_MOCK, settings.OIDC_MOCK_PORT = True, taken.getsockname()[1]
        said: list[str] = []
        with development_provider(said.append):
            pass
    assert "could not start on port" in said[0] and "Password sign-in still works" in said[0]


def test_run_demo_starts_no_provider_when_one_is_configured(settings) -> None:
    settings.OIDC_MOCK = False
    said: list[str] = []
    with development_provider(said.append):
        pass
    assert said == []
