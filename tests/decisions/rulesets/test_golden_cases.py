"""Golden cases in the database: their documentation and alternatives kept through the
steward's form, and a database seeded by an earlier release brought up to date (shipped cases
updated, a steward's edits kept, old assessments still replaying identically)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from decisions import engine
from decisions.assessments.services import assessment_replay, assessment_run
from decisions.audit.models import AuditEvent
from decisions.cases.services import case_create
from decisions.engine.ruleset import GOLDEN_CASES_2026_1_PATH, RULESET_2026_1_PATH
from decisions.rulesets.forms import GoldenCaseForm
from decisions.rulesets.models import GoldenCase, Ruleset
from decisions.rulesets.selectors import ruleset_golden_run
from decisions.rulesets.services import (
    GoldenCaseDraft,
    golden_case_save,
    golden_cases_import,
    ruleset_draft_create,
    ruleset_install_shipped,
    ruleset_publish,
    ruleset_publish_default,
    ruleset_rule_save,
)
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import User
from tests.factories import second_steward_approves

SHIPPED = {c.id: c for c in engine.load_golden_cases()}
OLD_GOLDEN = GOLDEN_CASES_2026_1_PATH
REVISED = sorted(c.id for c in SHIPPED.values() if c.revision)


@pytest.fixture
def published(db: None) -> Ruleset:
    ruleset = ruleset_publish_default()
    golden_cases_import()
    return ruleset


def _posted(golden: GoldenCase, **changes: Any) -> dict[str, Any]:
    """What the steward's form posts back when only `changes` are made to what it showed."""
    initial = GoldenCaseForm.initial_for(golden)
    return {k: v for k, v in {**initial, **changes}.items() if v not in ("", [], None)}


def test_the_shipped_documentation_and_alternatives_are_stored(published: Ruleset) -> None:
    real = GoldenCase.objects.get(code="RC02")
    assert real.sources == list(SHIPPED["RC02"].sources) and real.sources
    assert real.basis == SHIPPED["RC02"].basis
    assert real.expected["also_acceptable"] == list(SHIPPED["RC02"].also_acceptable)
    revised = GoldenCase.objects.get(code="G41")
    assert revised.revision == dict(SHIPPED["G41"].revision or {})
    assert revised.expected["too_close_to_call"] is True
    assert revised.shipped_sha256 == engine.case_sha256(SHIPPED["G41"])


