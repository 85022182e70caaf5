"""Money as people type it: one parser for every amount in whole pounds.

Accepted: a leading pound sign ("£250,000", "£ 250000"), thousands separated by commas or
spaces, including the no-break spaces (U+00A0, U+202F) that spreadsheets and word processors
put in numbers ("250 000"), and whole pence written out (".00", ".0"). Anything else gets
the GOV.UK text input's message for the case (Design System, "Error messages"):

- nothing entered: "Enter [the amount]";
- not a number: "[The amount] must be a number, like 250,000";
- pence: "[The amount] must be in whole pounds, like 250,000";
- below the minimum: "[The amount] must be £0 or more";
- above the maximum: "[The amount] must be £1,000,000,000,000 or less".

Amounts are integers (whole pounds), never floats.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Final

from django import forms

from decisions.engine.schema import MONEY_MAX

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_WHOLE = re.compile(r"^[0-9]+(?:,[0-9]+)*(?:\.0{1,2})?$", re.ASCII)
_PENCE = re.compile(r"^[0-9]+(?:,[0-9]+)*\.[0-9]{1,2}$", re.ASCII)
_NEGATIVE = re.compile(r"^-[0-9]", re.ASCII)
EXAMPLE: Final[str] = "250,000"


@dataclass(frozen=True)
class MoneyAnswer:
    """An amount as typed: whole pounds, or the GOV.UK message saying what is wrong."""

    pounds: int | None = None
    message: str = ""


def parse_pounds(
    text: Any,
    *,
    label: str,
    required: bool = True,
    minimum: int = 0,
    maximum: int = MONEY_MAX,
) -> MoneyAnswer:
    """Whole pounds from what was typed, or the message for why not.

    `label` names the amount as the messages need it ("the contract value"): it follows
    "Enter" as given and starts the other messages capitalised. Not `required`: nothing
    entered is no amount and no error.
    """
    subject = label[:1].upper() + label[1:]
    raw = unicodedata.normalize("NFKC", str(text or ""))
    compact = _SPACES.sub("", raw).removeprefix("£")
    if compact.startswith("-£"):
        compact = "-" + compact[2:]
    if not compact:
        return MoneyAnswer(message=f"Enter {label}" if required else "")
    if _NEGATIVE.match(compact) and minimum >= 0:
        return MoneyAnswer(message=f"{subject} must be £{minimum:,} or more")
    if _PENCE.match(compact) and not _WHOLE.match(compact):
        return MoneyAnswer(message=f"{subject} must be in whole pounds, like {EXAMPLE}")
    if not _WHOLE.match(compact) or len(compact) > 40:
        return MoneyAnswer(message=f"{subject} must be a number, like {EXAMPLE}")
    pounds = int(compact.split(".")[0].replace(",", ""))
    if pounds < minimum:
        return MoneyAnswer(message=f"{subject} must be £{minimum:,} or more")
    if pounds > maximum:
        return MoneyAnswer(message=f"{subject} must be £{maximum:,} or less")
    return MoneyAnswer(pounds=pounds)


class PoundsField(forms.CharField):
    """A form field of whole pounds, parsed by parse_pounds (its messages, its rules)."""

    def __init__(self, *, label_in_messages: str, maximum: int = MONEY_MAX, **kwargs: Any) -> None:
        self.label_in_messages = label_in_messages
        self.maximum = maximum
        kwargs.setdefault("max_length", 60)
        super().__init__(**kwargs)
        self.error_messages["required"] = f"Enter {label_in_messages}"
        self.error_messages["max_length"] = (
            f"{label_in_messages[:1].upper()}{label_in_messages[1:]} must be a number, "
            f"like {EXAMPLE}"
        )

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)
        answer = parse_pounds(
            text, label=self.label_in_messages, required=self.required, maximum=self.maximum
        )
        if answer.message:
            raise forms.ValidationError(answer.message)
        return answer.pounds
