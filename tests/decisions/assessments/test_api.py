"""The assessment API against the contract in shared/api.md: run, list, replay."""

from __future__ import annotations

import json

from decisions import engine
from decisions.presenter import explanation_words
from sourcing.models import User
from tests.factories import complete_answers
from tests.pages import Api


def test_assessing_incomplete_answers_names_every_missing_key(
    users: dict[str, User], ruleset
) -> None:  # type: ignore[no-untyped-def]
    api = Api(users["commercial"])
    case = api.send("POST", "cases", {"title": "Half", "answers": {"criticality": "low"}}).json()
    response = api.send("POST", f"cases/{case['id']}/assessments")
    assert response.status_code == 422
    missing = {d["loc"][-1] for d in response.json()["detail"]}
    assert missing == set(engine.schema.REQUIRED_KEYS) - {"criticality"}


def test_the_assessment_is_the_engines_result_for_the_same_answers(
    users: dict[str, User], ruleset
) -> None:  # type: ignore[no-untyped-def]
    api = Api(users["commercial"])
    case = api.send("POST", "cases", {"title": "Same", "answers": complete_answers()}).json()
    assessment = api.send("POST", f"cases/{case['id']}/assessments").json()
    expected = json.loads(
        json.dumps(engine.assess(complete_answers(), engine.default_ruleset()).to_dict())
    )
    assert assessment.pop("ruleset") == {"version": ruleset.version, "sha256": ruleset.sha256}
    for key in ("id", "case_id", "created_at", "answers_version"):
        assessment.pop(key)
    # The explanations in words, as the pages say them (labels, not keys).
    words = assessment.pop("in_words")
    assert words == explanation_words(expected)
    assert words["why"]["for"] and words["robustness"].startswith(("Robust", "Fragile"))
    assert expected.pop("ruleset") == {"version": ruleset.version, "sha256": ruleset.sha256}
    assert assessment == {**expected, "answers": complete_answers()}
    listed = api.get(f"cases/{case['id']}/assessments").json()
    assert [a["id"] for a in listed] == [
        api.get(f"cases/{case['id']}").json()["latest_assessment"]["id"]
    ]


def test_replay_under_todays_ruleset_reports_what_differs(users: dict[str, User], ruleset) -> None:  # type: ignore[no-untyped-def]
    api = Api(users["commercial"])
    case = api.send("POST", "cases", {"title": "Replay", "answers": complete_answers()}).json()
    assessment = api.send("POST", f"cases/{case['id']}/assessments").json()
    pinned = api.send("POST", f"assessments/{assessment['id']}/replay", {"ruleset": "pinned"})
    current = api.send("POST", f"assessments/{assessment['id']}/replay", {"ruleset": "current"})
    assert pinned.status_code == current.status_code == 200
    assert pinned.json()["result"]["scores"] == assessment["scores"]
    assert current.json()["mode"] == "current" and current.json()["identical"] is True
    bad = api.send("POST", f"assessments/{assessment['id']}/replay", {"ruleset": "latest"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "ruleset"]
