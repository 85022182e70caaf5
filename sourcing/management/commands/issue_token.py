"""manage.py issue_token USER [--days N]: prints a new API token alone on its last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sourcing.models import User
from sourcing.people.services import token_issue


class Command(BaseCommand):
    help = "Issue an API bearer token for a user; the token is printed alone on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None, help="Days until it expires.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user called {options['username']!r}.")
        try:
            raw = token_issue(user=user, days=options["days"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"Token for {user.username} (role {user.role}); keep it secret.")
        self.stdout.write(raw)
