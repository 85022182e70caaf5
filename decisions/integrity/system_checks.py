"""System check: production has a usable signing key for the published heads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from decisions.integrity.keys import signing_key
from decisions.integrity.signing import KeyProblem


def signing_key_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """decisions.E001: no signing key in production; decisions.E002: a key that cannot be read."""
    configured = bool(settings.AUDIT_SIGNING_KEY or settings.AUDIT_SIGNING_KEY_FILE)
    if not configured and not settings.PRODUCTION:
        return []  # development generates its own key on first use
    if not configured:
        return [
            checks.Error(
                "No signing key for the audit chain's published heads.",
                hint="Set AUDIT_SIGNING_KEY (32 random bytes as 64 hex digits) or "
                "AUDIT_SIGNING_KEY_FILE; keep it out of the database and its backups.",
                id="decisions.E001",
            )
        ]
    try:
        signing_key()
    except (KeyProblem, ValueError) as exc:
        return [checks.Error(f"The signing key cannot be used: {exc}", id="decisions.E002")]
    return []
