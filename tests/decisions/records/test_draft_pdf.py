"""The department's PDF of its case as it stands: "Draft, not a decision" on every page, its
answers in the case pages' words, its own department only; and changing the title and summary
until submission (audited)."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable

import pypdf
import pytest
from django.test import Client
from django.urls import reverse

from decisions.audit.models import AuditEvent
from decisions.cases.services import case_create
from sourcing.models import Case, User
from tests.factories import complete_answers, submitted_case
from tests.pages import error_summary

ClientAs = Callable[[User | None], Client]


def _text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


def test_the_department_downloads_its_case_as_a_draft_marked_on_every_page(
    users: dict[str, User], client_as: ClientAs
) -> None:
    case = case_create(
        by=users["commercial"],
        title="Appeals <script>alert(1)</script>",
        summary="Who needs it",
        answers=complete_answers(),
    )
    response = client_as(users["commercial"]).get(reverse("case_draft_pdf", args=[case.reference]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f'filename="DRAFT-{case.reference}.pdf"' in response["Content-Disposition"]
    pdf = response.content
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert "Draft, not a decision" in " ".join(page.extract_text().split())
    text = _text(pdf)
    assert "Appeals <script>alert(1)</script>" in text  # as typed, never as markup
    assert "What is the impact if it fails?" in text and "None yet" in text


def test_another_department_and_other_roles_cannot_download_the_draft(
    users: dict[str, User], client_as: ClientAs
) -> None:
    case = case_create(by=users["commercial"], title="Ours")
    url = reverse("case_draft_pdf", args=[case.reference])
    assert client_as(users["outsider"]).get(url).status_code == 404
    assert client_as(users["reviewer"]).get(url).status_code == 403
    assert client_as(users["auditor"]).get(url).status_code == 403


def test_the_title_and_summary_are_changed_until_submission_and_audited(
    users: dict[str, User], client_as: ClientAs
) -> None:
    alice = client_as(users["commercial"])
    case = case_create(by=users["commercial"], title="Old title", summary="Old")
    url = reverse("case_details", args=[case.reference])
    page = alice.get(url).content.decode()
    assert 'value="Old title"' in page and ">Old</textarea>" in page
    assert url in alice.get(reverse("case_detail", args=[case.reference])).content.decode()
    saved = alice.post(url, {"title": "New title", "summary": "New summary"})
    assert saved["Location"] == reverse("case_detail", args=[case.reference])
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.title, fresh.summary, fresh.answers_version) == ("New title", "New summary", 1)
    event = AuditEvent.objects.filter(action="case.changed", object_id=str(case.pk)).last()
    assert event is not None and event.payload["fields"] == ["title", "summary"]


def test_an_empty_title_is_named_and_nothing_is_saved(
    users: dict[str, User], client_as: ClientAs
) -> None:
    case = case_create(by=users["commercial"], title="Kept")
    response = client_as(users["commercial"]).post(
        reverse("case_details", args=[case.reference]), {"title": "", "summary": "x"}
    )
    assert ("#id_title", "Enter a title for the case") in error_summary(response)
    assert Case.objects.get(pk=case.pk).title == "Kept"


@pytest.mark.django_db
def test_a_submitted_case_s_title_cannot_be_changed(
    users: dict[str, User], ruleset: None, client_as: ClientAs
) -> None:
    case = submitted_case(users["commercial"], title="Sent")
    alice = client_as(users["commercial"])
    url = reverse("case_details", args=[case.reference])
    assert alice.post(url, {"title": "Changed"})["Location"] == reverse(
        "case_detail", args=[case.reference]
    )
    assert Case.objects.get(pk=case.pk).title == "Sent"
    assert url not in alice.get(reverse("case_detail", args=[case.reference])).content.decode()
