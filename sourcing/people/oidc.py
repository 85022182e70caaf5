"""Sign-in through a department's identity provider: OpenID Connect with mozilla-django-oidc
(ADR 0025).

mozilla-django-oidc runs the authorisation code flow (state and nonce kept in the session,
PKCE with S256, the code exchanged at the token endpoint, the ID token's signature checked
against the provider's JWKS and its nonce against the session's). It does not check the ID
token's issuer or audience, so DepartmentOidcBackend decodes it with both, and requires `exp`,
`iat`, `iss`, `aud` and `sub` (OpenID Connect Core 1.0, 3.1.3.7). The person is then found by
(issuer, sub) through sourcing.people.services.identity_sign_in, never by email.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from sourcing.models import User
from sourcing.people.services import SignInRefused, identity_sign_in

log = logging.getLogger("sourcing.security")

# Set on the request when a sign-in through the provider is refused, for the refusal page.
REFUSAL_ATTRIBUTE = "oidc_refusal"


def id_token_claims(token: str, key: Any, *, algorithm: str, audience: str, issuer: str) -> Any:
    """The claims of an ID token whose signature (by `key`), algorithm, issuer, audience,
    expiry and issue time hold (leeway OIDC_CLOCK_SKEW_SECONDS); with several audiences, `azp`
    must be ours. SuspiciousOperation naming what failed otherwise."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=audience,
            issuer=issuer,
            leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.InvalidTokenError as error:
        raise SuspiciousOperation(f"ID token refused: {type(error).__name__}: {error}") from error
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != audience:
        raise SuspiciousOperation("ID token refused: several audiences and azp is not ours")
    return claims


class DepartmentOidcBackend(OIDCAuthenticationBackend):  # type: ignore[misc]
    """mozilla-django-oidc's backend with the ID token's issuer and audience checked and people
    found by (issuer, sub); a first sign-in is admitted only through a department mapping."""

    def _verify_jws(self, payload: str, key: Any) -> Any:
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(
                f"ID token refused: algorithm {header.get('alg')!r}, not {self.OIDC_RP_SIGN_ALGO}"
            )
        return id_token_claims(
            payload,
            key,
            algorithm=self.OIDC_RP_SIGN_ALGO,
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=settings.OIDC_ISSUER,
        )

    def get_or_create_user(self, access_token: str, id_token: str, payload: Any) -> User | None:
        """The person behind the verified ID token, by (iss, sub); None (and the reason on the
        request) when their department cannot be found or their account is inactive."""
        user_info = self.get_userinfo(access_token, id_token, payload)
        if str(user_info.get("sub")) != str(payload["sub"]):
            # OpenID Connect Core 1.0, 5.3.2: a userinfo answer for someone else is refused.
            raise SuspiciousOperation("userinfo sub differs from the ID token's")
        claims = {**user_info, **{k: v for k, v in payload.items() if k in ("sub", "email")}}
        try:
            return identity_sign_in(issuer=payload["iss"], claims=claims)
        except SignInRefused as refused:
            log.warning(
                "provider sign-in refused",
                extra={"reason": refused.reason, "issuer": payload["iss"]},
            )
            setattr(self.request, REFUSAL_ATTRIBUTE, refused.reason)
            return None


def provider_sign_out_url(request: HttpRequest, id_token: str, return_to: str) -> str | None:
    """Where to send someone after the local sign-out so the provider ends its session too
    (OpenID Connect RP-Initiated Logout 1.0), or None without an end-session endpoint or an
    ID token from this session."""
    endpoint = settings.OIDC_OP_END_SESSION_ENDPOINT
    if not endpoint or not id_token:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(return_to),
        }
    )
    return f"{endpoint}?{query}"
