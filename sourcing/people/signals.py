"""Signal receivers: sign-in failures are logged without secrets."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

log = logging.getLogger("sourcing.security")


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    # Only the username is logged; Django has already masked the password.
    log.warning(
        "sign-in failed", extra={"attempted_username": str(credentials.get("username"))[:150]}
    )
