"""Least privilege on PostgreSQL: what the application's role may do, and TRUNCATE refused.

Two roles: the owner runs migrations (MIGRATE_DATABASE_URL) and owns the tables; the
application connects as another role (DATABASE_URL) that may read and write ordinary tables but
only SELECT and INSERT the append-only ones (no UPDATE, DELETE or TRUNCATE), and only read
django_migrations. Triggers refuse UPDATE, DELETE and TRUNCATE on the append-only tables for
everyone, the owner included (the owner can still drop a trigger: that is what the signed heads
published outside the database are for).

Everything here is idempotent, does nothing on SQLite, and grants nothing when the owner and
the application are one role (the embedded default, or a single DATABASE_URL).
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db import connections

APPEND_ONLY_TABLES = (
    "decisions_auditevent",
    "decisions_auditcheckpoint",
    "decisions_decisionrecord",
    "decisions_signedhead",
    "decisions_recordpdfhash",
    "decisions_rulesetapproval",
)
READ_ONLY_TABLES = ("django_migrations",)

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION sourcing_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


class RoleMissing(RuntimeError):
    """The application role named by DATABASE_URL does not exist in the database server."""


def _existing(cursor: Any, tables: tuple[str, ...]) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname = ANY(%s)",
        [list(tables)],
    )
    found = {row[0] for row in cursor.fetchall()}
    return [table for table in tables if table in found]


def append_only_triggers(connection: Any) -> list[str]:
    """Row triggers refusing UPDATE and DELETE, statement triggers refusing TRUNCATE, on every
    append-only table that exists. Returns the tables covered."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(REFUSE_FUNCTION)
        tables = _existing(cursor, APPEND_ONLY_TABLES)
        for table in tables:
            name = connection.ops.quote_name(table)
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {name} "
                "FOR EACH ROW EXECUTE FUNCTION sourcing_refuse_change()"
            )
            cursor.execute(
                f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {name} "
                "FOR EACH STATEMENT EXECUTE FUNCTION sourcing_refuse_change()"
            )
    return tables


def truncate_triggers_drop(connection: Any, tables: tuple[str, ...]) -> None:
    """Undo: drop the TRUNCATE triggers (and the row triggers of the given new tables)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in _existing(cursor, APPEND_ONLY_TABLES):
            name = connection.ops.quote_name(table)
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {name}")
            if table in tables:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {name}")


def grants_apply(connection: Any, *, app_role: str) -> list[str]:
    """Grant the application role what it needs and no more; returns the statements run.

    Nothing when not PostgreSQL, when `app_role` is empty or is the role connected (owner and
    application are one). RoleMissing when the role does not exist.
    """
    if connection.vendor != "postgresql" or not app_role:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema()")
        owner, schema = cursor.fetchone()
        if app_role == owner:
            return []
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        if cursor.fetchone() is None:
            raise RoleMissing(
                f"The application role {app_role!r} (the user of DATABASE_URL) does not exist: "
                "create it (LOGIN, no other privileges) before migrating."
            )
        app, own, sch = (connection.ops.quote_name(n) for n in (app_role, owner, schema))
        statements = [
            f"GRANT USAGE ON SCHEMA {sch} TO {app}",
            f"REVOKE CREATE ON SCHEMA {sch} FROM {app}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {sch} TO {app}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {app}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA {sch} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {own} IN SCHEMA {sch} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {app}",
        ]
        for table in _existing(cursor, APPEND_ONLY_TABLES):
            name = connection.ops.quote_name(table)
            statements += [
                f"REVOKE ALL ON {name} FROM PUBLIC",
                f"REVOKE ALL ON {name} FROM {app}",
                f"GRANT SELECT, INSERT ON {name} TO {app}",
            ]
        for table in _existing(cursor, READ_ONLY_TABLES):
            name = connection.ops.quote_name(table)
            statements += [f"REVOKE ALL ON {name} FROM {app}", f"GRANT SELECT ON {name} TO {app}"]
        for statement in statements:
            cursor.execute(statement)
    return statements


def app_role_name() -> str:
    """The application role: the user of the `default` database (DATABASE_URL)."""
    return str(settings.DATABASES["default"].get("USER") or "")


def grants_after_migrate(sender: AppConfig, using: str, **kwargs: Any) -> None:
    """post_migrate receiver: grant the application role again (migrations may add tables)."""
    grants_apply(connections[using], app_role=app_role_name())
