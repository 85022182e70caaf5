"""Old rulesets keep their hash and their results: pinned replays stay identical.

The data files were written by the engine before rulesets could declare a format, factors and
rationales: ruleset 2026.1 as stored in the database (its canonical form), and the sha256 of
the RFC 8785 JSON of its result for 107 complete answer sets (with flip analysis) and 15
partial previews.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import rfc8785

from decisions.engine import assess, load_ruleset, load_ruleset_file
from decisions.engine.ruleset import RULESET_2026_1_PATH
from tests.decisions.engine.strategies import DATA

OLD_SHA256 = "ecce664bbee76f67d8de1e1c6b5569b5ff5f81bcce9e4c17fdfaaf736a6d17b8"


def _results() -> dict[str, Any]:
    return json.loads((DATA / "results_2026.1.json").read_text())


def test_the_stored_2026_1_ruleset_loads_with_its_recorded_hash() -> None:
    ruleset = load_ruleset_file(RULESET_2026_1_PATH)
    assert ruleset.format == 1 and ruleset.factors == ()
    assert ruleset.sha256 == OLD_SHA256 == _results()["ruleset_sha256"]
    assert "format" not in ruleset.to_dict() and "factors" not in ruleset.to_dict()
    assert load_ruleset(ruleset.to_dict()).sha256 == OLD_SHA256


def test_every_stored_result_of_2026_1_comes_out_byte_for_byte_the_same() -> None:
    ruleset = load_ruleset_file(RULESET_2026_1_PATH)
    rows = _results()["results"]
    assert len(rows) == 122
    different = []
    for index, row in enumerate(rows):
        result = assess(
            row["answers"], ruleset, with_flip=row["with_flip"], partial=row["partial"]
        ).to_dict()
        digest = hashlib.sha256(rfc8785.dumps(result)).hexdigest()
        if digest != row["sha256"] or result["recommended"] != row["recommended"]:
            different.append(index)
    assert different == []


def test_newer_keys_do_not_change_what_an_old_ruleset_computes() -> None:
    ruleset = load_ruleset_file(RULESET_2026_1_PATH)
    row = _results()["results"][0]
    before = assess(row["answers"], ruleset).to_dict()
    newer = {
        "process_change": "will_adapt",
        "existing_service_team": True,
        "service_integration_capability": "strong",
        "depends_on_platform_not_live": True,
        "delivery_approach": "single_cutover",
    }
    after = assess({**row["answers"], **newer}, ruleset).to_dict()
    assert {**before, "answers": {}} == {**after, "answers": {}}
    assert after["answers"] == {**row["answers"], **newer}
