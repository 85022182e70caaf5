"""Management commands of the composition root: demo data."""

from __future__ import annotations

import io
import socket
import threading
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import requests
from django.core.management import CommandError, call_command
from django.core.management.commands import runserver
from django.db import connection
from django.test import Client

from decisions import engine
from decisions.audit.models import AuditEvent
from decisions.engine import OPTIONS
from decisions.integrity.verification import audit_verify
from decisions.records.models import DecisionRecord
from decisions.records.outcomes import OUTCOME_ACTION
from decisions.records.public_interest import (
    PARTS_NOT_RECORDED,
    public_interest_return,
    quarter_of,
    quarters_with_decisions,
)
from decisions.rulesets.models import Ruleset
from sourcing import demo_history
from sourcing.demo import DEMO_PASSWORD, demo_fingerprint, demo_sources
from sourcing.demo_history import (
    CURRENT_RULES_ON,
    FIRST_VERSION,
    PAST,
    PIT_BEFORE_PARTS,
    PIT_DONE,
)
from sourcing.management.commands import run_demo
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


def test_seed_demo_loads_a_year_of_demo_data_once(db: None) -> None:
    """One load (the past year renders its records' PDFs, so loads are few): what is there,
    then a second run that changes nothing."""
    run("seed_demo")
    alice_client = Client()
    alice_client.force_login(User.objects.get(username="alice"))
    events = AuditEvent.objects.count()
    assert "already loaded" in run("seed_demo")
    assert AuditEvent.objects.count() == events
    # Passwords are not set again, so demo users keep their sessions.
    assert alice_client.get("/api/v1/me").json()["username"] == "alice"
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
    statuses = Counter(Case.objects.values_list("department__code", "status"))
    assert statuses == {
        # today's cases
        ("dept-a", "approved"): 1 + 5,
        ("dept-a", "draft"): 2,
        ("dept-a", "returned"): 1,
        ("dept-a", "submitted"): 1,
        ("dept-b", "approved"): 1 + 5,
        ("dept-b", "draft"): 1,
        ("dept-b", "rejected"): 1,
        ("dept-b", "submitted"): 1,
        # and the past year's (sourcing.demo_history)
        ("dept-a", "rejected"): 1,
        ("dept-c", "approved"): 5,
    }
    assert DecisionRecord.objects.count() == 3 + len(PAST)
    assert DecisionRecord.objects.filter(overridden=True).count() == 1 + 2
    _ruleset_history()
    _spread_over_four_quarters()
    _the_return_flags_the_early_quarters_and_completes_the_later()
    _outcome_reviews_over_and_under_estimate()
    _carol_sees_the_pair_decided_differently_across_departments()
    assert audit_verify().valid


def _quarter(day: date) -> int:
    """0: December 2025 to February 2026, 1: March to May, 2: June to August, 3: September to
    November."""
    return (day.year * 12 + day.month - (2025 * 12 + 12)) // 3


def _spread_over_four_quarters() -> None:
    """Decisions of three departments in each quarter, every option, returns, reviews due and
    overdue, cases in the Public Interest Test's scope with and without the test done."""
    past = DecisionRecord.objects.filter(decided_at__date__lt=date(2026, 11, 30))
    by_quarter = Counter(_quarter(r.decided_at.date()) for r in past)
    assert sorted(by_quarter) == [0, 1, 2, 3]
    assert min(by_quarter.values()) >= 3
    assert {r.department.code for r in past} == {"dept-a", "dept-b", "dept-c"}
    assert {r.decided_option for r in past if r.action == "approve"} == set(OPTIONS)
    assert past.filter(action="reject").exists()
    # References follow the year the case was started in.
    assert DecisionRecord.objects.filter(reference__startswith="SRC-2025-").count() == 2
    returned = AuditEvent.objects.filter(action="case.returned").values("object_id").distinct()
    assert returned.count() == 3 + 1
    today = date(2026, 11, 30)
    outcomes = set(
        AuditEvent.objects.filter(action=OUTCOME_ACTION).values_list("object_id", flat=True)
    )
    open_reviews = DecisionRecord.objects.current_approvals().exclude(
        pk__in=[int(pk) for pk in outcomes]
    )
    assert open_reviews.filter(review_by__lt=today).count() >= 2  # overdue
    assert open_reviews.filter(review_by__gte=today, review_by__lt=date(2027, 1, 1)).count() >= 2
    # Each record was issued, and its PDF rendered, on the day decided (the chain verifies).
    issued = dict(
        AuditEvent.objects.filter(action="pdf.rendered").values_list("object_id", "occurred_at")
    )
    for record in past:
        assert issued[str(record.pk)].date() == record.decided_at.date()
    assert audit_verify().valid


