"""The impact preview of a draft and the replay of approved decisions: runs with progress."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from decisions import engine
from decisions.assessments.services import assessment_run
from decisions.cases.services import case_create, case_submit, case_update, signoff_record
from decisions.impact.selectors import decisions_flagged_by_replay
from decisions.impact.services import ruleset_impact_start, ruleset_replay_start
from decisions.records.models import DecisionRecord
from decisions.review.services import review_decide
from decisions.rulesets.models import GoldenCase, Ruleset, RulesetRun
from decisions.rulesets.selectors import ruleset_golden_run
from decisions.rulesets.services import (
    golden_cases_import,
    ruleset_draft_create,
    ruleset_publish,
    ruleset_publish_default,
    ruleset_rule_save,
)
from sourcing.models import Case, Discipline, User
from tests.factories import ready_case, second_steward_approves

GOLDEN = json.loads(engine.GOLDEN_CASES_PATH.read_text())["cases"]

# Impact previews and replays are Celery runs: here they run in-process.
pytestmark = pytest.mark.usefixtures("eager_tasks")


@pytest.fixture
def published(db: None) -> Ruleset:
    """The shipped default as the current version, with the golden cases in the database."""
    ruleset = ruleset_publish_default()
    golden_cases_import()
    return ruleset


def _rule(ruleset: Ruleset, rule_id: str) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in ruleset.content["rules"] if r["id"] == rule_id))


def _draft_with(steward: User, version: str, rule_id: str, **effects: int) -> Ruleset:
    """A draft of the current version with one rule's weights changed."""
    draft = ruleset_draft_create(by=steward, version=version)
    rule = _rule(draft, rule_id)
    rule["effects"].update(effects)
    return ruleset_rule_save(draft=draft, by=steward, rule=rule, replaces=rule_id)


def _submit(case: Case, owner: User) -> Case:
    """Explain, sign off and submit a case on its latest assessment."""
    latest = case.assessments.order_by("-created_at", "-pk").first()
    assert latest is not None
    explain = {
        c["check"]: "Explained." for c in latest.result["policy_checks"] if c["result"] == "explain"
    }
    case_update(case=case, by=owner, explanations=explain, sro_name="Sam Owner")
    for discipline in Discipline.values:
        signoff_record(case=case, by=owner, discipline=discipline, name=f"{discipline} lead")
    case.refresh_from_db()
    return case_submit(case=case, by=owner)


def _run_now(start: Callable[[], RulesetRun], capture: Any) -> RulesetRun:
    """Start a run and let its (eager) task run when the transaction commits."""
    with capture(execute=True):
        run = start()
    run.refresh_from_db()
    return run


