"""Signal receivers: sign-in failures are logged without secrets; a lockout is audited."""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from decisions.audit.services import audit_append

log = logging.getLogger("sourcing.security")


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    # Only the username is logged; Django has already masked the password.
    log.warning(
        "sign-in failed", extra={"attempted_username": str(credentials.get("username"))[:150]}
    )


def _printable(value: Any, limit: int = 150) -> str:
    """Text an attacker typed, safe to hash and log: printable characters only, bounded."""
    return "".join(ch for ch in str(value or "") if ch.isprintable())[:limit]


@receiver(user_locked_out)
def _sign_in_locked_out(
    sender: Any, request: Any = None, username: Any = None, ip_address: Any = None, **_: Any
) -> None:
    # django-axes signals each attempt refused during a lockout too; the chain gets one event,
    # when the failures reach the limit (it counted them on this request).
    if getattr(request, "axes_failures_since_start", None) is None:
        return
    audit_append(
        action="auth.locked_out",
        object_type="user",
        object_id=_printable(username),
        payload={"username": _printable(username), "ip_address": _printable(ip_address, 64)},
    )
    log.warning("sign-in locked out", extra={"attempted_username": _printable(username)})