def _ruleset_history() -> None:
    """2026.1 (format 1) from the demo's start, then the shipped default published by the
    stewards (four eyes) on CURRENT_RULES_ON; each past decision assessed under the rules
    current when its case was submitted."""
    first, current = Ruleset.objects.filter(published_at__isnull=False).order_by("published_at")
    assert Ruleset.objects.count() == 2 and Ruleset.objects.current() == current
    assert first.version == FIRST_VERSION and first.content.get("format", 1) == 1
    assert current.version == engine.default_ruleset().version
    assert current.sha256 == engine.default_ruleset().sha256
    assert current.published_at.date() == date.fromisoformat(CURRENT_RULES_ON)
    assert current.based_on == first and "Part 1" in current.change_summary
    published = AuditEvent.objects.get(action="ruleset.published", object_id=current.version)
    assert (published.actor, published.payload["approved_by"]) == ("erin", "tess")
    assert published.payload["based_on"] == FIRST_VERSION
    switch = date.fromisoformat(CURRENT_RULES_ON)
    for record in DecisionRecord.objects.all():
        expected = first if record.decided_at.date() < switch else current
        ruleset = record.content["identity"]["ruleset"]
        assert ruleset["version"] == expected.version, record.reference


def _the_return_flags_the_early_quarters_and_completes_the_later() -> None:
    """The quarterly Public Interest Test return of every quarter of the demo year: the cases
    in scope decided under 2026.1 are flagged (Part 1 and Part 2 not recorded), those decided
    under the current rules completed; the page and the CSV show both."""
    switch = date.fromisoformat(CURRENT_RULES_ON)
    rows = [
        row
        for quarter in quarters_with_decisions()
        for row in public_interest_return(quarter=quarter).rows
    ]
    flagged = [row for row in rows if not row.completed]
    completed = [row for row in rows if row.completed]
    assert len(flagged) >= 2 and len(completed) >= 3
    for row in flagged:
        assert row.decided_at.date() < switch and row.ruleset_version == FIRST_VERSION
        assert row.gaps == (PARTS_NOT_RECORDED,) and row.candidate is not None
        assert not row.parts_recorded and row.explanation == PIT_BEFORE_PARTS
    for row in completed:
        assert row.decided_at.date() >= switch and row.parts_recorded
        assert row.explanation == PIT_DONE
    dave = Client()
    dave.force_login(User.objects.get(username="dave"))
    early = quarter_of(flagged[0].decided_at).code
    page = dave.get(f"/returns/public-interest/?quarter={early}").content.decode()
    assert flagged[0].reference in page and "Part 1 and Part 2 were not recorded" in page
    late = quarter_of(completed[0].decided_at).code
    csv = dave.get(f"/returns/public-interest/download.csv?quarter={late}").content.decode()
    (line,) = [line for line in csv.splitlines() if completed[0].reference in line]
    assert "Part 1 and Part 2 were not recorded" not in line


def _outcome_reviews_over_and_under_estimate() -> None:
    events = list(AuditEvent.objects.filter(action=OUTCOME_ACTION).order_by("seq"))
    assert len(events) == 5
    records = DecisionRecord.objects.in_bulk([int(e.object_id) for e in events])
    variances = [e.payload["variance_gbp"] for e in events]
    assert any(v > 0 for v in variances) and any(v < 0 for v in variances)
    assert [e.payload["same_again"] for e in events].count(False) == 1
    # The override against the recommendation that went badly.
    (bad,) = [e for e in events if records[int(e.object_id)].overridden]
    assert bad.payload["variance_gbp"] > 0 and not bad.payload["same_again"]
    assert bad.payload["lock_in"] == "severe" and bad.payload["months_late"] > 0
    # alice's, recorded by her on the review-by date.
    (alices,) = [e for e in events if e.actor == "alice"]
    assert alices.occurred_at.date() == records[int(alices.object_id)].review_by
    assert {e.department for e in events} == {"dept-a", "dept-b", "dept-c"}


