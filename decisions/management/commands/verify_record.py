"""manage.py verify_record FILE.pdf: check one decision record PDF offline.

Reads the record proof the PDF carries (record-proof.json), recomputes the record's hash from
its content, follows the Merkle inclusion proof to the signed head's root and checks the head's
Ed25519 signature with a key you trust. With --heads, the head must be one of the published heads
you kept. Then reads the visible pages (their text) and requires what they print to identify
the same record: its reference, record hash, previous record's hash, sequence number,
department code, decision and title (pages of one record with another record's proof are
reported). Needs no database. The record with its outcome reviews (ADR 0033): its attached
record-as-issued.pdf is checked so, and each review in outcome-reviews.json against this
service's audit chain (that part reads the database). Prints JSON; exits 1 on any problem.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decisions.integrity.keys import trusted_keys
from decisions.integrity.proofs import pdf_verify
from decisions.integrity.signing import KeyProblem, key_id, keys_from_json, public_key_from_text
from decisions.management.commands.verify_audit import read_heads


class Command(BaseCommand):
    help = "Verify one decision record PDF offline against a published signed head (JSON output)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("pdf", metavar="FILE.pdf", help="The record's PDF as downloaded.")
        parser.add_argument(
            "--heads",
            action="append",
            default=[],
            metavar="FILE",
            help="Published heads you kept (a copy of GET /api/v1/register/heads, or one head); "
            "the PDF's head must be among them. Their listed keys are trusted too.",
        )
        parser.add_argument(
            "--public-key",
            action="append",
            default=[],
            metavar="KEY",
            help="A trusted Ed25519 public key (base64 or hex of 32 bytes, or a PEM file).",
        )
        parser.add_argument(
            "--no-service-keys",
            action="store_true",
            help="Do not trust this installation's own signing key (verify as an outsider).",
        )

    def _keys(self, options: dict[str, Any]) -> dict[str, Any]:
        keys: dict[str, Any] = {} if options["no_service_keys"] else trusted_keys()
        try:
            for value in options["public_key"]:
                path = Path(value)
                text = path.read_text() if path.is_file() else value
                key = public_key_from_text(text)
                keys[key_id(key)] = key
            read_heads(options["heads"], "--heads")  # a file that is not heads: said as such
            for source in options["heads"]:
                keys.update(keys_from_json(json.loads(Path(source).read_text())))
        except (KeyProblem, ValueError) as exc:
            raise CommandError(f"A public key is not usable: {exc}") from None
        except OSError as exc:
            raise CommandError(f"Cannot read {exc.filename}: {exc.strerror}.") from None
        return keys

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = Path(options["pdf"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {options['pdf']}: {exc.strerror}.") from None
        published = read_heads(options["heads"], "--heads")
        keys = self._keys(options)
        proof, report = pdf_verify(data, keys=keys, published=published)
        if proof is None:
            self.stdout.write(json.dumps({"valid": False, "problems": report.problems}, indent=2))
            sys.exit(1)
        self.stdout.write(json.dumps(report.to_dict(), indent=2))
        if not report.valid:
            sys.exit(1)
