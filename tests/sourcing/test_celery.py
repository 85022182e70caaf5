"""Celery: eager without Redis; a real worker through the local Redis with it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from sourcing.tasks import ping
from tests.conftest import service_missing

pytestmark = pytest.mark.usefixtures("subprocesses_use_the_test_database")

ROOT = Path(__file__).resolve().parents[2]


def test_without_redis_url_tasks_run_in_process() -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    code = "import django; django.setup(); from sourcing.tasks import ping; print(ping.delay('x').get())"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "sourcing.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "pong:x", result.stderr


@pytest.mark.services
def test_a_real_worker_runs_a_task_through_redis(settings) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        service_missing("REDIS_URL is not set, so tasks run eagerly")
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing(f"Redis at {settings.REDIS_URL} does not answer: {exc}")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "sourcing",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        result = ping.apply_async(args=["real"], queue=queue)
        assert result.get(timeout=60) == "pong:real"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