def _carol_sees_the_pair_decided_differently_across_departments() -> None:
    """The review page of alice's case under review, and the consistency report."""
    carol = Client()
    carol.force_login(User.objects.get(username="carol"))
    under_review = Case.objects.get(title="Case management system for benefit appeals")
    a = DecisionRecord.objects.get(case__title="Complaints case management")
    b = DecisionRecord.objects.get(case__title="Tribunal appeals tracking")
    assert (a.department.code, a.decided_option) == ("dept-a", "build")
    assert (b.department.code, b.decided_option, b.overridden) == ("dept-b", "procure", True)
    page = carol.get(f"/review/{under_review.reference}/").content.decode()
    similar = page[page.index("Similar cases, most similar first") :]
    assert "1 decided Build, 1 Procure" in page
    row_b = similar[similar.index(b.reference) - 400 : similar.index(b.reference) + 600]
    assert "Decided differently" in row_b and "Department for Housing and Regions" in row_b
    report = carol.get("/review/consistency/").content.decode()
    assert a.reference in report and b.reference in report
    csv = carol.get("/review/consistency/csv/").content.decode()
    assert any(a.reference in line and b.reference in line for line in csv.splitlines())


def test_the_demo_fingerprint_covers_the_past_year(monkeypatch, tmp_path) -> None:
    assert Path(demo_history.__file__) in demo_sources()
    before = demo_fingerprint()
    changed = tmp_path / "demo_history.py"
    changed.write_bytes(Path(demo_history.__file__).read_bytes() + b"# one more case\n")
    sources = tuple(changed if p.name == "demo_history.py" else p for p in demo_sources())
    monkeypatch.setattr("sourcing.demo.demo_sources", lambda: sources)
    assert demo_fingerprint() != before


@pytest.mark.parametrize("name", ["RULESET_2026_1_PATH", "GOLDEN_CASES_2026_1_PATH"])
def test_the_demo_fingerprint_covers_the_ruleset_history(monkeypatch, tmp_path, name) -> None:
    """A change to the rules of 2026.1 or their golden cases (the demo's early decisions) loads
    the demo data again."""
    before = demo_fingerprint()
    changed = tmp_path / "changed.json"
    changed.write_bytes(getattr(engine, name).read_bytes() + b"\n")
    monkeypatch.setattr(f"sourcing.demo.{name}", changed)
    assert demo_fingerprint() != before


def test_seed_demo_refuses_in_production(db: None, settings) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_loads_again_when_a_demo_user_is_missing_but_keeps_the_others(
    db: None,
) -> None:
    run("seed_demo")
    bob_password = User.objects.get(username="bob").password
    User.objects.filter(username="erin").update(role="auditor")
    assert "Demo data ready" in run("seed_demo")
    assert User.objects.get(username="erin").role == "steward"
    assert User.objects.get(username="bob").password == bob_password
    # The demo users' one password is hashed once for all of them, and signs each in.
    assert all(u.check_password("sourcing-demo-2026") for u in User.objects.filter(role="steward"))


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


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("localhost", port)) == 0


def test_run_demo_starts_the_development_provider_once_the_server_listens(
    settings, monkeypatch
) -> None:
    """Without the reloader (make run), the provider is not loaded before the server's first
    page can be served, is serving soon after it binds, and stops with it (ADR 0037)."""
    port = _free_port()
    settings.OIDC_MOCK, settings.OIDC_MOCK_PORT = True, port
    settings.OIDC_ISSUER = f"http://localhost:{port}"
    monkeypatch.setattr(run_demo, "migrations_pending", lambda: False)
    monkeypatch.setattr(run_demo, "call_command", lambda *args, **kwargs: None)  # seed_demo
    swept = threading.Event()  # the outboxes' sweep, after the provider has started
    monkeypatch.setattr(run_demo, "_render_waiting_pdfs", swept.set)
    monkeypatch.setattr(run_demo, "PROVIDER_DELAY", 0.2)
    seen: dict[str, bool] = {}

    def serve(addr: str, server_port: int, handler: object, *, on_bind, **kwargs) -> None:
        seen["before the bind"] = _listening(port)
        on_bind(server_port)
        seen["as it binds"] = _listening(port)
        seen["swept"] = swept.wait(30)
        seen["after the bind"] = _listening(port)

    monkeypatch.setattr(runserver, "run", serve)
    out = io.StringIO()
    call_command("run_demo", "--noreload", "--skip-checks", "127.0.0.1:8799", stdout=out)
    assert seen == {
        "before the bind": False,
        "as it binds": False,
        "swept": True,
        "after the bind": True,
    }
    assert not _listening(port)  # stopped with the server
    assert "Development identity provider" in out.getvalue()
