"""The assessment API against the contract in shared/api.md: run, list, replay."""

from __future__ import annotations

import json

from decisions import engine
from decisions.presenter import explanation_words
from sourcing.models import User
from tests.factories import complete_answers, golden_answers
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
    assert listed["count"] == 1 and listed["limit"] == 50 and listed["offset"] == 0
    assert [a["id"] for a in listed["items"]] == [
        api.get(f"cases/{case['id']}").json()["latest_assessment"]["id"]
    ]


def test_a_near_tie_is_too_close_to_call_in_the_api(users: dict[str, User], ruleset) -> None:  # type: ignore[no-untyped-def]
    api = Api(users["commercial"])
    answers = golden_answers("G41")  # build leads procure by 5 points, under the threshold
    case = api.send("POST", "cases", {"title": "Close", "answers": answers}).json()
    assessment = api.send("POST", f"cases/{case['id']}/assessments").json()
    close = assessment["close_call"]
    assert close["options"] == ["build", "procure"] and close["margin"] == 5
    assert close["below"] == 10 and close["separating"]
    said = assessment["in_words"]["close_call"]
    assert said.startswith("Too close to call between Build and Procure: Build leads Procure by 5")
    assert assessment["robustness"]["level"] == "fragile"
    again = api.get(f"cases/{case['id']}").json()["latest_assessment"]
    assert again["close_call"] == close and again["in_words"]["close_call"] == said


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
