"""The browser's side of a sign-in at an oidc-provider-mock, for the OIDC tests: start it here,
approve it at the provider, and see who is signed in."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from django.test import Client
from django.urls import reverse


def start(client: Client, key: str = "department") -> dict[str, str]:
    """Start a sign-in with provider `key`: the provider's authorisation request's parameters
    (and its address as `_location`, the provider's key as `_key`)."""
    response = client.get(reverse("oidc_start", args=[key]))
    assert response.status_code == 302
    location = response["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    query["_location"] = location
    query["_key"] = key
    return query


def authorise(request: dict[str, str], sub: str) -> str:
    """The person `sub` approves at the provider: our callback's path and query (the callback
    of the provider the sign-in started with)."""
    answer = requests.post(
        request["_location"], data={"sub": sub}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    assert callback.path == reverse("oidc_callback", args=[request["_key"]])
    return f"{callback.path}?{callback.query}"


def signed_in_as(client: Client) -> str | None:
    """The username the client's session is signed in as, or None."""
    response = client.get(reverse("api:me"))
    return response.json()["username"] if response.status_code == 200 else None
