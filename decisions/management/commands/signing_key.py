"""manage.py signing_key: print the key id and public key that sign the published heads.

`--generate` prints a new random private key (the 32-byte seed in hex) for AUDIT_SIGNING_KEY
and stores nothing: put it in the environment or a file the database never sees.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from decisions.integrity.keys import published_keys
from decisions.integrity.signing import KeyProblem


class Command(BaseCommand):
    help = "Print the signing key's id and public key (JSON), or --generate a new private key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--generate",
            action="store_true",
            help="Print a new random private key (64 hex digits) for AUDIT_SIGNING_KEY.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate"]:
            self.stdout.write(secrets.token_hex(32))
            return
        try:
            keys = published_keys()
        except (KeyProblem, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps({"keys": keys}, indent=2))
