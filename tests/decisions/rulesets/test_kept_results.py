"""Golden runs, rule tables and diffs are worked out once and kept by what they are worked out
from (ADR 0035): every page shows what a fresh run would, the first view after any change to
the ruleset, a golden case or the engine's code works it out again, and a cache that is down
only costs the time."""

from __future__ import annotations

import copy
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from decisions import engine
from decisions.presenter import parameter_rows
from decisions.rulesets import selectors
from decisions.rulesets.models import GoldenCase, Ruleset
from decisions.rulesets.services import (
    GoldenCaseDraft,
    golden_case_save,
    golden_cases_import,
    ruleset_draft_create,
    ruleset_publish,
    ruleset_publish_default,
    ruleset_rule_save,
)
from sourcing.errors import TransitionRefused
from sourcing.kept_html import source_hash
from sourcing.models import User
from tests.factories import second_steward_approves

REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    },
    "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "down"},
}


@pytest.fixture
def published(db: None) -> Ruleset:
    """The shipped default as the current version, with the golden cases in the database."""
    ruleset = ruleset_publish_default()
    golden_cases_import()
    return ruleset


@pytest.fixture
def engine_runs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The versions the engine ran the golden cases against, in order; with a key of its own
    for the engine's code, so nothing kept by another test is found."""
    token = f"test-{uuid.uuid4().hex}"
    monkeypatch.setattr(selectors, "engine_code_sha256", lambda: token)
    runs: list[str] = []
    run = engine.run_golden_cases

    def counted(ruleset: engine.Ruleset, cases: Any = None) -> engine.GoldenReport:
        runs.append(ruleset.version)
        return run(ruleset, cases)

    monkeypatch.setattr(engine, "run_golden_cases", counted)
    return runs


def _fresh(ruleset: Ruleset) -> engine.GoldenReport:
    """The golden cases in the database run against the ruleset now, nothing kept."""
    return engine.GoldenReport(
        ruleset.version,
        ruleset.sha256,
        tuple(
            engine.golden.check_case(case, selectors.engine_ruleset(ruleset))
            for case in selectors.golden_cases_engine()
        ),
    )


def _change(golden: GoldenCase, by: User, **expected: Any) -> None:
    """Store a golden case with its expected outcome changed, through the service."""
    golden_case_save(
        by=by,
        draft=GoldenCaseDraft(
            code=golden.code,
            title=golden.title,
            answers=golden.answers,
            expected={**golden.expected, **expected},
            sources=golden.sources,
            basis=golden.basis,
            revision={"reason": "A test of what is kept."},
        ),
        golden=golden,
    )


def _other(recommended: str | None) -> str:
    return next(o for o in engine.OPTIONS if o != recommended)


def test_a_golden_run_is_kept_and_is_what_a_fresh_run_gives(
    published: Ruleset, engine_runs: list[str]
) -> None:
    first = selectors.ruleset_golden_run(published)
    again = selectors.ruleset_golden_run(published)
    assert engine_runs == [published.version]
    assert first == again == _fresh(published) and again.passed


def test_a_golden_case_edited_added_or_removed_is_run_again(
    users: dict[str, User], published: Ruleset, engine_runs: list[str]
) -> None:
    selectors.ruleset_golden_run(published)
    golden = GoldenCase.objects.get(code="G01")
    _change(golden, users["steward"], recommended=_other(golden.expected["recommended"]))
    edited = selectors.ruleset_golden_run(published)
    assert [r.case_id for r in edited.failures] == ["G01"] and edited == _fresh(published)
    # A change made outside the services (no signal, no updated_at) is seen too.
    GoldenCase.objects.filter(code="G01").update(expected=golden.expected)
    assert selectors.ruleset_golden_run(published).passed
    GoldenCase.objects.filter(code="G02").delete()
    removed = selectors.ruleset_golden_run(published)
    assert "G02" not in {r.case_id for r in removed.results} and removed == _fresh(published)
    assert len(engine_runs) == 4


