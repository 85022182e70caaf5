"""People as others read them: by full name, or by username when there is no name. The one
definition, below the presenter (decisions.presenter re-exports it for pages, records and
PDFs) so the sourcing domain's own pages and messages name people the same way."""

from __future__ import annotations

from typing import Protocol


class Named(Protocol):
    """A user (sourcing.models.User) as a name is read from them: no queries."""

    def get_full_name(self) -> str: ...

    def get_username(self) -> str: ...


def person_text(name: str | None, username: str | None) -> str:
    """A person by their full name, or their username when the record kept no name (records of
    schema version 1) or they have none."""
    return (name or "").strip() or username or ""


def user_text(user: Named | None, *, none: str = "") -> str:
    """A user as people read them (person_text): their full name ("Alice Adams"), or their
    username when they have none; `none` when there is no user (a system action)."""
    if not user:
        return none
    return person_text(user.get_full_name(), user.get_username())
