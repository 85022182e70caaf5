"""The PDF of a case as it stands, for its department: answers, latest recommendation,
explanations and sign-offs, marked "Draft, not a decision" on every page. Rendered on request
with the decision records' print pipeline (WeasyPrint, PDF/UA-1, the safe fetcher); nothing is
stored and nothing is chained: it is not a record."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from decisions.assessments.selectors import latest_assessment
from decisions.cases.selectors import current_signoffs
from decisions.presenter import (
    DISCIPLINE_LABELS,
    answer_shown,
    check_label,
    headline,
    moment_text,
    question_label,
)
from decisions.records.pdf import breakable, html_to_pdf
from sourcing.models import Case
from sourcing.questionnaire import SECTIONS

WATERMARK = "Draft, not a decision"


def draft_context(case: Case) -> dict[str, Any]:
    """What the draft PDF shows, in the words of the case pages (decisions.presenter)."""
    latest = latest_assessment(case)
    signoffs = current_signoffs(case)
    sections = [
        {
            "title": section.title,
            "rows": [
                {
                    "label": question_label(key),
                    "value": answer_shown(key, case.answers[key])
                    if key in case.answers
                    else "Not answered",
                }
                for key in section.keys
            ],
        }
        for section in SECTIONS
    ]
    shown = {
        "title": case.title,
        "summary": case.summary,
        "sections": sections,
        "recommendation": headline(latest.result) if latest else "",
        "assessed_at": moment_text(latest.created_at) if latest else "",
        "assessment_current": latest is not None and latest.answers_version == case.answers_version,
        "explanations": [
            {"check": check_label(check), "text": text}
            for check, text in sorted(case.explanations.items())
        ],
        "signoffs": [
            {
                "discipline": DISCIPLINE_LABELS.get(discipline, discipline),
                "name": signoff.name,
                "stale": signoff.content_version != case.content_version,
            }
            for discipline, signoff in signoffs.items()
        ],
        "sro_name": case.sro_name,
    }
    return {
        **breakable(shown),
        "case": case,
        "status": case.get_status_display(),
        "department": case.department.name,
        "printed_at": moment_text(timezone.now()),
        "watermark": WATERMARK,
        "document_title": f"{WATERMARK}: case {case.reference}",
    }


def case_draft_pdf_bytes(case: Case) -> bytes:
    """The draft PDF of a case (tagged PDF/UA-1); every user's text autoescaped."""
    return html_to_pdf(render_to_string("decisions/pdf_case_draft.html", draft_context(case)))


def draft_filename(case: Case) -> str:
    """A server-made file name: "DRAFT-SD-2026-0001.pdf"."""
    return f"DRAFT-{case.reference}.pdf"
