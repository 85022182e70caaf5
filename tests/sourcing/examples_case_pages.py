"""Route matrix examples: URL kwargs for own-department and foreign objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sourcing.models import User

EXAMPLES: dict[str, Callable[[dict[str, User]], dict[str, dict[str, Any]]]] = {}
