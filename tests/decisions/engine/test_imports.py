"""The engine stays pure Python."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[3] / "decisions" / "engine"


def test_engine_imports_no_django() -> None:
    files = sorted(ENGINE.glob("**/*.py"))
    assert files, "the engine's source files were not found"
    offenders = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in {"django", "ninja"}
            ]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith("decisions.") and not n.startswith("decisions.engine")
            ]
    assert offenders == []


def test_engine_never_calls_eval_or_exec() -> None:
    for path in ENGINE.glob("**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id not in {"eval", "exec", "compile"}, path.name
