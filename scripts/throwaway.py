"""The preamble of the benches that fill a throwaway database (bench_consistency.py,
bench_dashboard.py, bench_impact.py): their command line, and Django set up on a migrated
database that is never the project's.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def bench_arguments(doc: str | None, *, count: str, default: int) -> argparse.Namespace:
    """`--<count> N` (default `default`) and `--database-url URL` (a throwaway database to
    fill; empty: a SQLite file in a temporary directory), parsed from the command line."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument(f"--{count}", type=int, default=default)
    parser.add_argument("--database-url", default="", help="a throwaway database to fill")
    return parser.parse_args()


def throwaway_django(
    database_url: str, *, prefix: str
) -> tuple[tempfile.TemporaryDirectory[str], float]:
    """Set Django up on `database_url` (or a new SQLite file under a temporary directory named
    with `prefix`), with tasks run eagerly in this process (no REDIS_URL) and only errors
    logged, and migrate it. Returns the temporary directory (keep it alive while the database is
    used) and the migration's seconds."""
    workdir = tempfile.TemporaryDirectory(prefix=prefix)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir.name}/bench.sqlite3"
    os.environ.pop("REDIS_URL", None)  # tasks run eagerly, in this process
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sourcing.settings")
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    return workdir, time.perf_counter() - started
