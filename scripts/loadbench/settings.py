"""Bench-only settings: the project's settings with the bench URLconf (which adds the bare
baseline view). Never used outside scripts/bench_load.py."""

from __future__ import annotations

from sourcing.settings import *  # noqa: F403
from sourcing.settings import ALLOWED_HOSTS

ROOT_URLCONF = "scripts.loadbench.urls"
# The query-count pass uses Django's test client, which calls itself "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
