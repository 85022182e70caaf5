"""The record PDF people download once outcome reviews exist: the record as issued, then its
outcome reviews as a later, clearly headed section (issue 20, item 2; docs/decisions/0029).

The stored PDF (the record as issued: rendered once, its sha256 chained on `pdf.rendered`) is
never changed nor rendered again. This document is rendered on request, like the draft PDF,
from the same print template (the record's frozen content, so the same words) followed by the
outcome reviews, and it carries what proves both parts as attachments:

- `record-as-issued.pdf`: the stored PDF byte for byte (its hash is printed and chained; it
  carries the record proof, so `manage.py verify_record` checks it as before);
- `outcome-reviews.json`: each outcome review's audit event as its hash covers it (the event's
  content, RFC 8785), so each printed event hash can be recomputed and found on the chain.

Nothing is stored and nothing is chained: a GET changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import orjson
from django.template.loader import render_to_string

from decisions.audit.models import AuditEvent
from decisions.audit.services import event_content
from decisions.presenter import moment_text, money_text
from decisions.records.models import DecisionRecord
from decisions.records.pdf import breakable, html_to_pdf, pdf_context

ISSUED_ATTACHMENT = "record-as-issued.pdf"
EVENTS_ATTACHMENT = "outcome-reviews.json"
LEVELS = {"none": "None", "partly": "Partly", "fully": "Fully", "moderate": "Moderate"}


def outcome_rows(events: Sequence[AuditEvent]) -> list[dict[str, Any]]:
    """Each outcome review as the PDF prints it (the record page's words)."""
    rows = []
    for event in events:
        p = event.payload
        late = p.get("months_late") or 0
        estimate = p.get("estimate_gbp")
        cost = money_text(p.get("actual_cost_gbp"))
        if estimate is not None:
            variance = p.get("variance_gbp") or 0
            side = "over" if variance > 0 else "under" if variance < 0 else "on"
            cost += f" against an estimate of {money_text(estimate)}"
            cost += f" ({money_text(abs(variance))} {side})" if variance else " (on estimate)"
        rows.append(
            {
                "at": moment_text(event.occurred_at),
                "by": event.actor,
                "delivered": "Yes" if p.get("delivered") else "No",
                "on_time": "Yes"
                if p.get("on_time")
                else f"No, {late} month{'s' * (late != 1)} late",
                "cost": cost,
                "benefits": str(p.get("benefits_realised", "")).capitalize(),
                "lock_in": str(p.get("lock_in", "")).capitalize(),
                "same_again": "Yes" if p.get("same_again") else "No",
                "comment": p.get("comment", ""),
                "seq": event.seq,
                "sha256": event.sha256,
            }
        )
    return rows


def outcome_events_json(events: Sequence[AuditEvent]) -> bytes:
    """The outcome reviews' audit events, each as its hash covers it plus the hash:
    `{"events": [{"content": {seq, occurred_at, ...}, "sha256"}]}` (UTF-8 JSON)."""
    return orjson.dumps(
        {"events": [{"content": event_content(e), "sha256": e.sha256} for e in events]},
        option=orjson.OPT_INDENT_2,
    )


def _attachment(data: bytes, name: str, description: str) -> Any:
    from weasyprint import Attachment  # noqa: PLC0415 (on first use: ADR 0024)

    return Attachment(
        file_obj=io.BytesIO(data), name=name, description=description, relationship="Source"
    )


def outcomes_pdf_bytes(
    record: DecisionRecord,
    events: Sequence[AuditEvent],
    *,
    issued: bytes,
    issued_sha256: str,
) -> bytes:
    """The record followed by its outcome reviews (`events`, oldest first), tagged PDF/UA-1;
    `issued` is the stored PDF (attached as it is) and `issued_sha256` the hash chained for
    it. Users' text is autoescaped and made breakable as in the record's own PDF."""
    context = {
        **pdf_context(record),
        "outcomes": breakable(outcome_rows(events)),
        "issued_sha256": issued_sha256,
        "issued_name": ISSUED_ATTACHMENT,
        "events_name": EVENTS_ATTACHMENT,
    }
    context["title"] = f"{context['title']}, with outcome reviews"
    html = render_to_string("decisions/pdf_record_outcomes.html", context)
    attachments = [
        _attachment(issued, ISSUED_ATTACHMENT, "The decision record's PDF as issued"),
        _attachment(
            outcome_events_json(events),
            EVENTS_ATTACHMENT,
            "The outcome reviews' audit events as their hashes cover them",
        ),
    ]
    return html_to_pdf(html, attachments=attachments)


def outcomes_filename(record: DecisionRecord) -> str:
    """The download's file name, made by the server."""
    return f"{record.reference}-decision-with-outcomes.pdf"
