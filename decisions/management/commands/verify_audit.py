"""manage.py verify_audit: check the audit chain, checkpoints and records; exit 1 on a problem.

`--head FILE` (repeatable; `-` reads standard input) checks the chain against signed heads the
auditor kept: one head, a copy of the heads feed (GET /api/v1/register/heads), an export
manifest or a record's proof. A tail deleted after the last checkpoint, or a history re-hashed
together with its checkpoints, no longer matches a head published before.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decisions.integrity.signing import Head, HeadProblem, heads_from_json
from decisions.integrity.verification import audit_verify


def read_heads(sources: list[str], option: str = "--head") -> list[Head]:
    """The signed heads in each file (or `-` for standard input); CommandError names the file
    and the command's own option (`option`: "--head" here, "--heads" for verify_record)."""
    heads: list[Head] = []
    for source in sources:
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text()
            heads.extend(heads_from_json(json.loads(text)))
        except OSError as exc:
            raise CommandError(f"{option} {source}: cannot read it ({exc.strerror}).") from None
        except UnicodeDecodeError:
            raise CommandError(
                f"{option} {source}: not UTF-8 text (signed heads are a JSON file)."
            ) from None
        except RecursionError:
            raise CommandError(f"{option} {source}: not JSON (nested too deeply).") from None
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{option} {source}: not JSON ({exc.msg}, line {exc.lineno})."
            ) from None
        except HeadProblem as exc:
            raise CommandError(f"{option} {source}: {exc}") from None
    return heads


class Command(BaseCommand):
    help = (
        "Verify the audit chain, its checkpoints, the decision records, their PDFs and the signed "
        "heads (JSON output); --head checks against signed heads you kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            action="append",
            default=[],
            metavar="FILE",
            help="A signed head, a copy of the heads feed, an export manifest or a record proof "
            "(JSON; '-' for standard input). Repeat for several.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        heads = read_heads(options["head"])
        report = audit_verify(heads=heads)
        self.stdout.write(json.dumps(report.to_dict(), indent=2))
        if not report.valid:
            sys.exit(1)
