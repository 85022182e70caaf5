"""Ruleset governance: drafts, validation, golden cases, publishing, versions, API."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from decisions import engine
from decisions.assessments.models import Assessment
from decisions.assessments.services import assessment_replay, assessment_run
from decisions.audit.models import AuditEvent
from decisions.cases.services import case_create, case_update
from decisions.impact.services import ruleset_impact_start
from decisions.integrity.verification import audit_verify
from decisions.rulesets.diff import ruleset_diff
from decisions.rulesets.models import GoldenCase, Ruleset
from decisions.rulesets.services import (
    DraftInvalid,
    GoldenCaseDraft,
    golden_case_save,
    golden_cases_import,
    ruleset_draft_create,
    ruleset_draft_save,
    ruleset_publish,
    ruleset_publish_default,
    ruleset_rule_remove,
    ruleset_rule_save,
    ruleset_upload,
)
from sourcing.demo import seed_cases, seed_golden_cases, seed_people
from sourcing.errors import TransitionRefused, ValidationFailed
from sourcing.models import User
from tests.conftest import service_missing
from tests.factories import approved_case, second_steward_approves

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


def test_a_draft_needs_a_new_well_formed_version(users: dict[str, User], published) -> None:  # type: ignore[no-untyped-def]
    # Digits of other scripts are look-alikes: full-width, Arabic-Indic.
    lookalikes = ("\uff12\uff10\uff12\uff16.3", "\u0662\u0660\u0662\u0666.3")
    for bad in ("", "2026", "v2026.3", "2026.3.1", "2026.2", *lookalikes):
        with pytest.raises(ValidationFailed) as caught:
            ruleset_draft_create(by=users["steward"], version=bad)
        assert "version" in caught.value.errors
    draft = ruleset_draft_create(by=users["steward"], version="2026.3")
    assert draft.published_at is None and draft.based_on == published
    assert draft.content["rules"] == published.content["rules"]
    assert draft.content["version"] == "2026.3"
    for role in ("reviewer", "auditor", "admin", "commercial"):
        with pytest.raises(TransitionRefused):
            ruleset_draft_create(by=users[role], version="2026.4")


def test_a_broken_draft_lists_every_error_and_saves_nothing(
    users: dict[str, User], published: Ruleset
) -> None:
    steward = users["steward"]
    draft = ruleset_draft_create(by=steward, version="2026.3")
    before = (draft.sha256, draft.content)
    content = copy.deepcopy(draft.content)
    rules = content["rules"]
    rules[0]["when"] = {"sometimes": True}  # broken condition
    rules[1]["when"] = {"eq": ["colour", "blue"]}  # unknown key
    rules[2]["effects"] = {"rent": 5}  # unknown option
    rules[3]["id"] = rules[4]["id"]  # duplicate id
    rules[5]["effects"] = {"buy": 1.5}  # not a whole number
    rules[6]["when"] = {"eq": ["differentiation", "bespoke"]}  # unknown choice value
    with pytest.raises(DraftInvalid) as caught:
        ruleset_draft_save(draft=draft, by=steward, content=content, change="test")
    found = {(p.rule_id, p.field.split(".")[0], p.field) for p in caught.value.problems}
    fields = {f for _, _, f in found}
    ids = [r["id"] for r in draft.content["rules"]]
    assert (ids[0], "when", "when") in found
    assert any(rid == ids[1] and head == "when" for rid, head, _ in found)
    assert (ids[2], "effects", "effects.rent") in found
    assert (ids[4], "id", "id") in found
    assert (ids[5], "effects", "effects.buy") in found
    assert any(rid == ids[6] and head == "when" for rid, head, _ in found)
    assert "effects.buy" in fields and len(caught.value.problems) == 6
    draft.refresh_from_db()
    assert (draft.sha256, draft.content) == before
    with pytest.raises(TransitionRefused):  # nothing can be published from it either way
        ruleset_upload(draft=draft, by=users["reviewer"], raw=json.dumps(content).encode())
    assert Ruleset.objects.current() == published


def test_the_upload_page_lists_every_problem_with_rule_and_field(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    draft = ruleset_draft_create(by=users["steward"], version="2026.3")
    content = copy.deepcopy(draft.content)
    content["rules"][0]["effects"]["buy"] = "forty"
    content["rules"][1]["id"] = content["rules"][0]["id"]
    content["rules"][2]["when"] = {"lt": ["differentiation", 3]}
    upload = SimpleUploadedFile("r.json", json.dumps(content).encode(), "application/json")
    response = client_as(users["steward"]).post(
        reverse("ruleset_upload", args=[draft.version]), {"file": upload}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The file has 3 problems: nothing was saved" in page
    assert "rule R02, effects.buy: weight must be a whole number, not &#x27;forty&#x27;" in page
    assert "rule R02, id: duplicate id &#x27;R02&#x27;" in page
    assert "rule R07, when.lt: lt compares numbers but differentiation is a choice" in page
    draft.refresh_from_db()
    assert draft.content["rules"][0]["effects"]["buy"] == 25
    bad_json = SimpleUploadedFile("r.json", b"{not json", "application/json")
    response = client_as(users["steward"]).post(
        reverse("ruleset_upload", args=[draft.version]), {"file": bad_json}
    )
    assert "is not a readable JSON file" in response.content.decode()


def test_the_rule_form_changes_one_rule_and_names_bad_weights(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    draft = ruleset_draft_create(by=users["steward"], version="2026.3")
    client = client_as(users["steward"])
    url = reverse("ruleset_rule_edit", args=[draft.version, "R02"])
    form = client.get(url)
    assert form.status_code == 200 and "Change rule R02" in form.content.decode()
    data = {
        "id": "R02",
        "description": "A commodity need is bought, not built.",
        "source": "TCoP 11 Define your purchasing strategy",
        "factor": "need",
        "rationale": _rule(draft, "R02")["rationale"],
        "when": '{"eq": ["differentiation", "commodity"]}',
        "effect_buy": "1.5",
        "effect_build": "-10",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Rule R02, effects.buy: weight must be a whole number" in response.content.decode()
    response = client.post(url, {**data, "when": "{oops"})
    assert "The condition is not valid JSON" in response.content.decode()
    # A format 2 rule needs its factor and rationale, each named by rule and field.
    response = client.post(url, {**data, "effect_buy": "12", "factor": "", "rationale": ""})
    assert response.status_code == 200
    assert "Rule R02, factor: missing" in response.content.decode()
    assert "Rule R02, rationale: missing" in response.content.decode()
    response = client.post(url, {**data, "effect_buy": "12"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert _rule(draft, "R02")["effects"] == {"buy": 12, "build": -10}
    added = client.post(
        reverse("ruleset_rule_add", args=[draft.version]),
        {**data, "id": "R99", "effect_buy": "3", "gate": ["innovate"], "text_buy": "Check it."},
    )
    assert added.status_code == 302
    draft.refresh_from_db()
    assert _rule(draft, "R99")["gate"] == ["innovate"]
    assert _rule(draft, "R99")["condition_text"] == {"buy": "Check it."}
    removed = client.post(reverse("ruleset_rule_remove", args=[draft.version, "R03"]))
    assert removed.status_code == 302
    draft.refresh_from_db()
    diff = ruleset_diff(published.content, draft.content)
    kinds = {c.rule_id: c.kind for c in diff.rules}
    assert kinds == {"R02": "changed", "R99": "added", "R03": "removed"}
    assert [f[0] for f in next(c for c in diff.rules if c.rule_id == "R02").fields] == ["effects"]
    page = client.get(reverse("ruleset_diff", args=[draft.version])).content.decode()
    assert "Rule R99" in page and "Rule R03" in page and "Buy +12, Build -10" in page
    actions = list(
        AuditEvent.objects.filter(object_id=draft.version).values_list("action", flat=True)
    )
    assert actions == ["ruleset.draft_created", *["ruleset.draft_changed"] * 3]


def test_drafts_are_for_stewards_and_published_tables_for_the_coe(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    draft = ruleset_draft_create(by=users["steward"], version="2026.3")
    for role in ("reviewer", "auditor"):
        client = client_as(users[role])
        assert client.get(reverse("ruleset_detail", args=[draft.version])).status_code == 404
        assert client.get(reverse("ruleset_download", args=[draft.version])).status_code == 404
        table = client.get(reverse("ruleset_detail", args=[published.version]))
        assert table.status_code == 200
        text = table.content.decode()
        commodity = "“How unusual is the need?” (differentiation) is “A commodity need”"
        assert escape(commodity) in text and "TCoP 11" in text
        # Each rule's source and rationale, and the factors with their caps.
        rule = _rule(published, "R02")
        assert f"Why this weight: {escape(rule['rationale'])}" in text
        assert "Factors and their caps" in text
        for name, factor in published.content["factors"].items():
            assert f"<code>{name}</code>" in text and escape(factor["label"]) in text
        assert "Draft 2026.3" not in client.get(reverse("ruleset_list")).content.decode()
    steward = client_as(users["steward"])
    page = steward.get(reverse("ruleset_detail", args=[draft.version])).content.decode()
    assert f"All {len(GOLDEN)} pass" in page
    download = steward.get(reverse("ruleset_download", args=[published.version]))
    assert engine.load_ruleset(json.loads(download.content)).sha256 == published.sha256


def test_golden_cases_are_seeded_once_and_edited_by_stewards(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    assert GoldenCase.objects.count() == len(GOLDEN)
    again = seed_golden_cases()
    assert (again.created, again.updated, again.kept) == ((), (), ())
    golden = GoldenCase.objects.get(code="G01")
    with pytest.raises(ValidationFailed) as caught:
        golden_case_save(
            by=users["steward"],
            draft=GoldenCaseDraft(
                code="G01",
                title="x",
                answers={**golden.answers, "colour": "blue"},
                expected={"recommended": "rent"},
            ),
            golden=golden,
        )
    assert {"answers.colour", "expected.recommended"} <= set(caught.value.errors)
    with pytest.raises(TransitionRefused):
        golden_case_save(
            by=users["reviewer"],
            draft=GoldenCaseDraft(code="G01", title="x", answers={}, expected={}),
            golden=golden,
        )
    client = client_as(users["steward"])
    url = reverse("golden_edit", args=["G01"])
    data = {"title": "Commodity SaaS", "recommended": "buy", "check_cloud_first": "complies"}
    bad = client.post(url, {**data, "answers": json.dumps({**golden.answers, "colour": "blue"})})
    assert bad.status_code == 200
    assert 'id="id_answers-error"' in bad.content.decode()
    assert "answers.colour: colour is not a questionnaire key" in bad.content.decode()
    good = client.post(url, {**data, "answers": json.dumps(golden.answers)})
    assert good.status_code == 302
    golden.refresh_from_db()
    assert golden.title == "Commodity SaaS"
    assert golden.expected["policy_checks"] == {"cloud_first": "complies"}
    assert AuditEvent.objects.filter(action="golden_case.changed", object_id="G01").exists()


def test_publishing_with_a_failing_golden_case_is_refused(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    steward = users["steward"]
    draft = _draft_with(steward, "2026.3", "R02", buy=-500)
    second_steward_approves(draft)
    with pytest.raises(TransitionRefused, match="golden case"):
        ruleset_publish(draft=draft, by=steward, change_summary="Buy less")
    draft.refresh_from_db()
    assert draft.published_at is None and Ruleset.objects.current() == published
    # A golden case the steward adds counts too: the unchanged draft now fails it.
    ruleset_rule_save(draft=draft, by=steward, rule=_rule(published, "R02"), replaces="R02")
    case = approved_case(users["commercial"], users["reviewer"], **GOLDEN[0]["answers"])
    response = client_as(steward).post(
        reverse("golden_new"),
        {
            "code": "G99",
            "title": "Agreed as build",
            "case_reference": case.reference,
            "recommended": "build",
        },
    )
    assert response.status_code == 302
    assert GoldenCase.objects.get(code="G99").source_case == case
    second_steward_approves(draft)
    page = client_as(steward).post(
        reverse("ruleset_publish", args=[draft.version]), {"change_summary": "Same rules"}
    )
    assert page.status_code == 200
    assert "1 golden case does not pass (G99); nothing was published." in page.content.decode()
    assert not AuditEvent.objects.filter(action="ruleset.published", object_id="2026.3").exists()


def test_publishing_makes_the_draft_current_and_it_never_changes_again(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    steward = users["steward"]
    draft = _draft_with(steward, "2026.3", "R02", buy=12)
    second_steward_approves(draft)
    response = client_as(steward).post(
        reverse("ruleset_publish", args=[draft.version]), {"change_summary": "PPN 01/26"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert Ruleset.objects.current() == draft
    assert draft.published_by == steward and draft.golden_result["passed"] is True
    assert draft.sha256 == engine.load_ruleset(draft.content).sha256
    event = AuditEvent.objects.get(action="ruleset.published", object_id="2026.3")
    assert event.payload["sha256"] == draft.sha256 and event.payload["based_on"] == "2026.2"
    rule = _rule(draft, "R02")
    for attempt in (
        lambda: ruleset_rule_save(draft=draft, by=steward, rule=rule, replaces="R02"),
        lambda: ruleset_rule_remove(draft=draft, by=steward, rule_id="R02"),
        lambda: ruleset_draft_save(draft=draft, by=steward, content=draft.content, change="x"),
        lambda: ruleset_publish(draft=draft, by=steward, change_summary="again"),
        lambda: ruleset_impact_start(draft=draft, by=steward),
    ):
        with pytest.raises(TransitionRefused):
            attempt()
    edit = client_as(steward).get(reverse("ruleset_rule_edit", args=["2026.3", "R02"]))
    assert edit.status_code == 404


def test_of_two_stewards_publishing_at_once_one_wins(
    users: dict[str, User], make_user: Callable[..., User], published: Ruleset
) -> None:
    erin, frank = users["steward"], make_user("frank", "steward")
    draft = _draft_with(erin, "2026.3", "R02", buy=12)
    stale = Ruleset.objects.get(pk=draft.pk)  # frank's copy, loaded before erin publishes
    other = ruleset_draft_create(by=frank, version="2026.4")  # also from 2026.2
    second_steward_approves(draft)
    ruleset_publish(draft=draft, by=erin, change_summary="Erin's change")
    with pytest.raises(TransitionRefused, match="has just been published by user-steward"):
        ruleset_publish(draft=stale, by=frank, change_summary="Frank's change")
    assert Ruleset.objects.get(pk=draft.pk).change_summary == "Erin's change"
    # Another draft from the same base would silently undo erin's change: it is refused.
    second_steward_approves(other)
    with pytest.raises(TransitionRefused, match=r"2026\.3 was published after this draft"):
        ruleset_publish(draft=other, by=frank, change_summary="Frank's change")
    with pytest.raises(ValidationFailed, match="already exists"):
        ruleset_draft_create(by=frank, version="2026.3")


def test_concurrent_publishing_in_real_transactions_has_one_winner(
    transactional_db: None, users: dict[str, User], make_user: Callable[..., User]
) -> None:
    if connection.vendor != "postgresql":
        service_missing("real concurrent transactions need PostgreSQL")
    ruleset_publish_default()
    golden_cases_import()
    stewards = [users["steward"], make_user("frank", "steward")]
    draft = _draft_with(stewards[0], "2026.3", "R02", buy=12)
    second_steward_approves(draft)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def publish(steward: User) -> None:
        try:
            barrier.wait()
            ruleset_publish(draft=draft, by=steward, change_summary=steward.username)
            outcomes.append("won")
        except TransitionRefused as refused:
            outcomes.append(str(refused))
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(s,)) for s in stewards]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[-1] == "won" and outcomes.count("won") == 1
    assert "has just been published" in sorted(outcomes)[0]
    assert AuditEvent.objects.filter(action="ruleset.published", object_id="2026.3").count() == 1


def test_a_new_assessment_names_the_new_version_and_an_old_one_replays_identically(
    users: dict[str, User], published: Ruleset
) -> None:
    alice = users["commercial"]
    case = case_create(by=alice, title="Back office", answers=GOLDEN[0]["answers"])
    old = assessment_run(case=case, by=alice)
    draft = _draft_with(users["steward"], "2026.3", "R02", buy=12)
    second_steward_approves(draft)
    ruleset_publish(draft=draft, by=users["steward"], change_summary="PPN 01/26")
    case_update(case=case, by=alice, answers={**case.answers, "team_capacity_fte": 7})
    new = assessment_run(case=case, by=alice)
    assert (new.ruleset_version, new.ruleset_sha256) == ("2026.3", draft.sha256)
    assert new.result["ruleset"]["version"] == "2026.3"
    assert old.ruleset_version == "2026.2"
    replay = assessment_replay(assessment=old, mode="pinned")
    assert replay.identical and replay.ruleset_version == "2026.2"


def test_a_pinned_replay_of_every_seeded_assessment_is_identical(db: None) -> None:
    seed_people()
    seed_cases()
    seed_golden_cases()
    erin = User.objects.get(username="erin")
    draft = _draft_with(erin, "2026.3", "R05", build=30)
    second_steward_approves(draft)
    ruleset_publish(draft=draft, by=erin, change_summary="More build for policy needs")
    assessments = list(Assessment.objects.select_related("ruleset"))
    assert assessments and {a.ruleset_version for a in assessments} == {"2026.2"}
    for assessment in assessments:
        assert assessment_replay(assessment=assessment, mode="pinned").identical


def test_the_api_lists_published_versions_and_gives_the_rules_as_data(
    users: dict[str, User], published: Ruleset, client_as: Callable[[User | None], Client]
) -> None:
    draft = _draft_with(users["steward"], "2026.3", "R02", buy=12)
    client = client_as(users["commercial"])
    listed = client.get("/api/v1/rulesets").json()
    assert [i["version"] for i in listed["items"]] == ["2026.2"]
    assert listed["items"][0]["sha256"] == published.sha256
    assert listed["items"][0]["golden_cases"]["passed"] is True
    assert client.get(f"/api/v1/rulesets/{draft.version}").status_code == 404
    second_steward_approves(draft)
    ruleset_publish(draft=draft, by=users["steward"], change_summary="PPN 01/26")
    listed = client.get("/api/v1/rulesets").json()
    assert [i["version"] for i in listed["items"]] == ["2026.3", "2026.2"]
    assert listed["current"] == "2026.3"
    assert listed["items"][0]["published_by"] == "user-steward"
    assert listed["items"][0]["change_summary"] == "PPN 01/26"
    one = client.get("/api/v1/rulesets/2026.3").json()
    assert one["sha256"] == draft.sha256
    fields = ("description", "parameters", "rules", "format", "factors")
    rebuilt = {k: one[k] for k in fields if k in one} | {"version": "2026.3"}
    assert one["format"] == 2 and one["factors"]["need"]["cap"] == 40
    assert engine.load_ruleset(rebuilt).sha256 == draft.sha256
    assert client_as(None).get("/api/v1/rulesets").status_code == 401
    assert client.get("/api/v1/rulesets/2099.9").status_code == 404
    assert audit_verify().valid
