"""A case's answer history, read from the audit chain: each answer (and title, summary, Senior
Responsible Owner, policy explanation) as it was set or changed, with its old and new value,
who and when.

Drawn from the case's `case.created` and `case.changed` events in one query (plus one for the
people's names): the chain is the evidence, so the page shows exactly what it holds. Events
written before old and new values were recorded (2026-11-30) name the questions changed only;
their values show as "Not recorded".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from decisions.audit.models import AuditEvent
from decisions.presenter import answer_shown, check_label, person_text, question_label
from sourcing.models import Case, User

NOT_RECORDED = "Not recorded"
FIELD_LABELS = {
    "title": "Title",
    "summary": "Summary",
    "sro_name": "Senior Responsible Owner",
}


@dataclass(frozen=True)
class HistoryRow:
    """One value set or changed: `key` is a questionnaire key, a field name ("title") or
    "explanation:<check>"; `old` and `new` the raw values (None: not answered, or not recorded
    when `recorded` is False), `old_text` and `new_text` as people read them."""

    seq: int
    at: datetime
    by: str
    by_name: str
    key: str
    label: str
    old: Any
    new: Any
    old_text: str
    new_text: str
    recorded: bool


def _texts(key: str, old: Any, new: Any, recorded: bool) -> tuple[str, str]:
    if not recorded:
        return NOT_RECORDED, NOT_RECORDED
    if key in FIELD_LABELS or key.startswith("explanation:"):
        return (old or "Not given"), (new or "Not given")
    return answer_shown(key, old), answer_shown(key, new)


def _label(key: str) -> str:
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    if key.startswith("explanation:"):
        return f"Explanation: {check_label(key.partition(':')[2])}"
    return question_label(key)


def _changes(event: AuditEvent) -> list[tuple[str, Any, Any, bool]]:
    """(key, old, new, recorded) of one event, in a stable order."""
    payload = event.payload
    if event.action == "case.created":
        answers = payload.get("answers") or {}
        return [(k, None, v, True) for k, v in sorted(answers.items())]
    changes = payload.get("changes")
    if changes is None:  # an event of before 2026-11-30: which answers, not their values
        return [(k, None, None, False) for k in payload.get("answer_keys", [])]
    rows: list[tuple[str, Any, Any, bool]] = []
    fields = changes.get("fields") or {}
    order = {name: n for n, name in enumerate(FIELD_LABELS)}
    for name in sorted(fields, key=lambda n: (order.get(n, len(order)), n)):
        old, new = fields[name]
        rows.append((name, old, new, True))
    for key, (old, new) in sorted((changes.get("answers") or {}).items()):
        rows.append((key, old, new, True))
    for check, (old, new) in sorted((changes.get("explanations") or {}).items()):
        rows.append((f"explanation:{check}", old, new, True))
    return rows


def answer_history(case: Case) -> list[HistoryRow]:
    """Every value set or changed on the case, newest first (two queries whatever its length)."""
    events = list(
        AuditEvent.objects.filter(
            object_type="case",
            object_id=str(case.pk),
            action__in=("case.created", "case.changed"),
        ).order_by("-seq")
    )
    usernames = {e.actor for e in events if e.actor}
    names = {
        u.username: u.get_full_name()
        for u in User.objects.filter(username__in=usernames).only(
            "username", "first_name", "last_name"
        )
    }
    rows: list[HistoryRow] = []
    for event in events:
        for key, old, new, recorded in _changes(event):
            old_text, new_text = _texts(key, old, new, recorded)
            rows.append(
                HistoryRow(
                    seq=event.seq,
                    at=event.occurred_at,
                    by=event.actor,
                    by_name=person_text(names.get(event.actor), event.actor),
                    key=key,
                    label=_label(key),
                    old=old,
                    new=new,
                    old_text=old_text,
                    new_text=new_text,
                    recorded=recorded,
                )
            )
    return rows
