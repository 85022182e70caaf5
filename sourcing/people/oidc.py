"""Sign-in through a department's identity provider: OpenID Connect with mozilla-django-oidc
(ADR 0025).

mozilla-django-oidc runs the authorisation code flow (state and nonce kept in the session,
PKCE with S256, the code exchanged at the token endpoint, the ID token's signature checked
against the provider's JWKS and its nonce against the session's). It does not check the ID
token's issuer or audience, so DepartmentOidcBackend decodes it with both, and requires `exp`,
`iat`, `iss`, `aud` and `sub` (OpenID Connect Core 1.0, 3.1.3.7). The person is then found by
(issuer, sub) through sourcing.people.services.identity_sign_in, never by email.

Several providers may be configured at once (OIDC_PROVIDERS; or one through OIDC_ISSUER and
its settings, key "department"): each has its own sign-in and callback address
(/sign-in/<key>/ and /sign-in/<key>/callback/), its own client, and its state is bound to it,
so an answer at another provider's callback is refused (the IdP mix-up defence of RFC 9700,
4.4.2: distinct redirect URIs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from sourcing.models import User
from sourcing.people.services import SignInRefused, identity_sign_in

log = logging.getLogger("sourcing.security")

# Set on the request when a sign-in through the provider is refused, for the refusal page.
REFUSAL_ATTRIBUTE = "oidc_refusal"
# Set on the request by the callback view: the Provider whose answer it is.
PROVIDER_ATTRIBUTE = "oidc_provider"
# In the session after a provider sign-in: the provider's key (for signing out there).
SESSION_PROVIDER = "oidc_provider"
# The key of the one provider configured through OIDC_ISSUER (its addresses /sign-in/department/).
SINGLE_PROVIDER_KEY = "department"


@dataclass(frozen=True)
class Provider:
    """An identity provider this service accepts sign-ins from (settings.OIDC_PROVIDERS, or
    the one of OIDC_ISSUER): `key` in its addresses, `name` on its button, `issuer` exactly as
    its ID tokens' iss, our client there, its endpoints and ID token algorithm, and the codes
    of the departments whose mappings and invitations admit its people (empty: every
    department; only a lone provider may leave it empty)."""

    key: str
    name: str
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    sign_algorithm: str
    departments: tuple[str, ...] = ()


def providers() -> list[Provider]:
    """The configured providers in settings order; [] where none is (OIDC_ENABLED false). Read
    from settings on each call, so a changed setting takes effect at once."""
    if not settings.OIDC_ENABLED:
        return []
    if settings.OIDC_PROVIDERS:
        return [
            Provider(**{**entry, "departments": tuple(entry.get("departments", ()))})
            for entry in settings.OIDC_PROVIDERS
        ]
    if not settings.OIDC_ISSUER:
        return []
    return [
        Provider(
            key=SINGLE_PROVIDER_KEY,
            name=settings.OIDC_PROVIDER_NAME,
            issuer=settings.OIDC_ISSUER,
            client_id=settings.OIDC_RP_CLIENT_ID,
            client_secret=settings.OIDC_RP_CLIENT_SECRET,
            scopes=settings.OIDC_RP_SCOPES,
            authorization_endpoint=settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
            token_endpoint=settings.OIDC_OP_TOKEN_ENDPOINT,
            userinfo_endpoint=settings.OIDC_OP_USER_ENDPOINT,
            jwks_uri=settings.OIDC_OP_JWKS_ENDPOINT,
            end_session_endpoint=settings.OIDC_OP_END_SESSION_ENDPOINT,
            sign_algorithm=settings.OIDC_RP_SIGN_ALGO,
        )
    ]


def provider_named(key: str) -> Provider | None:
    """The configured provider with this key, or None."""
    return next((p for p in providers() if p.key == key), None)


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
            # Settings keep the issuer without a trailing slash; some providers' iss has one
            # (Auth0, Entra ID's v1 https://sts.windows.net/<tenant>/).
            issuer=[issuer, f"{issuer}/"],
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
    found by (issuer, sub); a first sign-in is admitted only through a department mapping. It
    talks to the provider whose callback was called (PROVIDER_ATTRIBUTE on the request)."""

    provider: Provider | None = None

    def _use(self, provider: Provider) -> None:
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = provider.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = provider.jwks_uri
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = provider.sign_algorithm

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        provider = getattr(request, PROVIDER_ATTRIBUTE, None) if request is not None else None
        if not isinstance(provider, Provider):
            return None  # not a provider's callback (a password sign-in, say)
        self._use(provider)
        user: User | None = super().authenticate(request, **kwargs)
        return user

    def get_user(self, user_id: Any) -> User | None:
        """The session's user, or None once their account is closed: deactivating someone
        ends their provider sessions at their next request (mozilla-django-oidc's get_user
        does not check, Django's ModelBackend does)."""
        user: User | None = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def get_token(self, payload: dict[str, Any]) -> Any:
        # The redirect URI sent at the token endpoint must be the one the code was issued to.
        if self.provider is not None:
            payload = {**payload, "redirect_uri": callback_url(self.request, self.provider)}
        return super().get_token(payload)

    def _verify_jws(self, payload: str, key: Any) -> Any:
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(
                f"ID token refused: algorithm {header.get('alg')!r}, not {self.OIDC_RP_SIGN_ALGO}"
            )
        issuer = self.provider.issuer if self.provider is not None else settings.OIDC_ISSUER
        return id_token_claims(
            payload,
            key,
            algorithm=self.OIDC_RP_SIGN_ALGO,
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=issuer,
        )

    def get_or_create_user(self, access_token: str, id_token: str, payload: Any) -> User | None:
        """The person behind the verified ID token, by (iss, sub); None (and the reason on the
        request) when their department cannot be found or their account is inactive."""
        user_info = self.get_userinfo(access_token, id_token, payload)
        if str(user_info.get("sub")) != str(payload["sub"]):
            # OpenID Connect Core 1.0, 5.3.2: a userinfo answer for someone else is refused.
            raise SuspiciousOperation("userinfo sub differs from the ID token's")
        # The verified ID token's claims over userinfo's: some claims are only in the ID token
        # (Entra ID's tenant `tid`; its userinfo has names, sub and email alone).
        claims = {**user_info, **payload}
        try:
            return identity_sign_in(
                issuer=payload["iss"],
                claims=claims,
                departments=self.provider.departments or None if self.provider else None,
            )
        except SignInRefused as refused:
            log.warning(
                "provider sign-in refused",
                extra={"reason": refused.reason, "issuer": payload["iss"]},
            )
            setattr(self.request, REFUSAL_ATTRIBUTE, refused.reason)
            return None


def callback_url(request: HttpRequest, provider: Provider) -> str:
    """The absolute address the provider sends its answer to (registered there)."""
    return request.build_absolute_uri(reverse("oidc_callback", kwargs={"provider": provider.key}))


def provider_sign_out_url(
    request: HttpRequest, id_token: str, return_to: str, provider_key: str
) -> str | None:
    """Where to send someone after the local sign-out so the provider they signed in with
    (its key, SESSION_PROVIDER in the session before it ended) ends its session too (OpenID
    Connect RP-Initiated Logout 1.0), or None without an end-session endpoint or an ID token
    from this session."""
    provider = provider_named(provider_key)
    if provider is None or not provider.end_session_endpoint or not id_token:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": provider.client_id,
            "post_logout_redirect_uri": request.build_absolute_uri(return_to),
        }
    )
    return f"{provider.end_session_endpoint}?{query}"
