"""A bench's own database: named after DATABASE_URL's with its suffix, never another."""

from __future__ import annotations

import pytest

from scripts.loadbench.databases import bench_database_url, create_database


def test_the_bench_database_is_named_after_database_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BATCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@db.example:5433/sourcing_x")
    assert bench_database_url("batch", "BATCH_DATABASE_URL") == (
        "postgres://postgres@db.example:5433/sourcing_x_batch"
    )


def test_an_embedded_database_url_falls_back_to_the_local_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/db.sqlite3")
    assert bench_database_url("bench", "BENCH_DATABASE_URL") == (
        "postgres://postgres@127.0.0.1:5432/sourcing_bench"
    )


def test_the_override_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://u@h/mine_bench")
    assert bench_database_url("bench", "BENCH_DATABASE_URL") == "postgres://u@h/mine_bench"


def test_a_database_without_the_suffix_is_never_recreated() -> None:
    with pytest.raises(SystemExit, match="refusing to recreate 'sourcing'"):
        create_database("postgres://postgres@127.0.0.1:5432/sourcing", "bench", "X", "load bench")
