"""What the Docker image may hold: never .env (passwords, AUDIT_SIGNING_KEY), var/ or .venv.

Docker is not run here: .dockerignore is read with its own rules (each line a pattern matched
against the path from the build context's root, or against any leading directory of it; a line
starting with `!` lets a path back in; the last matching line wins).
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def ignored(path: str) -> bool:
    """Whether `docker build` leaves `path` (relative to the context) out of the context."""
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    rules = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for rule in rules:
        negated = rule.startswith("!")
        pattern = rule.lstrip("!").strip("/")
        if pattern.startswith("**/"):
            candidates = [p for p in prefixes] + ["/".join(parts[i:]) for i in range(len(parts))]
            pattern = pattern[3:]
        else:
            candidates = prefixes
        if any(fnmatchcase(candidate, pattern) for candidate in candidates):
            result = not negated
    return result


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        "var/keys/audit-signing-key.pem",
        "var/media/records/SRC-2026-0001-abc.pdf",
        "var/db.sqlite3",
        ".venv/bin/python",
        ".git/config",
        "decisions/__pycache__/models.cpython-312.pyc",
        "celerybeat-schedule.db",
        "media/records/x.pdf",
    ],
)
def test_secrets_and_local_data_stay_out_of_the_image(path: str) -> None:
    assert ignored(path)


@pytest.mark.parametrize(
    "path", [".env.example", "decisions/models.py", "manage.py", "static/app.css", "README.md"]
)
def test_the_code_goes_into_the_image(path: str) -> None:
    assert not ignored(path)


def test_the_media_volume_is_made_writable_by_the_app_user_before_it_is_declared() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    owned = re.search(r"^RUN .*mkdir -p var/media.*chown -R app:app var", dockerfile, re.M)
    volume = re.search(r'^VOLUME \["/app/var/media"\]', dockerfile, re.M)
    user = re.search(r"^USER app$", dockerfile, re.M)
    assert owned and volume and user
    assert owned.start() < volume.start() < user.start()
