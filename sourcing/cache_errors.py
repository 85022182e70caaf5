"""What a cache that is down raises, without importing its client up front.

`redis` (about 20 MB with its asyncio and cluster clients) is imported by Django's RedisCache
when the cache is first used; a process whose cache is this process's memory (no REDIS_URL),
or that never touches the cache (manage.py verify_audit), does not load it for an `except`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

log = logging.getLogger(__name__)


def cache_errors() -> tuple[type[BaseException], ...]:
    """The exceptions of a cache server that is down or refusing: (redis.RedisError,) once the
    Redis client is loaded (it must be, to have raised one), else () (an `except ()` catches
    nothing). Evaluated in the `except` clause, when an exception is being handled."""
    module = sys.modules.get("redis.exceptions")
    return (module.RedisError,) if module is not None else ()


def cache_call[T](call: Callable[[], T], unavailable: T, *, what: str) -> T:
    """`call()` on the cache, or `unavailable` when the cache server is down or refusing (the
    caller then does the work without it), logged as a warning naming `what`."""
    try:
        return call()
    except cache_errors():
        log.warning("cache unavailable (%s); doing without it", what, exc_info=True)
        return unavailable
