"""manage.py run_demo [ADDRPORT]: what `make run` serves with, quick when nothing changed.

Migrates only when a migration file on disk is not in the database's django_migrations table
(one query, no migration graph), loads the demo data only when `seed_demo` finds it missing or
its definitions changed (three queries and a hash of seven files; the demo records' PDFs are
rendered and its emails sent, or queued for the worker, once the server is up), then runs the
development server with its autoreloader. The server's own migration check is not repeated;
its system checks run (`--skip-checks` leaves them out). Refused in production, like seed_demo.

With no identity provider configured (OIDC_MOCK), it also serves the development provider,
oidc-provider-mock, on OIDC_MOCK_PORT in a thread of this process, with the demo users as its
accounts (one click each on its page; any other subject signs in with that as its email).
Without the autoreloader (`make run`'s default) the provider is loaded and started a second
after the server listens, then the outboxes swept, so neither delays its first page (ADR 0037).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pkgutil
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands.runserver import Command as RunserverCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from decisions.records.pdf import pdf_dispatch_deferred, pdf_sweep
from sourcing.demo import demo_provider_accounts
from sourcing.notifications import notification_dispatch_deferred, notification_dispatch_waiting

if TYPE_CHECKING:
    import oidc_provider_mock


def migration_files() -> set[tuple[str, str]]:
    """(app label, migration name) of every migration file of the installed apps, found the way
    Django's loader finds them (module names, not imported)."""
    found: set[tuple[str, str]] = set()
    for app in apps.get_app_configs():
        module_name, _ = MigrationLoader.migrations_module(app.label)
        if module_name is None:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        if not hasattr(module, "__path__"):
            continue
        found.update(
            (app.label, name)
            for _, name, is_pkg in pkgutil.iter_modules(module.__path__)
            if not is_pkg and name[0] not in "_~"
        )
    return found


def migrations_pending(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """True when any migration file is not recorded as applied (or nothing is)."""
    connection = connections[alias]
    if "django_migrations" not in connection.introspection.table_names():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations")
        applied = {(app, name) for app, name in cursor.fetchall()}
    return not migration_files() <= applied


# Seconds from the server's bind to the development provider's start (without the reloader).
PROVIDER_DELAY = 1.0


def _render_waiting_pdfs() -> None:
    """Queue every email not yet sent and every PDF waiting in the outbox (with eager tasks:
    send and render them here), a moment after the server starts; in its own thread, with its
    own database connection."""
    time.sleep(1)
    try:
        notification_dispatch_waiting()
        pdf_sweep(older_than=timedelta(0))
    finally:
        connections.close_all()


def provider_accounts() -> list[oidc_provider_mock.User]:
    """The demo users as the development provider's accounts."""
    import oidc_provider_mock  # noqa: PLC0415 (ADR 0037: loaded once serving, not before)

    return [
        oidc_provider_mock.User(
            sub=account["sub"], claims={k: v for k, v in account.items() if k != "sub"}
        )
        for account in demo_provider_accounts()
    ]


@contextlib.contextmanager
def development_provider(write: Any) -> Iterator[None]:
    """Serve oidc-provider-mock on OIDC_MOCK_PORT while the block runs (when OIDC_MOCK); if the
    port is taken, say so and go on (the password form still works)."""
    if not settings.OIDC_MOCK:
        yield
        return
    import oidc_provider_mock  # noqa: PLC0415 (ADR 0037: Flask and Authlib, 0.3 s of CPU)

    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(
                oidc_provider_mock.run_server_in_thread(
                    port=settings.OIDC_MOCK_PORT,
                    require_nonce=True,
                    user_claims=provider_accounts(),
                )
            )
        except (OSError, SystemExit):
            # werkzeug exits (SystemExit) when the port is in use, after saying so on stderr.
            write(
                f"The development identity provider could not start on port "
                f"{settings.OIDC_MOCK_PORT} (is it in use?); set OIDC_MOCK_PORT to a free port. "
                "Password sign-in still works."
            )
        else:
            write(
                f"Development identity provider (oidc-provider-mock) on {settings.OIDC_ISSUER}/: "
                "alice, bob, carol, dave, erin, ada and fiona sign in with one click."
            )
        yield


class Command(RunserverCommand):
    help = __doc__.split("\n\n")[0] if __doc__ else ""
    # What the server's first bind starts (the development provider, the outboxes' sweep) is
    # closed with this stack when it stops; None where nothing is to start (the reloader's child).
    _after_bind: contextlib.ExitStack | None = None

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("run_demo refuses to run when DJANGO_ENV=production.")
        # The autoreloader runs this command again in a child process (RUN_MAIN=true): the
        # database was prepared by the parent.
        if os.environ.get("RUN_MAIN") == "true":
            super().handle(*args, **options)
            return
        if migrations_pending():
            call_command("migrate", interactive=False, verbosity=1)
        # The demo records' PDFs and the demo's emails wait in their outboxes while the data
        # loads (rendering and sending them is most of a first start) and are rendered and
        # sent, or queued for the worker, once serving.
        with pdf_dispatch_deferred(), notification_dispatch_deferred():
            call_command("seed_demo")
        if options["use_reloader"]:
            # This process only watches the files and serves from a child it starts again after
            # each change: the provider lives here, across the restarts.
            threading.Thread(target=_render_waiting_pdfs, name="demo-pdfs", daemon=True).start()
            with development_provider(self.stdout.write):
                super().handle(*args, **options)
            return
        # Without the reloader this process serves: the provider (Flask and Authlib to import)
        # and the sweep start once the server listens, not before its first page (ADR 0037).
        with contextlib.ExitStack() as self._after_bind:
            super().handle(*args, **options)

    def on_bind(self, server_port: int) -> None:
        super().on_bind(server_port)
        if self._after_bind is not None:
            threading.Thread(
                target=self._start_after_bind, args=(self._after_bind,), name="demo", daemon=True
            ).start()

    def _start_after_bind(self, stack: contextlib.ExitStack) -> None:
        # A moment after the bind, so the server's first page does not wait on the import.
        time.sleep(PROVIDER_DELAY)
        stack.enter_context(development_provider(self.stdout.write))
        _render_waiting_pdfs()

    def check_migrations(self) -> None:
        """Done before serving (see handle)."""