def test_a_draft_changing_one_weight_shows_exactly_the_affected_cases(
    users: dict[str, User],
    published: Ruleset,
    client_as: Callable[[User | None], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # A constructed set: every golden case's answers, submitted, in two departments; one case
    # assessed twice, where only the latest assessment counts; drafts are never read.
    cases = {}
    for index, golden in enumerate(GOLDEN):
        owner = users["commercial"] if index % 2 else users["outsider"]
        case = case_create(by=owner, title=golden["title"][:200], answers=golden["answers"])
        assessment_run(case=case, by=owner)
        cases[case.pk] = (_submit(case, owner), golden["answers"])
    twice = case_create(
        by=users["commercial"], title="Assessed twice", answers=GOLDEN[3]["answers"]
    )
    assessment_run(case=twice, by=users["commercial"])
    case_update(case=twice, by=users["commercial"], answers=GOLDEN[0]["answers"])
    assessment_run(case=twice, by=users["commercial"])
    cases[twice.pk] = (_submit(twice, users["commercial"]), GOLDEN[0]["answers"])
    draft_titles = []
    for index, golden in enumerate(GOLDEN[:6]):
        title = f"Unsubmitted draft {index}"
        draft_case = case_create(by=users["outsider"], title=title, answers=golden["answers"])
        assessment_run(case=draft_case, by=users["outsider"])
        draft_titles.append(title)
    draft = _draft_with(users["steward"], "2026.3", "R05", build=-100)
    old, new = engine.load_ruleset(published.content), engine.load_ruleset(draft.content)
    expected = {
        case.reference: (engine.assess(a, old).recommended, engine.assess(a, new).recommended)
        for case, a in cases.values()
        if engine.assess(a, old).recommended != engine.assess(a, new).recommended
    }
    assert 0 < len(expected) < len(cases)
    run = _run_now(
        lambda: ruleset_impact_start(draft=draft, by=users["steward"]),
        django_capture_on_commit_callbacks,
    )
    assert run.status == "done" and run.done == run.total == len(cases)
    result = run.result
    assert result["total"] == len(cases) and result["changed"] == len(expected)
    got = {c["reference"]: (c["old"], c["new"]) for c in result["changes"]}
    assert got == {ref: (o or "none", n or "none") for ref, (o, n) in expected.items()}
    assert sum(sum(row.values()) for row in result["matrix"].values()) == len(cases)
    assert {c["department"] for c in result["changes"]} <= {"dept-a", "dept-b"}
    assert all("title" not in c for c in result["changes"])  # by reference and option only
    # The page shows the matrix and the list, filtered by department; no case's title.
    client = client_as(users["steward"])
    url = reverse("ruleset_impact_run", args=[run.pk])
    page = client.get(url).content.decode()
    assert f"{len(expected)} of {len(cases)} recommendations would change" in page
    assert not any(title in page for title in draft_titles)
    assert not any(case.title in page for case, _answers in cases.values())
    filtered = client.get(url, {"department": "dept-a"}).content.decode()
    for reference, _ in expected.items():
        department = next(c["department"] for c in result["changes"] if c["reference"] == reference)
        assert (reference in filtered) == (department == "dept-a")
    polled = client.get(url, headers={"HX-Request": "true"})
    assert polled.status_code == 286 and polled["HX-Refresh"] == "true"


def test_a_running_preview_shows_its_progress_and_polls(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    draft = ruleset_draft_create(by=users["steward"], version="2026.3")
    run = ruleset_impact_start(draft=draft, by=users["steward"])  # not committed: still pending
    RulesetRun.objects.filter(pk=run.pk).update(total=200, done=50, status="running")
    client = client_as(users["steward"])
    url = reverse("ruleset_impact_run", args=[run.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "50 of 200 run (25%)" in page
    assert f'href="{url}"' in page  # the plain link without JavaScript
    polled = client.get(url, headers={"HX-Request": "true"})
    assert polled.status_code == 200 and "<html" not in polled.content.decode()


def test_replay_flags_approved_decisions_that_would_now_differ(
    users: dict[str, User],
    published: Ruleset,
    client_as: Callable[[User | None], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    owner = users["commercial"]
    case = case_submit(case=ready_case(owner), by=owner)
    record = review_decide(case=case, by=users["reviewer"], action="approve")
    assert record is not None and record.recommended == "buy"
    # The replay reads the answers and the pinned version the database keeps beside the content.
    assert DecisionRecord.objects.values_list("answers", "ruleset_version").get(pk=record.pk) == (
        record.content["answers"],
        record.content["identity"]["ruleset"]["version"],
    )
    run = _run_now(
        lambda: ruleset_replay_start(by=users["reviewer"]), django_capture_on_commit_callbacks
    )
    assert run.result["total"] == 1 and run.result["changed"] == 0
    assert decisions_flagged_by_replay() == set()
    # A policy change that turns this need away from buy; the agreed answers it breaks are
    # withdrawn (as a steward would, with the policy), so that it can be published.
    draft = _draft_with(users["steward"], "2026.3", "R02", buy=-500)
    failures = [r.case_id for r in ruleset_golden_run(draft).failures]
    assert "G01" in failures
    GoldenCase.objects.filter(code__in=failures).delete()
    second_steward_approves(draft)
    ruleset_publish(draft=draft, by=users["steward"], change_summary="Buy less")
    run = _run_now(
        lambda: ruleset_replay_start(by=users["steward"]), django_capture_on_commit_callbacks
    )
    flagged = decisions_flagged_by_replay()
    assert flagged == {record.pk}
    assert run.result["items"][0]["was"] == "buy" and run.result["items"][0]["now"] != "buy"
    assert run.result["items"][0]["pinned_version"] == published.version
    assert run.result["ruleset"]["version"] == "2026.3"
    csv = client_as(users["reviewer"]).get(reverse("ruleset_replay_csv", args=[run.pk]))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("record_id,reference,department")
    assert len(lines) == 1 + len(flagged)
    # The due-for-review list flags it, though its review-by date is years away.
    due = client_as(users["reviewer"]).get(reverse("review_due")).content.decode()
    assert record.reference in due and "Would now come out differently" in due
