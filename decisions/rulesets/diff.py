"""What a draft changes from the version it was started from, rule by rule (pure data)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

RULE_FIELDS: Final = ("description", "source", "when", "effects", "gate", "condition_text")


@dataclass(frozen=True)
class RuleChange:
    """One rule's difference between a base version and a draft."""

    rule_id: str
    kind: str  # added, removed, changed, moved
    fields: tuple[tuple[str, Any, Any], ...] = ()  # (field, old, new)
    old_position: int | None = None
    new_position: int | None = None


@dataclass(frozen=True)
class RulesetDiff:
    """Rule by rule, what a draft changes from its base; engine parameters too."""

    base_version: str
    version: str
    rules: tuple[RuleChange, ...]
    parameters: tuple[tuple[str, Any, Any], ...] = field(default=())
    description: tuple[str, str] | None = None

    @property
    def empty(self) -> bool:
        """True when the draft's rules and parameters equal the base's."""
        return not (self.rules or self.parameters or self.description)


def ruleset_diff(base: Mapping[str, Any], draft: Mapping[str, Any]) -> RulesetDiff:
    """The differences between two valid ruleset contents (canonical form), rule by rule."""
    old = {r["id"]: (i, r) for i, r in enumerate(base["rules"])}
    new = {r["id"]: (i, r) for i, r in enumerate(draft["rules"])}
    changes: list[RuleChange] = []
    kept_old = [rid for rid in old if rid in new]
    kept_new = [rid for rid in new if rid in old]
    for rid, (position, rule) in new.items():
        if rid not in old:
            changes.append(RuleChange(rid, "added", new_position=position + 1))
            continue
        before_position, before = old[rid]
        fields = tuple(
            (name, before.get(name), rule.get(name))
            for name in RULE_FIELDS
            if before.get(name) != rule.get(name)
        )
        moved = kept_old.index(rid) != kept_new.index(rid)
        if fields or moved:
            changes.append(
                RuleChange(
                    rid,
                    "changed" if fields else "moved",
                    fields,
                    before_position + 1,
                    position + 1,
                )
            )
    for rid, (position, _) in old.items():
        if rid not in new:
            changes.append(RuleChange(rid, "removed", old_position=position + 1))
    old_params, new_params = base.get("parameters", {}), draft.get("parameters", {})
    parameters = tuple(
        (name, old_params.get(name), new_params.get(name))
        for name in sorted(set(old_params) | set(new_params))
        if old_params.get(name) != new_params.get(name)
    )
    description = None
    if base.get("description", "") != draft.get("description", ""):
        description = (base.get("description", ""), draft.get("description", ""))
    return RulesetDiff(
        base.get("version", ""), draft.get("version", ""), tuple(changes), parameters, description
    )
