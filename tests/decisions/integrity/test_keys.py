"""The service's signing key: from the environment or a file, the development key, the keys
trusted and published, and the signing_key command."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command

from decisions.integrity import keys, signing
from decisions.integrity.signing import KeyProblem

SEED = bytes(range(32))


@pytest.fixture
def key_settings(settings: Any, tmp_path: Path) -> Any:
    settings.VAR_DIR = tmp_path / "var"
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_PREVIOUS_PUBLIC_KEYS = []
    settings.PRODUCTION = False
    keys._load_key.cache_clear()
    yield settings
    keys._load_key.cache_clear()


def test_development_generates_one_private_key_file_on_first_use(key_settings: Any) -> None:
    first = keys.signing_key()
    path = Path(key_settings.VAR_DIR) / "keys" / "audit-signing-key.pem"
    assert path.is_file() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    keys._load_key.cache_clear()
    again = keys.signing_key()
    assert signing.key_id(again.public_key()) == signing.key_id(first.public_key())
    assert [k["key_id"] for k in keys.published_keys()] == [signing.key_id(first.public_key())]


def test_the_environment_key_wins_and_previous_keys_stay_trusted(key_settings: Any) -> None:
    old = Ed25519PrivateKey.generate().public_key()
    key_settings.AUDIT_SIGNING_KEY = SEED.hex()
    key_settings.AUDIT_PREVIOUS_PUBLIC_KEYS = [signing.public_key_b64(old)]
    current = signing.key_id(Ed25519PrivateKey.from_private_bytes(SEED).public_key())
    assert signing.key_id(keys.signing_key().public_key()) == current
    assert set(keys.trusted_keys()) == {current, signing.key_id(old)}
    assert next(k["key_id"] for k in keys.published_keys()) == current
    assert not (Path(key_settings.VAR_DIR) / "keys").exists()  # no file when a key is given


def test_a_key_file_is_read_and_a_missing_one_is_named(key_settings: Any, tmp_path: Path) -> None:
    path = tmp_path / "signing.pem"
    path.write_bytes(signing.private_key_pem(Ed25519PrivateKey.from_private_bytes(SEED)))
    key_settings.AUDIT_SIGNING_KEY_FILE = str(path)
    assert keys.signing_key().private_bytes_raw() == SEED
    keys._load_key.cache_clear()
    key_settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "absent.pem")
    with pytest.raises(KeyProblem, match="AUDIT_SIGNING_KEY_FILE cannot be read"):
        keys.signing_key()


def test_production_never_generates_a_key(key_settings: Any) -> None:
    key_settings.PRODUCTION = True
    with pytest.raises(KeyProblem, match="production never generates"):
        keys.signing_key()
    assert keys.trusted_keys() == {}  # verification reports heads; it does not crash
    assert not (Path(key_settings.VAR_DIR) / "keys").exists()


def test_the_signing_key_command_prints_the_public_key_and_generates_new_ones(
    key_settings: Any,
) -> None:
    key_settings.AUDIT_SIGNING_KEY = SEED.hex()
    out = io.StringIO()
    call_command("signing_key", stdout=out)
    [key] = json.loads(out.getvalue())["keys"]
    public = Ed25519PrivateKey.from_private_bytes(SEED).public_key()
    assert key == {
        "key_id": signing.key_id(public),
        "algorithm": "Ed25519",
        "public_key": signing.public_key_b64(public),
    }
    assert SEED.hex() not in out.getvalue()  # the private key is never printed
    fresh = io.StringIO()
    call_command("signing_key", "--generate", stdout=fresh)
    assert signing.private_key_from_text(fresh.getvalue().strip())
