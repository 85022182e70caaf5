"""Management commands of people: issue and revoke API tokens."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from sourcing.models import ApiToken, User


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


@pytest.mark.parametrize("days", ["367", "2000000", "9" * 400, "0"])
def test_issue_token_refuses_a_lifetime_out_of_range_with_a_clear_error(
    users: dict[str, User], days: str
) -> None:
    with pytest.raises(CommandError, match=r"at (most 366|least 1) day"):
        run("issue_token", "user-auditor", "--days", days)
    assert not ApiToken.objects.exists()


def test_issue_token_for_an_unknown_user_is_an_error(db: None) -> None:
    with pytest.raises(CommandError, match="No user called 'nobody'"):
        run("issue_token", "nobody")


def test_revoke_tokens_revokes_every_token(users: dict[str, User]) -> None:
    run("issue_token", "user-auditor")
    run("issue_token", "user-auditor")
    assert "Revoked 2 token(s)" in run("revoke_tokens", "user-auditor")
    assert not ApiToken.objects.usable().exists()
