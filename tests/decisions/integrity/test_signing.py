"""Signed heads: exactly what is signed, signatures, heads and keys as text (pure)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from decisions.integrity import signing
from decisions.integrity.signing import Head, HeadProblem, KeyProblem

SEED = bytes(range(32))
HEAD = {
    "seq": 12,
    "head_sha256": "a" * 64,
    "records": 3,
    "records_root": "b" * 64,
    "signed_at": "2026-11-23T08:05:00Z",
}


def signed(key: Ed25519PrivateKey | None = None) -> Head:
    return signing.sign_head(key or Ed25519PrivateKey.from_private_bytes(SEED), **HEAD)


def test_the_signature_covers_the_canonical_statement_and_nothing_else() -> None:
    head = signed()
    key = Ed25519PrivateKey.from_private_bytes(SEED).public_key()
    assert head.key_id == signing.key_id(key) and len(head.key_id) == 16
    statement = {"type": "sourcing-decisions/signed-head/v1", **HEAD, "key_id": head.key_id}
    assert signing.statement_bytes(head) == rfc8785.dumps(statement)
    key.verify(base64.b64decode(head.signature), rfc8785.dumps(statement))  # raises if not
    keys = {head.key_id: key}
    assert signing.signature_valid(head, keys)
    for field, value in [
        ("seq", 13),
        ("head_sha256", "c" * 64),
        ("records", 2),
        ("records_root", "d" * 64),
        ("signed_at", "2026-11-23T08:05:01Z"),
    ]:
        changed = Head(**{**head.to_dict(), field: value})
        assert not signing.signature_valid(changed, keys), field
    assert not signing.signature_valid(head, {})  # an unknown key is never trusted
    other = Ed25519PrivateKey.generate().public_key()
    assert not signing.signature_valid(head, {head.key_id: other})
    assert not signing.signature_valid(Head(**{**head.to_dict(), "signature": "%%%"}), keys)


def test_a_published_head_round_trips_through_json() -> None:
    head = signed()
    assert signing.head_from_dict(head.to_dict()) == head
    feed = {"items": [head.to_dict(), head.to_dict()]}
    assert signing.heads_from_json(feed) == [head, head]
    assert signing.heads_from_json({"signed_head": head.to_dict()}) == [head]
    assert signing.heads_from_json({"head": head.to_dict(), "record": {}}) == [head]
    assert signing.heads_from_json([head.to_dict()]) == [head]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"seq": 0}, "'seq' must be 1 or more"),
        ({"seq": "12"}, "'seq' must be a whole number"),
        ({"records": True}, "'records' must be a whole number"),
        ({"head_sha256": "A" * 64}, "'head_sha256' must be 64 lower-case hex"),
        ({"records_root": "b" * 63}, "'records_root' must be 64"),
        ({"signed_at": "2026-11-23 08:05"}, "'signed_at' must be a UTC time"),
        ({"key_id": "xyz"}, "'key_id' must be 16"),
        ({"signature": ""}, "'signature' must be base64"),
    ],
)
def test_a_malformed_head_names_its_field(change: dict[str, Any], named: str) -> None:
    with pytest.raises(HeadProblem, match=named):
        signing.heads_from_json({"items": [signed().to_dict(), {**signed().to_dict(), **change}]})
    with pytest.raises(HeadProblem, match="Head 2"):
        signing.heads_from_json([signed().to_dict(), {**signed().to_dict(), **change}])


def test_a_head_missing_a_field_or_not_an_object_is_refused() -> None:
    body = signed().to_dict()
    del body["records_root"]
    with pytest.raises(HeadProblem, match="no 'records_root'"):
        signing.head_from_dict(body)
    with pytest.raises(HeadProblem, match="JSON object"):
        signing.head_from_dict("head")
    with pytest.raises(HeadProblem, match="No signed head"):
        signing.heads_from_json({"items": []})


def test_keys_are_read_from_hex_base64_and_pem() -> None:
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    kid = signing.key_id(key.public_key())
    for text in (
        SEED.hex(),
        base64.b64encode(SEED).decode(),
        base64.urlsafe_b64encode(SEED).decode().rstrip("="),
        signing.private_key_pem(key).decode(),
    ):
        assert signing.key_id(signing.private_key_from_text(text).public_key()) == kid
    public = signing.public_key_b64(key.public_key())
    assert signing.key_id(signing.public_key_from_text(public)) == kid
    for bad in ("", "abc", "00" * 31, "not base64!"):
        with pytest.raises(KeyProblem, match="32 bytes"):
            signing.private_key_from_text(bad)


def test_the_feed_keys_must_match_their_key_ids() -> None:
    public = signing.public_key_b64(Ed25519PrivateKey.from_private_bytes(SEED).public_key())
    kid = signing.key_id(signing.public_key_from_text(public))
    assert list(signing.keys_from_json({"keys": [{"key_id": kid, "public_key": public}]})) == [kid]
    with pytest.raises(KeyProblem, match="another key id"):
        signing.keys_from_json({"keys": [{"key_id": "0" * 16, "public_key": public}]})
    assert signing.keys_from_json({"items": []}) == {}
