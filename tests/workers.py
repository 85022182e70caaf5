"""A real Celery worker for the worker tests: a second process on the test's PostgreSQL database
and the local Redis, consuming one queue of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

from tests.conftest import service_missing, test_database_url

ROOT = Path(__file__).resolve().parents[1]


def celery_worker(queue: str, **env: str) -> subprocess.Popen[str]:
    """Start `celery worker` (solo pool) on `queue`, with the test database's URL and `env`
    added to this process's environment. The caller kills it."""
    url = test_database_url()
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sourcing", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT, env={**os.environ, "DATABASE_URL": url, **env},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def require_real_worker() -> None:
    """Skip (or fail, with REQUIRE_SERVICES=1) a real-worker test unless tasks go to a Redis
    broker that answers (REDIS_URL set, so not eager) and the database is PostgreSQL, which the
    worker process shares the test's data through."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        service_missing("REDIS_URL is not set, so tasks run eagerly")
    if connection.vendor != "postgresql":
        service_missing("the worker test needs PostgreSQL (DATABASE_URL) to share the test data")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {settings.REDIS_URL} does not answer: {exc}")
