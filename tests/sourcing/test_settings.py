"""Settings: typed environment helpers and the production mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from sourcing.env import env_bool, env_choice, env_int, env_list, env_str

pytestmark = pytest.mark.usefixtures("subprocesses_use_the_test_database")

ROOT = Path(__file__).resolve().parents[2]


def test_env_int_fails_loudly_on_a_bad_value(monkeypatch) -> None:
    monkeypatch.setenv("SOME_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER must be a whole number"):
        env_int("SOME_NUMBER", 1)
    monkeypatch.setenv("SOME_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("SOME_NUMBER", 1, minimum=1)
    monkeypatch.setenv("SOME_NUMBER", "2000000")
    with pytest.raises(ImproperlyConfigured, match="at most 3660"):
        env_int("SOME_NUMBER", 1, maximum=3660)


def test_env_bool_accepts_only_yes_or_no_words(monkeypatch) -> None:
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "perhaps")
    with pytest.raises(ImproperlyConfigured, match="FLAG must be true or false"):
        env_bool("FLAG", False)


def test_env_helpers_use_defaults_when_unset(monkeypatch) -> None:
    monkeypatch.delenv("UNSET_THING", raising=False)
    assert env_list("UNSET_THING", ["a"]) == ["a"]
    assert env_choice("UNSET_THING", ("x", "y"), "x") == "x"
    with pytest.raises(ImproperlyConfigured, match="Set the environment variable UNSET_THING"):
        env_str("UNSET_THING", required=True)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    unset = ("DJANGO_ENV", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        # A guard against a hang, not a speed target: collectstatic hashes every vendored file and
        # takes minutes on a loaded 2-core machine.
        timeout=600,
    )


def test_production_mode_passes_the_deploy_check() -> None:
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY="k" * 20 + "Zq9!x@pL#7wE$3rT%6yU^1iO&8aS*2dF(5gH)0jK",
        ALLOWED_HOSTS="sourcing.example.gov.uk",
        AUDIT_SIGNING_KEY="5e" * 32,
        GOVUK_NOTIFY_API_KEY="sourcing-" + "0" * 36 + "-" + "0" * 36,
        GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID="5f6f7e40-0000-4000-8000-000000000001",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_a_notify_key_fails_the_deploy_check_naming_it() -> None:
    result = _manage(
        "check",
        "--deploy",
        DJANGO_ENV="production",
        SECRET_KEY="k" * 20 + "Zq9!x@pL#7wE$3rT%6yU^1iO&8aS*2dF(5gH)0jK",
        ALLOWED_HOSTS="sourcing.example.gov.uk",
        AUDIT_SIGNING_KEY="5e" * 32,
    )
    assert result.returncode != 0
    assert "sourcing.E010" in result.stderr and "GOVUK_NOTIFY_API_KEY" in result.stderr


def test_production_refuses_to_run_without_a_signing_key() -> None:
    result = _manage(
        "check",
        DJANGO_ENV="production",
        SECRET_KEY="k" * 20 + "Zq9!x@pL#7wE$3rT%6yU^1iO&8aS*2dF(5gH)0jK",
        ALLOWED_HOSTS="sourcing.example.gov.uk",
        AUDIT_SIGNING_KEY="",
        AUDIT_SIGNING_KEY_FILE="",
    )
    assert result.returncode != 0
    assert "decisions.E001" in result.stderr and "AUDIT_SIGNING_KEY" in result.stderr
    bad = _manage(
        "check",
        DJANGO_ENV="production",
        SECRET_KEY="k" * 60,
        AUDIT_SIGNING_KEY="too-short",
    )
    assert bad.returncode != 0 and "decisions.E002" in bad.stderr


def test_production_mode_requires_a_secret_key() -> None:
    result = _manage("check", DJANGO_ENV="production")
    assert result.returncode != 0
    assert "Set the environment variable SECRET_KEY" in result.stderr


def test_production_mode_refuses_debug() -> None:
    result = _manage("check", DJANGO_ENV="production", DEBUG="1", SECRET_KEY="s" * 60)
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_collects_static_files_with_hashed_module_imports(tmp_path: Path) -> None:
    result = _manage(
        "collectstatic",
        "--noinput",
        DJANGO_ENV="production",
        SECRET_KEY="k" * 20 + "Zq9!x@pL#7wE$3rT%6yU^1iO&8aS*2dF(5gH)0jK",
        STATIC_ROOT=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    app_js = next((tmp_path / "js").glob("app.*.js")).read_text()
    assert "govuk-frontend.min." in app_js and "govuk-frontend.min.js'" not in app_js


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PDF_SWEEP_SECONDS": "60", "PDF_SWEEP_AFTER_SECONDS": "60"}, "must be below PDF_SWEEP"),
        ({"PDF_RENDER_SOFT_TIME_LIMIT": "90", "PDF_RENDER_TIME_LIMIT": "90"}, "must be below"),
    ],
)
def test_the_pdf_sweep_and_time_limits_must_leave_room_for_recovery(
    env: dict[str, str], message: str
) -> None:
    result = _manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


_TEMPLATES_COMPILED_ONCE = """
from django.template import engines
from django.template.loaders.cached import Loader
engine = engines["django"].engine
assert [type(loader) for loader in engine.template_loaders] == [Loader], engine.template_loaders
assert engine.get_template("base.html") is engine.get_template("base.html")
print("compiled once")
"""


@pytest.mark.parametrize(
    ("settings_module", "env"),
    [
        (
            "sourcing.settings",
            {
                "DJANGO_ENV": "production",
                "SECRET_KEY": "k" * 20 + "Zq9!x@pL#7wE$3rT%6yU^1iO&8aS*2dF(5gH)0jK",
                "ALLOWED_HOSTS": "sourcing.example.gov.uk",
                "AUDIT_SIGNING_KEY": "5e" * 32,
            },
        ),
        # The load bench's gunicorn: development mode with DEBUG off (scripts/bench_load.py).
        ("scripts.loadbench.settings", {"DJANGO_ENV": "development", "DEBUG": "0"}),
    ],
)
def test_templates_are_compiled_once_per_process_in_production_and_the_load_bench(
    settings_module: str, env: dict[str, str]
) -> None:
    """Django's cached template loader (its default when TEMPLATES names no loaders): a page
    renders a compiled template, never parses it again; the layout's fixed parts are keyed by
    the compiled template (sourcing.templatetags.layout)."""
    result = _manage("shell", "--settings", settings_module, "-c", _TEMPLATES_COMPILED_ONCE, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "compiled once" in result.stdout
