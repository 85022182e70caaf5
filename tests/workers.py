"""A real Celery worker for the worker tests: a second process on the test's PostgreSQL database
and the local Redis, consuming one queue of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def celery_worker(queue: str, **env: str) -> subprocess.Popen[str]:
    """Start `celery worker` (solo pool) on `queue`, with the test database's URL and `env`
    added to this process's environment. The caller kills it."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sourcing", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": url, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
