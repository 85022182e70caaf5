"""Signed heads: exactly what a head covers, Ed25519 signatures over it, and keys as text.

A head's statement is the RFC 8785 canonical JSON of

    {"type": "sourcing-decisions/signed-head/v1", "seq": S, "head_sha256": H, "records": N,
     "records_root": R, "signed_at": "YYYY-MM-DDTHH:MM:SSZ", "key_id": K}

and its signature is Ed25519 over those bytes, in standard base64. The key id is the first 16
hex digits of the SHA-256 of the raw 32-byte public key. Everything here is pure (no Django),
so an auditor can check heads offline; the service's own key is decisions.integrity.keys.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

STATEMENT_TYPE = "sourcing-decisions/signed-head/v1"
ALGORITHM = "Ed25519"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_KEY_ID = re.compile(r"^[0-9a-f]{16}$")
_SIGNED_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
HEAD_FIELDS = ("seq", "head_sha256", "records", "records_root", "signed_at", "key_id")


class KeyProblem(ValueError):
    """The signing key (or a public key given to verify with) is missing or malformed."""


class HeadProblem(ValueError):
    """A head given to verify against is malformed; the message names the field."""


@dataclass(frozen=True)
class Head:
    """A signed head as published: the statement's fields and the signature (base64)."""

    seq: int
    head_sha256: str
    records: int
    records_root: str
    signed_at: str
    key_id: str
    signature: str

    def to_dict(self) -> dict[str, Any]:
        """As the heads feed and the PDFs publish it."""
        return dataclasses.asdict(self)

    def statement(self) -> dict[str, Any]:
        """The signed statement: the published fields without the signature, and the type."""
        fields = {k: v for k, v in self.to_dict().items() if k != "signature"}
        return {"type": STATEMENT_TYPE, **fields}


def statement_bytes(head: Head) -> bytes:
    """The exact bytes an Ed25519 signature of a head covers (RFC 8785 canonical JSON)."""
    return rfc8785.dumps(head.statement())


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw public key."""
    return hashlib.sha256(raw_public_key(key)).hexdigest()[:16]


def public_key_b64(key: Ed25519PublicKey) -> str:
    return base64.b64encode(raw_public_key(key)).decode("ascii")


def public_key_from_text(text: str) -> Ed25519PublicKey:
    """A public key from base64 or hex of its 32 raw bytes, or from a PEM block."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        loaded = serialization.load_pem_public_key(text.encode("ascii"))
        if not isinstance(loaded, Ed25519PublicKey):
            raise KeyProblem("The PEM public key is not an Ed25519 key.")
        return loaded
    raw = _decode_32(text, "public key")
    return Ed25519PublicKey.from_public_bytes(raw)


def _decode_32(text: str, what: str) -> bytes:
    """32 raw bytes from 64 hex digits or (standard or URL-safe) base64."""
    text = text.strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text)
    padded = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise KeyProblem(f"The {what} must be 32 bytes, written as 64 hex digits or base64.")
    return raw


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    """A private key from a PKCS#8 PEM block, or from its 32-byte seed in hex or base64."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        loaded = serialization.load_pem_private_key(text.encode("ascii"), password=None)
        if not isinstance(loaded, Ed25519PrivateKey):
            raise KeyProblem("The PEM private key is not an Ed25519 key.")
        return loaded
    return Ed25519PrivateKey.from_private_bytes(_decode_32(text, "signing key"))


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def sign_head(
    key: Ed25519PrivateKey,
    *,
    seq: int,
    head_sha256: str,
    records: int,
    records_root: str,
    signed_at: str,
) -> Head:
    """Sign one head with the key; the key id is the key's own."""
    unsigned = Head(
        seq=seq,
        head_sha256=head_sha256,
        records=records,
        records_root=records_root,
        signed_at=signed_at,
        key_id=key_id(key.public_key()),
        signature="",
    )
    signature = base64.b64encode(key.sign(statement_bytes(unsigned))).decode("ascii")
    return Head(**{**unsigned.to_dict(), "signature": signature})


def signature_valid(head: Head, keys: Mapping[str, Ed25519PublicKey]) -> bool:
    """Whether a head is signed by the key its key id names, among the trusted `keys`."""
    key = keys.get(head.key_id)
    if key is None:
        return False
    try:
        signature = base64.b64decode(head.signature, validate=True)
        key.verify(signature, statement_bytes(head))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def head_from_dict(data: Any) -> Head:
    """A signed head from its published JSON form; HeadProblem names the first bad field."""
    if not isinstance(data, Mapping):
        raise HeadProblem("A signed head must be a JSON object.")
    for name in (*HEAD_FIELDS, "signature"):
        if name not in data:
            raise HeadProblem(f"The signed head has no {name!r}.")
    for name in ("seq", "records"):
        value = data[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise HeadProblem(f"{name!r} must be a whole number, 0 or more.")
    if data["seq"] < 1:
        raise HeadProblem("'seq' must be 1 or more.")
    for name in ("head_sha256", "records_root"):
        if not isinstance(data[name], str) or not _HEX64.match(data[name]):
            raise HeadProblem(f"{name!r} must be 64 lower-case hex digits.")
    if not isinstance(data["signed_at"], str) or not _SIGNED_AT.match(data["signed_at"]):
        raise HeadProblem("'signed_at' must be a UTC time like 2026-11-23T08:05:00Z.")
    if not isinstance(data["key_id"], str) or not _KEY_ID.match(data["key_id"]):
        raise HeadProblem("'key_id' must be 16 lower-case hex digits.")
    if not isinstance(data["signature"], str) or not data["signature"]:
        raise HeadProblem("'signature' must be base64 text.")
    return Head(
        seq=data["seq"],
        head_sha256=data["head_sha256"],
        records=data["records"],
        records_root=data["records_root"],
        signed_at=data["signed_at"],
        key_id=data["key_id"],
        signature=data["signature"],
    )


def heads_from_json(data: Any) -> list[Head]:
    """Every signed head in what an auditor supplies: one head, a list of heads, the heads
    feed (`{"items": [...]}`), an export manifest (`{"signed_head": {...}}`) or a record's
    proof (`{"head": {...}}`)."""
    if isinstance(data, list):
        items: list[Any] = data
    elif isinstance(data, Mapping) and isinstance(data.get("items"), list):
        items = data["items"]
    elif isinstance(data, Mapping) and "signed_head" in data:
        items = [data["signed_head"]]
    elif isinstance(data, Mapping) and isinstance(data.get("head"), Mapping):
        items = [data["head"]]
    else:
        items = [data]
    if not items:
        raise HeadProblem("No signed head was given.")
    heads = []
    for number, item in enumerate(items, start=1):
        try:
            heads.append(head_from_dict(item))
        except HeadProblem as exc:
            raise HeadProblem(f"Head {number}: {exc}") from None
    return heads


def keys_from_json(data: Any) -> dict[str, Ed25519PublicKey]:
    """The public keys a heads feed lists (`{"keys": [{"key_id", "public_key"}]}`), checked
    against their key ids; anything else gives none."""
    found: dict[str, Ed25519PublicKey] = {}
    if not isinstance(data, Mapping) or not isinstance(data.get("keys"), list):
        return found
    for entry in data["keys"]:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("public_key"), str):
            continue
        key = public_key_from_text(entry["public_key"])
        if entry.get("key_id") not in (None, key_id(key)):
            raise KeyProblem(f"The key listed as {entry.get('key_id')!r} has another key id.")
        found[key_id(key)] = key
    return found
