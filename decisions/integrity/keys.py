"""The service's own signing key (from settings) and the public keys it trusts and publishes.

The private key comes from `AUDIT_SIGNING_KEY` (the 32-byte seed, hex or base64) or from the
file `AUDIT_SIGNING_KEY_FILE` (PKCS#8 PEM, or the seed in hex or base64). The database never
holds it. In development, with neither set, a key is generated once under `VAR_DIR/keys/`
(never committed); production refuses to sign without one (system check decisions.E001).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from decisions.integrity.signing import (
    ALGORITHM,
    KeyProblem,
    key_id,
    private_key_from_text,
    private_key_pem,
    public_key_b64,
    public_key_from_text,
)

DEVELOPMENT_KEY_NAME = "audit-signing-key.pem"


def _generate_development_key(path: Path) -> None:
    """Write a new key to `path` once (0600); a concurrent first use keeps whichever won."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_key_pem(Ed25519PrivateKey.generate()))
    try:
        os.link(partial, path)  # fails if another process made it first: keep theirs
    except FileExistsError:
        pass
    finally:
        partial.unlink(missing_ok=True)


@functools.cache
def _load_key(value: str, file: str, development_file: str) -> Ed25519PrivateKey:
    if value:
        return private_key_from_text(value)
    if file:
        try:
            return private_key_from_text(Path(file).read_text(encoding="ascii"))
        except OSError as exc:
            raise KeyProblem(f"AUDIT_SIGNING_KEY_FILE cannot be read: {exc.strerror}.") from None
    if not development_file:
        raise KeyProblem(
            "Set AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE: production never generates "
            "its own signing key."
        )
    path = Path(development_file)
    if not path.exists():
        _generate_development_key(path)
    return private_key_from_text(path.read_text(encoding="ascii"))


def signing_key() -> Ed25519PrivateKey:
    """The service's private signing key (settings; generated once in development)."""
    return _load_key(
        settings.AUDIT_SIGNING_KEY,
        settings.AUDIT_SIGNING_KEY_FILE,
        "" if settings.PRODUCTION else str(Path(settings.VAR_DIR) / "keys" / DEVELOPMENT_KEY_NAME),
    )


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    """Public keys heads are checked with: the current key and AUDIT_PREVIOUS_PUBLIC_KEYS.

    Without a usable signing key (production before one is set) only the previous keys are
    trusted, so every head signed with another key is reported rather than the check failing.
    """
    keys = {key_id(k): k for k in map(public_key_from_text, settings.AUDIT_PREVIOUS_PUBLIC_KEYS)}
    try:
        current = signing_key().public_key()
    except KeyProblem:
        return keys
    keys[key_id(current)] = current
    return keys


def published_keys() -> list[dict[str, str]]:
    """The trusted public keys as the heads feed publishes them, current key first."""
    current = key_id(signing_key().public_key())  # KeyProblem without a signing key
    keys = trusted_keys()
    ordered = [current, *sorted(k for k in keys if k != current)]
    return [
        {"key_id": kid, "algorithm": ALGORITHM, "public_key": public_key_b64(keys[kid])}
        for kid in ordered
    ]
