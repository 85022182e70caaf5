"""WSGI entry point (gunicorn sourcing.wsgi).

Each process loads what its first request would need before it serves one: every view and
API module (through the URLconf) and, where the broker is Redis, its client and Celery's
transport. Without this, the first request a gunicorn worker served paid about 1 to 2 s of
imports on a 2-core machine, which is what made one approval in twenty miss the 2 s bound of
the broker-outage drill (tests/decisions/records/test_pdf_drills.py, drill (c)). WeasyPrint
and pypdf stay loaded on first use (ADR 0024): the web process does not render PDFs.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sourcing.settings")
application = get_wsgi_application()


def _load_before_serving() -> None:
    from django.conf import settings  # noqa: PLC0415 (ADR 0024: after Django is set up, above)
    from django.urls import get_resolver  # noqa: PLC0415 (ADR 0024)

    get_resolver().url_patterns  # noqa: B018 (imports every view and API module)
    if str(settings.CELERY_BROKER_URL).startswith("redis"):
        import kombu.transport.redis  # noqa: F401, PLC0415 (ADR 0024: the transport a dispatch uses)


_load_before_serving()
