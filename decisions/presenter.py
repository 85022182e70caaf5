"""What people read of engine results and records: option and outcome names, signed points,
rule effects and the assessment presentation shared by the case, review and record pages.

Plain data in (an assessment's result, a record's content), words and rows out; no queries.
"""

from __future__ import annotations

from typing import Any

from decisions.engine import OPTIONS
from sourcing.questionnaire import OPTION_LABELS

# An impact or replay outcome: an option, or no viable option at all.
OUTCOME_LABELS: dict[str, str] = {**OPTION_LABELS, "none": "No viable option"}


def signed(points: int) -> str:
    """Points with their sign: "+3", "-2", "0"."""
    return f"+{points}" if points > 0 else str(points)


def effects_text(effects: dict[str, Any]) -> str:
    """A rule's effects in option order, like "Buy +3, Build -2"."""
    return ", ".join(f"{OPTION_LABELS[o]} {signed(effects[o])}" for o in OPTIONS if o in effects)
