"""Every environment variable the settings read is listed in .env.example."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting_the_service_reads() -> None:
    settings_source = (ROOT / "sourcing" / "settings.py").read_text()
    read = set(
        re.findall(
            r'env_(?:str|int|bool|list|choice|rate|oidc_providers)\(\s*"([A-Z0-9_]+)"',
            settings_source,
        )
    )
    listed = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no settings found: the pattern is out of date"
    assert read - listed == set()
    # docker-compose.yml interpolates these from .env; they are listed too.
    compose = (ROOT / "docker-compose.yml").read_text()
    interpolated = set(re.findall(r"\$\{([A-Z0-9_]+)", compose))
    assert interpolated - listed == set()
    # No password is written in docker-compose.yml: each comes from .env (or is blanked).
    for secret in re.findall(r"postgres://[^:/]+:([^@]+)@", compose):
        assert secret.startswith("${"), secret
    for value in re.findall(r"^\s*[A-Z_]*PASSWORD:\s*(.+)$", compose, re.M):
        assert value.startswith("${") or value == '""', value
