"""Management commands: tokens and demo data."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from decisions.records.models import DecisionRecord
from decisions.rulesets.models import Ruleset
from sourcing.demo import DEMO_PASSWORD
from sourcing.models import ApiToken, Case, Department, User


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_issue_token_prints_a_working_token_on_its_last_line(users: dict[str, User]) -> None:
    token = run("issue_token", "user-auditor").strip().splitlines()[-1]
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json()["username"] == "user-auditor"


def test_issue_token_takes_days(users: dict[str, User]) -> None:
    run("issue_token", "user-auditor", "--days", "2")
    token = ApiToken.objects.get()
    assert 1 < (token.expires_at - token.created_at).total_seconds() / 86400 <= 2


def test_issue_token_for_an_unknown_user_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="No user called 'nobody'"):
        run("issue_token", "nobody")


def test_revoke_tokens_revokes_every_token(users: dict[str, User]) -> None:
    run("issue_token", "user-auditor")
    run("issue_token", "user-auditor")
    assert "Revoked 2 token(s)" in run("revoke_tokens", "user-auditor")
    assert not ApiToken.objects.usable().exists()


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
