"""Impact preview: which recommendations a new ruleset changes."""

from __future__ import annotations

from decisions.engine import assess, default_ruleset, impact_preview, load_ruleset, winner
from tests.decisions.engine.strategies import BASE


def test_impact_preview_counts_exactly_the_cases_one_changed_weight_moves() -> None:
    old = default_ruleset()
    data = old.to_dict()
    r22 = next(r for r in data["rules"] if r["id"] == "R22")  # 3 to 5 months, no team: not build
    r22["effects"]["build"] = -5
    new = load_ruleset(data)
    gov = {**BASE, "differentiation": "government_specific", "team_capacity_fte": 8}
    answer_sets = [
        ("short-gov", {**gov, "months_to_live": 5}),  # procure before, build after
        ("long-gov", {**gov, "months_to_live": 6}),  # build both times: R22 does not fire
        # An in-house team already runs the service: R22 does not fire either (principle 5).
        ("short-team", {**gov, "months_to_live": 5, "existing_service_team": True}),
        ("short-base", {**BASE, "months_to_live": 5}),  # a common need: buy both times
        ("broken", {**BASE, "months_to_live": 0}),
    ]
    report = impact_preview(old, new, answer_sets)
    assert report.total == 4
    assert report.changed == 1
    assert report.unchanged == 3
    assert report.changed_ids == ("short-gov",)
    assert (report.changes[0].old, report.changes[0].new) == ("procure", "build")
    assert report.matrix["procure"]["build"] == 1
    assert report.matrix["build"]["build"] == 2
    assert report.matrix["buy"]["buy"] == 1
    assert sum(sum(row.values()) for row in report.matrix.values()) == 4
    assert report.invalid == ("broken",)
    assert report.to_dict()["changed"] == 1


def test_the_same_ruleset_changes_nothing() -> None:
    ruleset = default_ruleset()
    report = impact_preview(
        ruleset, ruleset, [(i, {**BASE, "months_to_live": i}) for i in range(1, 40)]
    )
    assert report.changed == 0
    assert report.total == 39
    assert sum(report.matrix[o][o] for o in report.matrix) == 39


def test_winner_matches_the_full_assessment() -> None:
    assert winner(BASE, default_ruleset()) == assess(BASE, default_ruleset()).recommended
