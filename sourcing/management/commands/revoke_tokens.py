"""manage.py revoke_tokens USER: revokes every API token of the user."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sourcing.models import User
from sourcing.people.services import tokens_revoke


class Command(BaseCommand):
    help = "Revoke every API token of a user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user called {options['username']!r}.")
        count = tokens_revoke(user=user)
        self.stdout.write(f"Revoked {count} token(s) of {user.username}.")
