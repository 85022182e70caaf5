"""scripts/uv-bootstrap.sh: a uv kept by an earlier clone is reused, else pip installs one and it
is kept (ADR 0038). Fake interpreters and fake uv binaries stand in for PyPI."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "uv-bootstrap.sh"


def _executable(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def _fake_uv(path: Path, version: str) -> Path:
    return _executable(path, f'echo "uv {version} (fake)"\n')


class Machine:
    """A home with a cache, a venv whose python has no pip, and an interpreter whose pip either
    installs a fake uv (recording that it ran) or fails."""

    def __init__(self, tmp_path: Path, *, pip_works: bool = True, pip_version: str = "0.13.9"):
        self.cache = tmp_path / "cache" / "sourcing-decisions"
        self.venv = tmp_path / "venv"
        self.pip_log = tmp_path / "pip.log"
        _executable(self.venv / "bin" / "python", "exit 1\n")  # no ensurepip in the venv
        if pip_works:
            # `python -m pip --python VENV/bin/python install -q REQ`: a uv into VENV/bin.
            body = (
                f'echo "$@" >> {self.pip_log}\n'
                f'bin=$(dirname "$4")\n'
                f'printf \'#!/bin/sh\\necho "uv {pip_version} (fake)"\\n\' > "$bin/uv"\n'
                'chmod +x "$bin/uv"\n'
            )
        else:
            body = f'echo "$@" >> {self.pip_log}\nexit 1\n'
        self.python = _executable(tmp_path / "python3.12", body)
        self.tmp = tmp_path

    def keep(self, version: str, *, answers: str | None = None, age_days: float = 0) -> Path:
        uv = _fake_uv(self.cache / f"uv-{version}" / "uv", answers or version)
        if age_days:
            past = time.time() - age_days * 86400
            os.utime(uv.parent, (past, past))
        return uv

    def bootstrap(self) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "XDG_CACHE_HOME": str(self.cache.parent)}
        return subprocess.run(
            ["bash", str(SCRIPT), str(self.python), str(self.venv), "uv>=0.5,<1"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )

    def venv_uv_version(self) -> str:
        out = subprocess.run(
            [str(self.venv / "bin" / "uv"), "--version"], capture_output=True, text=True
        )
        return out.stdout.split()[1]

    @property
    def pip_ran(self) -> bool:
        return self.pip_log.exists()


def test_a_kept_uv_is_used_without_pip(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    machine.keep("0.9.5")
    machine.keep("0.13.9")  # the newest version wins (compared as versions, not text)
    machine.bootstrap()
    assert machine.venv_uv_version() == "0.13.9"
    assert not machine.pip_ran


def test_with_nothing_kept_pip_installs_uv_and_it_is_kept_for_the_next_clone(
    tmp_path: Path,
) -> None:
    machine = Machine(tmp_path, pip_version="0.14.1")
    machine.bootstrap()
    assert machine.venv_uv_version() == "0.14.1"
    assert machine.pip_log.read_text().split()[:3] == ["-m", "pip", "--python"]
    kept = machine.cache / "uv-0.14.1" / "uv"
    assert subprocess.run([kept, "--version"], capture_output=True, text=True).stdout.startswith(
        "uv 0.14.1"
    )
    assert [p.name for p in kept.parent.iterdir()] == ["uv"]  # no temporary copy left


@pytest.mark.parametrize(
    ("answers", "age_days"),
    [("0.12.0", 0), ("", 0), ("0.13.0", 31)],
    ids=["answers-another-version", "does-not-run", "older-than-30-days"],
)
def test_a_kept_uv_that_fails_its_check_is_not_used(
    tmp_path: Path, answers: str, age_days: float
) -> None:
    machine = Machine(tmp_path)
    kept = machine.keep("0.13.0", answers=answers or "x", age_days=age_days)
    if not answers:
        kept.write_text("#!/bin/sh\nexit 1\n")
    machine.bootstrap()
    assert machine.pip_ran
    assert machine.venv_uv_version() == "0.13.9"


def test_a_uv_of_another_major_version_is_not_used(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    machine.keep("1.0.0")
    machine.bootstrap()
    assert machine.pip_ran
    assert machine.venv_uv_version() == "0.13.9"


def test_without_a_kept_uv_or_pip_it_says_pip_installs_the_requirements(tmp_path: Path) -> None:
    machine = Machine(tmp_path, pip_works=False)
    result = machine.bootstrap()
    assert "pip installs the requirements" in result.stdout
    assert not (machine.venv / "bin" / "uv").exists()
    assert not machine.cache.exists()
