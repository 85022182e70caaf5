"""Route matrix examples for decision record PDFs and exports (issue 7)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sourcing.models import User
from tests.sourcing.examples_review import _decided


def _record_pair(users: dict[str, User], key: str) -> dict[str, dict[str, Any]]:
    # The PDFs are not rendered: the test's transaction never commits, so on_commit never
    # dispatches them, and the matrix expects 202 (still rendering) from allowed callers.
    own = _decided(users["commercial"], users["reviewer"])
    foreign = _decided(users["outsider"], users["reviewer"])
    return {"own": {key: own.pk}, "foreign": {key: foreign.pk}}


def _export(users: dict[str, User]) -> dict[str, dict[str, Any]]:
    from decisions.exports.services import export_start

    # Pending (its build is dispatched on commit): the detail page shows it, the download is 404.
    job = export_start(by=users["auditor"], filters={})
    return {"own": {"pk": job.pk}}


EXAMPLES: dict[str, Callable[[dict[str, User]], dict[str, dict[str, Any]]]] = {
    "record_pdf": lambda users: _record_pair(users, "pk"),
    "api:decision_pdf": lambda users: _record_pair(users, "record_id"),
    "export_detail": _export,
    "export_download": _export,
}