def test_a_draft_s_edited_rules_are_run_again_and_shown(
    users: dict[str, User],
    published: Ruleset,
    engine_runs: list[str],
    client_as: Callable[[User | None], Client],
) -> None:
    steward = users["steward"]
    draft = ruleset_draft_create(by=steward, version="2026.3")
    client = client_as(steward)
    url = reverse("ruleset_detail", args=[draft.version])
    page = client.get(url).content.decode()
    assert "All " in page and " pass</strong>" in page and "Buy +23" not in page
    rule = copy.deepcopy(next(r for r in draft.content["rules"] if r["id"] == "R02"))
    rule["effects"] = {**rule["effects"], "buy": 23}
    draft = ruleset_rule_save(draft=draft, by=steward, rule=rule, replaces="R02")
    page = client.get(url).content.decode()
    report = _fresh(draft)
    assert selectors.ruleset_golden_run(draft) == report
    assert "Buy +23" in page
    if report.passed:
        assert f"All {len(report.results)} pass" in page
    else:
        assert f"{len(report.failures)} of {len(report.results)} golden cases" in page
    changes = client.get(reverse("ruleset_diff", args=[draft.version])).content.decode()
    assert "Rule R02" in changes and "Buy +23" in changes
    assert engine_runs == ["2026.3", "2026.3"]  # once before the edit, once after


