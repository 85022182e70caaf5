"""Benchmark: import a 2,000-row supplier catalogue CSV (target under 10 s), then import it
again (all unchanged) and with every row changed.

Runs on a throwaway SQLite database: `python scripts/bench_suppliers.py`.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="bench-suppliers-"))
os.environ["VAR_DIR"] = str(WORK)
os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
os.environ.setdefault("LOG_LEVEL", "ERROR")
os.environ["DJANGO_SETTINGS_MODULE"] = "sourcing.settings"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

ROWS = 2000
TARGET_SECONDS = 10.0


def main() -> None:
    from sourcing.models import Role
    from sourcing.people.services import user_ensure
    from suppliers.catalogue import catalogue_csv, catalogue_import
    from suppliers.demo import demo_catalogue_rows

    call_command("migrate", verbosity=0)
    admin = user_ensure(username="bench-admin", role=Role.ADMIN, password="bench-only-1234")
    rows = demo_catalogue_rows(ROWS)
    raw = catalogue_csv(rows).encode("utf-8")
    changed = catalogue_csv([{**r, "description": "Changed."} for r in rows]).encode("utf-8")

    def timed(label: str, data: bytes) -> float:
        started = time.perf_counter()
        result = catalogue_import(by=admin, raw=data, filename=f"{label}.csv")
        seconds = time.perf_counter() - started
        print(
            f"{label:<28} {seconds:6.2f} s  created {len(result.created)}, "
            f"updated {len(result.updated)}, unchanged {len(result.unchanged)}"
        )
        return seconds

    print(f"Catalogue import of {ROWS:,} rows ({len(raw) / 1024:.0f} KiB)")
    first = timed("first import (all new)", raw)
    timed("same file again", raw)
    timed("every row changed", changed)
    verdict = "meets" if first < TARGET_SECONDS else "MISSES"
    print(f"First import: {first:.2f} s, {verdict} the {TARGET_SECONDS:.0f} s target")


if __name__ == "__main__":
    main()
