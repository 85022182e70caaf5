"""Typed helpers that read settings from the environment and fail loudly on bad values."""

from __future__ import annotations

import json
import os
import re
from typing import Any

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


# An identity provider's entry in OIDC_PROVIDERS: the fields it must have, and those it may.
OIDC_PROVIDER_REQUIRED = (
    "key",
    "issuer",
    "client_id",
    "client_secret",
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
)
OIDC_PROVIDER_OPTIONAL = ("name", "scopes", "end_session_endpoint", "sign_algorithm")
# The codes of the departments a provider may admit people to (a list; required of each entry
# when several providers are configured, so one provider's accounts never enter another's
# department by claiming its email domain or invitations).
OIDC_PROVIDER_DEPARTMENTS = "departments"
OIDC_SIGN_ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256")
_PROVIDER_KEY = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*", re.ASCII)


def env_oidc_providers(
    name: str, *, scopes: str = "openid email profile", sign_algorithm: str = "RS256"
) -> list[dict[str, Any]]:
    """Identity providers from a JSON list in the environment (ADR 0025, amended): each an
    object with key (lower-case letters, digits, hyphens; in the sign-in addresses),
    name (on the button), issuer (exactly the ID tokens' iss), client_id, client_secret,
    scopes, the endpoints (authorization_endpoint, token_endpoint, userinfo_endpoint, jwks_uri,
    end_session_endpoint), sign_algorithm and departments (a list of the department codes it
    may admit people to; required of every entry when there are several). Returns the entries
    with every other field as a string (defaults filled in) and departments as a list ([]: any
    department, one provider only); [] when unset or empty. ImproperlyConfigured naming the
    entry and field at fault: not JSON, a missing or unknown field, a repeated key or issuer,
    departments missing with several providers."""
    raw = _raw(name)
    if not raw:
        return []
    try:
        entries = json.loads(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a JSON list of providers: {error}.") from None
    if not isinstance(entries, list) or not entries:
        raise ImproperlyConfigured(f"{name} must be a non-empty JSON list of provider objects.")
    providers: list[dict[str, Any]] = []
    for number, entry in enumerate(entries, start=1):
        where = f"{name} entry {number}"
        if not isinstance(entry, dict):
            raise ImproperlyConfigured(f"{where} must be an object.")
        known = {*OIDC_PROVIDER_REQUIRED, *OIDC_PROVIDER_OPTIONAL, OIDC_PROVIDER_DEPARTMENTS}
        unknown = set(entry) - known
        if unknown:
            raise ImproperlyConfigured(f"{where} has unknown fields: {', '.join(sorted(unknown))}.")
        departments = entry.pop(OIDC_PROVIDER_DEPARTMENTS, [])
        if not isinstance(departments, list) or any(
            not isinstance(code, str) or not code.strip() for code in departments
        ):
            raise ImproperlyConfigured(
                f'{where}: departments must be a list of department codes, like ["dept-a"].'
            )
        if not departments and len(entries) > 1:
            raise ImproperlyConfigured(
                f"{where} lacks departments: with several providers each names the codes of "
                "the departments it may admit people to."
            )
        if any(not isinstance(value, str) for value in entry.values()):
            raise ImproperlyConfigured(f"{where}: every field must be a string.")
        provider: dict[str, Any] = {
            field: entry.get(field, "").strip() for field in OIDC_PROVIDER_REQUIRED
        }
        missing = [field for field, value in provider.items() if not value]
        if missing:
            raise ImproperlyConfigured(f"{where} lacks {', '.join(missing)}.")
        if not _PROVIDER_KEY.fullmatch(provider["key"]) or len(provider["key"]) > 30:
            raise ImproperlyConfigured(
                f"{where}: key must be up to 30 lower-case letters, digits and hyphens."
            )
        provider["issuer"] = provider["issuer"].rstrip("/")
        provider["name"] = entry.get("name", "").strip()
        provider["scopes"] = entry.get("scopes", "").strip() or scopes
        provider["end_session_endpoint"] = entry.get("end_session_endpoint", "").strip()
        provider["sign_algorithm"] = entry.get("sign_algorithm", "").strip() or sign_algorithm
        if provider["sign_algorithm"] not in OIDC_SIGN_ALGORITHMS:
            raise ImproperlyConfigured(
                f"{where}: sign_algorithm must be one of {', '.join(OIDC_SIGN_ALGORITHMS)}."
            )
        for field in ("key", "issuer"):
            if any(other[field] == provider[field] for other in providers):
                raise ImproperlyConfigured(f"{where}: {field} {provider[field]} is repeated.")
        provider[OIDC_PROVIDER_DEPARTMENTS] = [code.strip() for code in departments]
        providers.append(provider)
    return providers