def test_the_golden_list_shows_an_edited_case_s_result_at_once(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    steward = users["steward"]
    client = client_as(steward)
    url = reverse("golden_list")
    assert "Mismatch" not in client.get(url).content.decode()
    golden = GoldenCase.objects.get(code="G01")
    _change(golden, steward, recommended=_other(golden.expected["recommended"]))
    page = client.get(url).content.decode()
    assert page.count("Mismatch") == 1 and "recommended: expected" in page
    assert "Revised: A test of what is kept." in page


def test_a_published_draft_s_rules_lose_their_change_links(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    steward = users["steward"]
    draft = ruleset_draft_create(by=steward, version="2026.3")
    client = client_as(steward)
    url = reverse("ruleset_detail", args=[draft.version])
    change = reverse("ruleset_rule_edit", args=[draft.version, "R02"])
    assert change in client.get(url).content.decode()
    second_steward_approves(draft)
    ruleset_publish(draft=Ruleset.objects.get(pk=draft.pk), by=steward, change_summary="Same")
    page = client.get(url).content.decode()
    assert Ruleset.objects.get(pk=draft.pk).sha256 == draft.sha256  # the same content
    assert change not in page and "Current" in page


def test_a_new_release_of_the_engine_runs_the_golden_cases_again(
    published: Ruleset, engine_runs: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = selectors.ruleset_golden_run_keyed(published)[0]
    release = f"another-release-{uuid.uuid4().hex}"  # never kept by an earlier run
    monkeypatch.setattr(selectors, "engine_code_sha256", lambda: release)
    assert selectors.ruleset_golden_run_keyed(published)[0] != key
    assert len(engine_runs) == 2


def test_the_engine_s_code_is_part_of_the_key(tmp_path: Path) -> None:
    # The real one: the shared hash of source files over the engine's package, which any
    # change to one of its files changes.
    assert selectors.engine_code_sha256() == source_hash(packages=[engine])
    for path in Path(engine.__file__).parent.glob("*.py"):
        shutil.copy(path, tmp_path / path.name)
    copy_of_engine = ModuleType("copy_of_engine")
    copy_of_engine.__file__ = str(tmp_path / "__init__.py")
    assert source_hash(packages=[copy_of_engine]) == selectors.engine_code_sha256()
    with (tmp_path / "assess.py").open("a") as assess:
        assess.write("\n# a new release\n")
    assert source_hash(packages=[copy_of_engine]) != selectors.engine_code_sha256()


def test_content_that_is_not_its_hash_s_is_refused_even_when_kept(published: Ruleset) -> None:
    selectors.ruleset_golden_run(published)
    content = copy.deepcopy(published.content)
    content["rules"][0]["description"] = "Changed behind the service's back."
    Ruleset.objects.filter(pk=published.pk).update(content=content)
    with pytest.raises(TransitionRefused, match="does not match its recorded hash"):
        selectors.ruleset_golden_run(Ruleset.objects.get(pk=published.pk))


def test_with_the_cache_down_the_golden_cases_are_run_every_time(
    users: dict[str, User],
    published: Ruleset,
    engine_runs: list[str],
    settings: Any,
    client_as: Callable[[User | None], Client],
) -> None:
    settings.CACHES = REDIS_DOWN
    assert selectors.ruleset_golden_run(published) == _fresh(published)
    assert selectors.ruleset_golden_run(published).passed
    assert len(engine_runs) == 2
    page = client_as(users["steward"]).get(reverse("golden_list"))
    assert page.status_code == 200 and "Pass" in page.content.decode()


def test_the_golden_list_refuses_a_current_version_that_is_not_its_hash_s_with_its_rows_kept(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    client = client_as(users["steward"])
    url = reverse("golden_list")
    assert "Pass" in client.get(url).content.decode()  # its rows now kept
    content = copy.deepcopy(published.content)
    content["rules"][0]["description"] = "Changed behind the service's back."
    Ruleset.objects.filter(pk=published.pk).update(content=content)
    with pytest.raises(TransitionRefused, match="does not match its recorded hash"):
        client.get(url)


def test_the_golden_cases_fingerprint_changes_with_every_stored_value(
    users: dict[str, User], published: Ruleset
) -> None:
    # Read in the database without the cases, it is the one their full read gives; any
    # change to any column it names (through the services or not) gives another.
    seen = {selectors.golden_cases_fingerprint()[1]}
    assert selectors.golden_cases_stored().fingerprint in seen
    assert selectors.golden_cases_fingerprint()[0] == GoldenCase.objects.count()
    golden = GoldenCase.objects.get(code="G01")
    changes: list[dict[str, Any]] = [
        {"title": golden.title + "!"},
        {"basis": golden.basis + "!"},
        {"answers": {**golden.answers, "x": 1}},
        {"expected": {**golden.expected, "x": 1}},
        {"sources": [*golden.sources, "x"]},
        {"revision": {"reason": "x"}},
        {"revision": {"reason": "y"}},
    ]
    for change in changes:
        GoldenCase.objects.filter(pk=golden.pk).update(**change)
        count, fingerprint = selectors.golden_cases_fingerprint()
        assert fingerprint == selectors.golden_cases_stored().fingerprint
        assert fingerprint not in seen, change
        seen.add(fingerprint)
    GoldenCase.objects.filter(code="G02").delete()
    assert selectors.golden_cases_fingerprint()[1] not in seen
    assert selectors.golden_cases_fingerprint()[0] == count - 1


def test_a_golden_run_read_afresh_is_kept_under_the_cases_it_ran(
    users: dict[str, User],
    published: Ruleset,
    engine_runs: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A golden case changed between the fingerprint's read and the cases' read: the run is
    # kept under the cases it ran, never under the fingerprint read before the change.
    before = selectors.golden_cases_fingerprint()
    golden = GoldenCase.objects.get(code="G01")
    _change(golden, users["steward"], recommended=_other(golden.expected["recommended"]))
    monkeypatch.setattr(selectors, "golden_cases_fingerprint", lambda: before)
    key, report = selectors.ruleset_golden_run_keyed(published)
    assert key == selectors.golden_run_key(published, selectors.golden_cases_stored().fingerprint)
    assert key != selectors.golden_run_key(published, before[1])
    assert report == _fresh(published) and not report.passed


def test_the_publish_page_refuses_a_draft_that_is_not_its_hash_s_with_its_run_kept(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    # The page reads the draft's content only through its MD5 (to compile it once): a change
    # behind the service's back changes the MD5, so the content is read and checked again.
    steward = users["steward"]
    draft = ruleset_draft_create(by=steward, version="2026.3")
    client = client_as(steward)
    url = reverse("ruleset_publish", args=[draft.version])
    for _ in range(2):  # worked out, then kept
        page = client.get(url)
        assert page.status_code == 200 and draft.sha256 in page.content.decode()
    content = copy.deepcopy(draft.content)
    content["rules"][0]["description"] = "Changed behind the service's back."
    Ruleset.objects.filter(pk=draft.pk).update(content=content)
    with pytest.raises(TransitionRefused, match="does not match its recorded hash"):
        client.get(url)


def test_a_version_s_page_says_draft_current_or_published_and_shows_its_parameters(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    # Read in one query without the content: whether it is current, and its parameters,
    # come from the database; the content is compiled (and checked) by its MD5.
    steward = users["steward"]
    client = client_as(steward)
    draft = ruleset_draft_create(by=steward, version="2026.3")

    def tag(version: str) -> str:
        page = client.get(reverse("ruleset_detail", args=[version])).content.decode()
        assert parameter_rows(published.content["parameters"])[0]["label"] in page
        return re.findall(r'govuk-tag--\w+">(\w+)<', page)[0]

    assert (tag(published.version), tag(draft.version)) == ("Current", "Draft")
    second_steward_approves(draft)
    ruleset_publish(draft=Ruleset.objects.get(pk=draft.pk), by=steward, change_summary="Same")
    assert (tag(published.version), tag(draft.version)) == ("Published", "Current")
    content = copy.deepcopy(published.content)
    content["rules"][0]["description"] = "Changed behind the service's back."
    Ruleset.objects.filter(pk=published.pk).update(content=content)
    with pytest.raises(TransitionRefused, match="does not match its recorded hash"):
        client.get(reverse("ruleset_detail", args=[published.version]))
