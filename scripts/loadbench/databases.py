"""A bench's own PostgreSQL database: its URL and a fresh, empty copy of it.

Both benches (scripts/bench_load.py, scripts/bench_batch.py) work in a database of their own,
named after DATABASE_URL's with a suffix (`sourcing_bench`, `sourcing_batch`), so a bench never
touches the data a developer or the test suite uses.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import psycopg

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/sourcing"


def bench_database_url(suffix: str, override_env: str) -> str:
    """The URL in `override_env` if set, else DATABASE_URL's server with `<name>_<suffix>`.

    A DATABASE_URL that is not PostgreSQL (the embedded SQLite default) falls back to the local
    server at 127.0.0.1:5432.
    """
    if os.environ.get(override_env):
        return os.environ[override_env]
    base = os.environ.get("DATABASE_URL", "") or DEFAULT_SERVER
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        parts = urlsplit(DEFAULT_SERVER)
    name = parts.path.strip("/") or "sourcing"
    return urlunsplit(parts._replace(path=f"/{name}_{suffix}"))


def create_database(url: str, suffix: str, override_env: str, what: str) -> None:
    """Drop and create the database at `url`, refusing any name not ending in `_<suffix>`.

    Raises SystemExit with what to set when PostgreSQL cannot be reached.
    """
    parts = urlsplit(url)
    name = parts.path.strip("/")
    if not name.endswith(f"_{suffix}"):
        raise SystemExit(
            f"refusing to recreate {name!r}: the {what} database name ends in _{suffix}"
        )
    server = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise SystemExit(
            f"PostgreSQL is needed for the {what} and is not reachable at {server}: {exc}\n"
            f"Set {override_env} (a database name ending in _{suffix}) or DATABASE_URL."
        ) from exc
