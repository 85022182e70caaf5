"""The auditor's verification forms on the audit chain page: check the service against signed
heads the auditor kept, check one downloaded record PDF, check one record by its reference."""

from __future__ import annotations

from typing import Any

from django import forms

from decisions.engine.hashable import JsonRejected, parse_json
from decisions.integrity.signing import (
    Head,
    HeadProblem,
    KeyProblem,
    heads_from_json,
    keys_from_json,
)
from sourcing.field_errors import GovukForm
from sourcing.forms import reference_typed, text_field

HEADS_MAX_BYTES = 5 * 1024 * 1024  # a copy of the feed with thousands of heads fits
PDF_MAX_BYTES = 20 * 1024 * 1024  # a record PDF is well under 1 MB


def _read(upload: Any, limit: int, what: str) -> bytes:
    """An uploaded file's bytes, refused beyond `limit`."""
    if upload.size is not None and upload.size > limit:
        raise forms.ValidationError(f"{what} must be smaller than {limit // (1024 * 1024)} MB")
    return bytes(upload.read())


class HeadsField(GovukForm):
    """Signed heads pasted or uploaded: one head, a copy of the heads feed, an export manifest
    or a record proof (what `manage.py verify_audit --head` reads)."""

    heads_text = forms.CharField(required=False, max_length=HEADS_MAX_BYTES)
    heads_file = forms.FileField(required=False)

    heads_required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        text = (cleaned.get("heads_text") or "").strip()
        upload = cleaned.get("heads_file")
        self.heads: list[Head] = []
        self.keys: dict[str, Any] = {}
        if self.errors:
            return cleaned
        if text and upload:
            self.add_error("heads_file", "Paste the signed heads or choose a file, not both")
            return cleaned
        if not text and not upload:
            if self.heads_required:
                self.add_error(
                    "heads_text", "Paste the signed heads you kept, or choose a file of them"
                )
            return cleaned
        field = "heads_text" if text else "heads_file"
        try:
            raw = text if text else _read(upload, HEADS_MAX_BYTES, "The file of signed heads")
            data = parse_json(raw, gate=False)
            self.heads = heads_from_json(data)
            self.keys = keys_from_json(data)
        except forms.ValidationError as exc:
            self.add_error(field, exc)
        except JsonRejected as exc:
            self.add_error(field, f"The signed heads are not valid JSON: {exc.reason or exc}")
        except (HeadProblem, KeyProblem) as exc:
            self.add_error(field, f"The signed heads cannot be read: {exc}")
        return cleaned


class HeadsForm(HeadsField):
    """Check the whole service against signed heads kept elsewhere."""


class PdfForm(HeadsField):
    """Check one downloaded decision record PDF (heads optional: then the service's own)."""

    pdf = forms.FileField(
        error_messages={"required": "Choose the decision record PDF to check"},
    )
    heads_required = False

    def clean_pdf(self) -> bytes:
        upload = self.cleaned_data["pdf"]
        data = _read(upload, PDF_MAX_BYTES, "The PDF")
        if not data.startswith(b"%PDF-"):
            raise forms.ValidationError("The file chosen is not a PDF")
        return data


class RecordForm(GovukForm):
    """Check one decision record by its reference."""

    reference = text_field(
        20,
        required="Enter the reference of a decision record, like SRC-2026-0001",
        too_long="A reference is at most 20 characters, like SRC-2026-0001",
    )

    def clean_reference(self) -> str:
        return reference_typed(self.cleaned_data["reference"])