def test_editing_a_case_in_the_form_keeps_its_sources_basis_revision_and_alternatives(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    client = client_as(users["steward"])
    for code in ("RC02", "G41"):
        golden = GoldenCase.objects.get(code=code)
        page = client.get(reverse("golden_edit", args=[code])).content.decode()
        shown = golden.sources[0] if golden.sources else golden.revision["reason"][:40]
        assert escape(shown) in page
        before = (golden.sources, golden.basis, golden.revision, golden.expected)
        response = client.post(
            reverse("golden_edit", args=[code]), _posted(golden, title=f"{golden.title}.")
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        golden.refresh_from_db()
        assert golden.title.endswith(".")
        assert (golden.sources, golden.basis, golden.revision, golden.expected) == before
    # The form changes them too: a new source, no longer too close to call, a new reason.
    golden = GoldenCase.objects.get(code="G41")
    response = client.post(
        reverse("golden_edit", args=["G41"]),
        _posted(
            golden,
            sources="https://www.nao.org.uk/example\nPAC report HC 123",
            too_close_to_call="",
            revision_reason="Agreed by the CoE board in December.",
        ),
    )
    assert response.status_code == 302
    golden.refresh_from_db()
    assert golden.sources == ["https://www.nao.org.uk/example", "PAC report HC 123"]
    assert "too_close_to_call" not in golden.expected
    assert golden.revision is not None and golden.revision["reason"].startswith("Agreed by")
    assert golden.revision["in"] == "2026.2" and "previously" in golden.revision
    event = AuditEvent.objects.filter(action="golden_case.changed", object_id="G41").last()
    assert event is not None and event.payload["revision"].startswith("Agreed by")


def test_an_alternative_without_a_reason_is_named_and_nothing_is_saved(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    golden = GoldenCase.objects.get(code="G01")
    data = _posted(golden, also_acceptable=["procure"], acceptable_because="")
    response = client_as(users["steward"]).post(reverse("golden_edit", args=["G01"]), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_acceptable_because-error"' in page
    assert "say why the other options are acceptable" in page
    golden.refresh_from_db()
    assert "also_acceptable" not in golden.expected
    with pytest.raises(ValidationFailed) as caught:
        golden_case_save(
            by=users["steward"],
            draft=GoldenCaseDraft(
                code="G01",
                title="x",
                answers=golden.answers,
                expected=golden.expected,
                sources=[""],
                revision={"in": "2026.2"},
            ),
            golden=golden,
        )
    assert {"sources", "revision"} <= set(caught.value.errors)


# A database seeded by release 2026.1 --------------------------------------------------------


@pytest.fixture
def release_2026_1(db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Ruleset]:
    """The database as release 2026.1 left it: its default ruleset published by the same
    service, its golden cases stored by the same import (the 2026.1 files ship in
    decisions/engine/data)."""
    with monkeypatch.context() as old:
        old.setattr(
            engine,
            "default_ruleset",
            lambda: engine.load_ruleset_file(RULESET_2026_1_PATH),
        )
        old.setattr(engine.golden, "GOLDEN_CASES_PATH", OLD_GOLDEN)
        ruleset = ruleset_publish_default()
        golden_cases_import()
    # Rows as the 2026.1 code stored them: no documentation, no shipped hash.
    GoldenCase.objects.update(shipped_sha256="", sources=[], basis="", revision=None)
    yield ruleset


def test_a_new_release_updates_the_shipped_cases_keeps_a_steward_s_edit_and_replays_old_ones(
    users: dict[str, User], release_2026_1: Ruleset
) -> None:
    assert release_2026_1.version == "2026.1" and GoldenCase.objects.count() == 47
    alice, steward = users["commercial"], users["steward"]
    # An assessment under 2026.1, of a case answered before the later questions existed.
    old_case = case_create(by=alice, title="Appeals", answers=SHIPPED["G04"].answers.as_dict())
    old = assessment_run(case=old_case, by=alice)
    assert old.ruleset_version == "2026.1" and "format" not in old.result
    # A steward changed one of the cases the release revises.
    g03 = GoldenCase.objects.get(code="G03")
    golden_case_save(
        by=steward,
        draft=GoldenCaseDraft(
            code="G03", title="Our own reading of G03", answers=g03.answers, expected=g03.expected
        ),
        golden=g03,
    )

    current = ruleset_publish_default()  # the new release, as seeding runs it
    report = golden_cases_import()

    assert current.version == "2026.2" and Ruleset.objects.current() == current
    new = sorted(set(SHIPPED) - {c.id for c in engine.load_golden_cases(OLD_GOLDEN)})
    assert sorted(report.created) == new
    assert sorted(report.updated) == [c for c in REVISED if c != "G03"]
    assert report.kept == ("G03",)
    for code in report.updated:
        row = GoldenCase.objects.get(code=code)
        assert row.expected == SHIPPED[code].to_dict()["expected"], code
        assert row.revision == dict(SHIPPED[code].revision or {})
        event = AuditEvent.objects.get(action="golden_case.updated", object_id=code)
        assert event.payload["reason"] == SHIPPED[code].revision["reason"]  # type: ignore[index]
    kept = GoldenCase.objects.get(code="G03")
    assert kept.title == "Our own reading of G03" and kept.revision is None
    # Unrevised cases are recorded as shipped, and the import changes nothing a second time.
    assert GoldenCase.objects.get(code="G01").shipped_sha256 == engine.case_sha256(SHIPPED["G01"])
    events = AuditEvent.objects.count()
    again = golden_cases_import()
    assert (again.created, again.updated, again.kept) == ((), (), ("G03",))
    assert AuditEvent.objects.count() == events
    # Every stored case but the steward's G03 passes under 2026.2.
    failures = [r.case_id for r in ruleset_golden_run(current).failures]
    assert failures == ["G03"]
    # The old assessment replays identically under 2026.1; the same answers (no later keys)
    # assess under 2026.2.
    assert assessment_replay(assessment=old, mode="pinned").identical
    fresh = assessment_run(case=old_case, by=alice)
    assert fresh.ruleset_version == "2026.2" and fresh.result["format"] == 2
    assert not set(engine.LATER_KEYS) & set(fresh.answers)


def test_a_version_a_steward_already_used_is_refused_with_what_to_do(
    users: dict[str, User], release_2026_1: Ruleset
) -> None:
    steward = users["steward"]
    draft = ruleset_draft_create(by=steward, version="2026.2")
    rule = next(r for r in draft.content["rules"] if r["id"] == "R02")
    ruleset_rule_save(
        draft=draft, by=steward, rule={**rule, "description": "Ours."}, replaces="R02"
    )
    with pytest.raises(TransitionRefused) as refused:
        ruleset_publish_default()
    message = str(refused.value)
    assert "a version 2026.2 already exists with other content" in message
    assert "a draft of user-steward's" in message and "upload" in message
    second_steward_approves(Ruleset.objects.get(pk=draft.pk))
    ruleset_publish(draft=Ruleset.objects.get(pk=draft.pk), by=steward, change_summary="Ours")
    with pytest.raises(TransitionRefused, match="was published by user-steward on"):
        ruleset_publish_default()
    # Installing the shipped rules says so, stores the golden cases and goes on under the
    # current version.
    shipped = ruleset_install_shipped()
    assert "already exists with other content" in (shipped.refused or "")
    assert shipped.golden.created and Ruleset.objects.current().version == "2026.2"  # type: ignore[union-attr]


def test_install_rules_brings_a_database_to_the_shipped_release(
    users: dict[str, User], release_2026_1: Ruleset, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("install_rules")
    out, err = capsys.readouterr()
    assert Ruleset.objects.current().version == "2026.2" and not err  # type: ignore[union-attr]
    assert f"{len(REVISED)} updated to the shipped version" in out
    call_command("install_rules")
    out, _ = capsys.readouterr()
    assert "0 golden cases added, 0 updated to the shipped version, 0 kept" in out


def test_install_rules_on_an_empty_database_publishes_the_default(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("install_rules")
    out, _ = capsys.readouterr()
    assert Ruleset.objects.current().version == engine.default_ruleset().version  # type: ignore[union-attr]
    assert f"{len(SHIPPED)} golden cases added" in out


def test_seed_demo_reports_the_golden_cases_and_a_refused_default(
    users: dict[str, User], release_2026_1: Ruleset, capsys: pytest.CaptureFixture[str]
) -> None:
    steward = users["steward"]
    draft = ruleset_draft_create(by=steward, version="2026.2")
    second_steward_approves(draft)
    ruleset_publish(draft=draft, by=steward, change_summary="Same rules, our number")
    call_command("seed_demo", "--force")
    out, err = capsys.readouterr()
    assert "The shipped default ruleset 2026.2 was not published" in err
    assert "golden cases added" in out and "Demo data ready" in out
    assert Ruleset.objects.current().version == "2026.2"  # type: ignore[union-attr]
