"""Typed helpers that read settings from the environment and fail loudly on bad values."""

from __future__ import annotations

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    """A string setting; `required` refuses a missing or empty value."""
    value = _raw(name)
    if value is None or (required and value == ""):
        if required or default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    """A boolean setting: 1/0, true/false, yes/no, on/off."""
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no), not {value!r}.")


def env_int(
    name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """A whole-number setting, optionally with bounds."""
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {number}.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list setting."""
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    """A setting that must be one of `choices`."""
    value = _raw(name)
    if value is None or value == "":
        return default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


_RATE = re.compile(r"^([1-9][0-9]{0,6})/([1-9][0-9]{0,3})?([smhd])$")


def env_rate(name: str, default: str) -> str:
    """A rate limit, "<requests>/<period>" with the period in s, m, h or d and an optional
    multiple ("5/m", "30/h", "10/15m"): the form both django-ratelimit and django-ninja read."""
    value = _raw(name)
    if value is None or value == "":
        return default
    if not _RATE.match(value.strip()):
        raise ImproperlyConfigured(
            f'{name} must be a rate like "5/m", "30/h" or "10/15m", not {value!r}.'
        )
    return value.strip()
