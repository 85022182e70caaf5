"""Impact preview: which recommendations a new ruleset changes."""

from __future__ import annotations

from decisions.engine import assess, default_ruleset, impact_preview, load_ruleset, winner
from tests.decisions.engine.strategies import BASE


def test_impact_preview_counts_exactly_the_cases_one_changed_weight_moves() -> None:
    old = default_ruleset()
    data = old.to_dict()
    r22 = next(r for r in data["rules"] if r["id"] == "R22")  # fewer than 6 months: away from build
    r22["effects"]["build"] = -5
    new = load_ruleset(data)
    strong = {**BASE, "in_house_capability": "strong", "team_capacity_fte": 10}
    answer_sets = [
        ("short-strong", {**strong, "months_to_live": 5}),  # buy before, build after
        ("long-strong", {**strong, "months_to_live": 6}),  # build both times: R22 does not fire
        ("short-base", {**BASE, "months_to_live": 5}),  # buy both times
        (
            "commodity",
            {
                **BASE,
                "differentiation": "commodity",
                "months_to_live": 4,
                "best_product_fit_pct": 90,
            },
        ),
        ("broken", {**BASE, "months_to_live": 0}),
    ]
    report = impact_preview(old, new, answer_sets)
    assert report.total == 4
    assert report.changed == 1
    assert report.unchanged == 3
    assert report.changed_ids == ("short-strong",)
    assert (report.changes[0].old, report.changes[0].new) == ("buy", "build")
    assert report.matrix["buy"]["build"] == 1
    assert report.matrix["build"]["build"] == 1
    assert report.matrix["buy"]["buy"] == 2
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
