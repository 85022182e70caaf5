"""Management commands of the composition root: demo data."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from decisions.records.models import DecisionRecord
from decisions.rulesets.models import Ruleset
from sourcing.demo import DEMO_PASSWORD
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
