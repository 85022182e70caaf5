"""Impact preview: which recommendations a new ruleset would change, from what to what."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from decisions.engine.assess import Answers, winner
from decisions.engine.ruleset import Ruleset
from decisions.engine.schema import OPTIONS, validate_answers

NONE_VIABLE = "none"
OUTCOMES = (*OPTIONS, NONE_VIABLE)


@dataclass(frozen=True, slots=True)
class Change:
    """One answer set whose recommendation changes."""

    id: Hashable
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class ImpactReport:
    """How many recommendations change between two rulesets, a from-to matrix and which ones."""

    old_version: str
    new_version: str
    total: int
    changed: int
    matrix: dict[
        str, dict[str, int]
    ]  # old outcome -> new outcome -> count ("none": nothing viable)
    changes: tuple[Change, ...]
    invalid: tuple[Hashable, ...]  # ids of answer sets that could not be assessed

    @property
    def unchanged(self) -> int:
        """Answer sets whose recommendation stays the same."""
        return self.total - self.changed

    @property
    def changed_ids(self) -> tuple[Hashable, ...]:
        """Ids of the answer sets whose recommendation changes, in input order."""
        return tuple(c.id for c in self.changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "old_version": self.old_version,
            "new_version": self.new_version,
            "total": self.total,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "matrix": {o: dict(row) for o, row in self.matrix.items()},
            "changes": [{"id": c.id, "old": c.old, "new": c.new} for c in self.changes],
            "invalid": list(self.invalid),
        }


def impact_preview(
    old: Ruleset,
    new: Ruleset,
    answer_sets: Iterable[tuple[Hashable, Mapping[str, Any] | Answers]],
) -> ImpactReport:
    """Assess every answer set under both rulesets (no trace, no flips) and count the changes."""
    matrix = {o: dict.fromkeys(OUTCOMES, 0) for o in OUTCOMES}
    changes: list[Change] = []
    invalid: list[Hashable] = []
    total = 0
    for ident, answers in answer_sets:
        if isinstance(answers, Answers):
            values = answers.as_dict()
        else:
            if validate_answers(answers, partial=False):
                invalid.append(ident)
                continue
            values = dict(answers)
        total += 1
        before = winner(values, old)
        after = winner(values, new)
        matrix[before or NONE_VIABLE][after or NONE_VIABLE] += 1
        if before != after:
            changes.append(Change(ident, before, after))
    return ImpactReport(
        old.version, new.version, total, len(changes), matrix, tuple(changes), tuple(invalid)
    )
