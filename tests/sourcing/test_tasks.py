"""Tasks are queued by name: every name a service queues, or the beat schedules, is registered
when a web process or a worker starts (each app's AppConfig.ready() imports its task modules)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from celery.exceptions import NotRegistered
from django.conf import settings

from sourcing.tasks import enqueue

pytestmark = pytest.mark.usefixtures("subprocesses_use_the_test_database")

ROOT = Path(__file__).resolve().parents[2]
APPS = ("sourcing", "decisions", "suppliers")
QUEUERS = {"enqueue", "enqueue_on_commit", "dispatch"}


def _string_constants(tree: ast.Module) -> dict[str, str]:
    constants = {}
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
            if isinstance(value.value, str):
                constants[target.id] = value.value
    return constants


def queued_task_names() -> set[str]:
    """The first argument of every enqueue(), enqueue_on_commit() and dispatch() in the code."""
    names: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = _string_constants(tree)
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if called not in QUEUERS or (path.name == "tasks.py" and app == "sourcing"):
                    continue
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    names.add(first.value)
                elif isinstance(first, ast.Name):
                    names.add(constants[first.id])  # a name the module defines
    return names


def _registered(code: str) -> set[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sourcing.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_services_queue_the_tasks_they_mean() -> None:
    assert queued_task_names() >= {
        "decisions.ruleset_run",
        "decisions.render_record_pdf",
        "decisions.export_build",
    }


@pytest.mark.parametrize(
    "start",
    [
        # A web process: Django starts (as sourcing.wsgi does), nothing else is imported.
        "import django; django.setup()",
        # A worker: Celery imports its default modules, which starts Django (its Django fixup).
        "from sourcing.celery import app; app.loader.import_default_modules()",
    ],
    ids=["web", "worker"],
)
def test_every_queued_and_scheduled_task_is_registered_at_start_up(start: str) -> None:
    registered = _registered(
        f"{start}\nimport json\nfrom sourcing.celery import app\nprint(json.dumps(sorted(app.tasks)))"
    )
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    missing = (queued_task_names() | scheduled | {"sourcing.ping"}) - registered
    assert missing == set()


def test_an_unknown_task_name_is_refused() -> None:
    with pytest.raises(NotRegistered):
        enqueue("decisions.no_such_task", 1)
