"""Least privilege, as deployed: migrations run as the owner role, the service as the
application role, on a database of their own (PostgreSQL; needs a role that may create roles).

The owner (MIGRATE_DATABASE_URL) creates the tables; the application (DATABASE_URL) seeds the
demo, decides cases, renders PDFs and signs a head through the real services, and still cannot
TRUNCATE, UPDATE or DELETE the append-only tables, change a trigger or the migrations record.
The owner cannot TRUNCATE them either while the triggers stand.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

from decisions.integrity.dbroles import APPEND_ONLY_TABLES
from tests.conftest import service_missing

ROOT = Path(__file__).resolve().parents[3]
ORDINARY_TABLES = ("decisions_recordpdf", "sourcing_case", "django_session")
# The demo's steward erin starts a draft and a second steward approves it (a RulesetApproval),
# through the real services, as the application role.
APPROVE_A_DRAFT = """
from decisions.rulesets.services import ruleset_approve, ruleset_draft_create
from sourcing.models import Role, User
from sourcing.people.services import user_ensure
draft = ruleset_draft_create(by=User.objects.get(username="erin"), version="2026.901")
second = user_ensure(username="second-steward", role=Role.STEWARD, password="not-used-here")
print(ruleset_approve(draft=draft, by=second, sha256=draft.sha256).pk)
"""


@dataclass(frozen=True)
class Deployment:
    database: str
    owner: str
    app: str
    host: str
    port: str
    admin: str

    def url(self, role: str) -> str:
        return f"postgres://{role}:{role}-pw@{self.host}:{self.port}/{self.database}"

    def connect(self, role: str) -> psycopg.Connection:
        return psycopg.connect(self.url(role), autocommit=True)


def _admin_connection(admin_url: str) -> psycopg.Connection:
    return psycopg.connect(admin_url, autocommit=True)


@pytest.fixture(scope="module")
def deployment(django_db_blocker) -> Iterator[Deployment]:  # type: ignore[no-untyped-def]
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        service_missing("the two-role deployment needs PostgreSQL (set DATABASE_URL)")
    base = str(default["NAME"]).removeprefix("test_")
    host, port = default.get("HOST") or "127.0.0.1", str(default.get("PORT") or 5432)
    user, password = default.get("USER") or "", default.get("PASSWORD") or ""
    admin = f"postgres://{user}:{password}@{host}:{port}/postgres"
    names = Deployment(f"test_{base}_roles", f"{base}_owner", f"{base}_app", host, port, admin)
    try:
        admin_db = _admin_connection(admin)
    except psycopg.Error as exc:
        service_missing(f"PostgreSQL does not answer: {exc}")
    with admin_db:
        can = admin_db.execute(
            "SELECT rolsuper OR (rolcreaterole AND rolcreatedb) FROM pg_roles "
            "WHERE rolname = current_user"
        ).fetchone()
        if not can or not can[0]:
            service_missing("the test role may not create roles and databases")
        _drop(admin_db, names)
        for role in (names.owner, names.app):
            admin_db.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(f"{role}-pw")
                )
            )
        admin_db.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(names.database), sql.Identifier(names.owner)
            )
        )
    try:
        yield names
    finally:
        with _admin_connection(admin) as admin_db:
            _drop(admin_db, names)


def _drop(admin_db: psycopg.Connection, names: Deployment) -> None:
    admin_db.execute(
        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(names.database))
    )
    for role in (names.app, names.owner):
        admin_db.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def manage(names: Deployment, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """manage.py as the deployed service: the app role, with the owner only for migrate."""
    drop = ("REDIS_URL", "DJANGO_ENV", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DATABASE_URL=names.url(names.app),
        MIGRATE_DATABASE_URL=names.url(names.owner),
        VAR_DIR=str(tmp / "var"),
        MEDIA_ROOT=str(tmp / "media"),
        AUDIT_SIGNING_KEY="4b" * 32,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def deployed(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    tmp = tmp_path_factory.mktemp("deployment")
    steps = [
        ("migrate", "--noinput"),
        ("migrate", "--noinput"),  # again: idempotent, and the grants are applied again
        ("seed_demo",),
        ("shell", "-c", APPROVE_A_DRAFT),  # a row in every append-only table
        ("shell", "-c", "from decisions.integrity.heads import head_sign; print(head_sign().seq)"),
    ]
    for step in steps:
        result = manage(deployment, tmp, *step)
        assert result.returncode == 0, f"{step}: {result.stdout}\n{result.stderr}"
    verified = manage(deployment, tmp, "verify_audit")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["valid"] and report["records"] >= 3
    return deployment


def test_migrations_ran_as_the_owner_and_the_service_as_the_app(deployed: Deployment) -> None:
    with deployed.connect(deployed.owner) as owner:
        owners = dict(
            owner.execute(
                "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        )
        assert set(owners.values()) == {deployed.owner}
        written = owner.execute(
            "SELECT count(*) FROM decisions_auditevent WHERE action = 'record.issued'"
        ).fetchone()
        assert written is not None and written[0] >= 3


def test_the_app_role_may_only_read_and_append_the_append_only_tables(
    deployed: Deployment,
) -> None:
    with deployed.connect(deployed.app) as app:

        def allowed(table: str, privilege: str) -> bool:
            row = app.execute(
                "SELECT has_table_privilege(current_user, %s, %s)", [table, privilege]
            ).fetchone()
            return bool(row and row[0])

        for table in APPEND_ONLY_TABLES:
            assert allowed(table, "SELECT") and allowed(table, "INSERT"), table
            for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES"):
                assert not allowed(table, privilege), (table, privilege)
        for table in ORDINARY_TABLES:
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                assert allowed(table, privilege), (table, privilege)
            assert not allowed(table, "TRUNCATE"), table
        assert allowed("django_migrations", "SELECT")
        assert not allowed("django_migrations", "INSERT")


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_truncate_update_and_delete_as_the_app_role_are_refused(
    deployed: Deployment, table: str
) -> None:
    with deployed.connect(deployed.app) as app:
        for statement in (
            f"TRUNCATE {table} CASCADE",
            f"TRUNCATE {table}",
            f"UPDATE {table} SET id = id",
            f"DELETE FROM {table}",
            f"ALTER TABLE {table} DISABLE TRIGGER USER",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.execute(statement)  # type: ignore[arg-type]


def test_the_app_role_cannot_switch_triggers_off_or_create_tables(deployed: Deployment) -> None:
    with deployed.connect(deployed.app) as app:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("SET session_replication_role = replica")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("CREATE TABLE sneaky (id int)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(
                "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())"
            )


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_truncate_as_the_owner_is_refused_by_the_triggers(deployed: Deployment, table: str) -> None:
    with deployed.connect(deployed.owner) as owner:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only: TRUNCATE refused"):
            owner.execute(f"TRUNCATE {table} CASCADE")  # type: ignore[arg-type]
        for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                owner.execute(statement)  # type: ignore[arg-type]
        count = owner.execute(f"SELECT count(*) FROM {table}").fetchone()  # type: ignore[arg-type]
        assert count is not None and count[0] > 0  # nothing was emptied
