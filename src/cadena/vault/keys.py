"""The case's Ed25519 signing key: created at `init`, mode 0600, optionally passphrase-encrypted.

The passphrase comes from `CADENA_KEY_PASSPHRASE`; with it set at `init` the private key is
stored encrypted (PKCS#8, best available encryption) and every signing command needs it again.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cadena.errors import CadenaError

PASSPHRASE_ENV = "CADENA_KEY_PASSPHRASE"


def create(private_path: Path, public_path: Path) -> Ed25519PublicKey:
    key = Ed25519PrivateKey.generate()
    passphrase = os.environ.get(PASSPHRASE_ENV)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    private_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    public_path.write_bytes(public_pem(key.public_key()))
    return key.public_key()


def load_private(path: Path) -> Ed25519PrivateKey:
    data = path.read_bytes()
    passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        key = serialization.load_pem_private_key(data, passphrase.encode() if passphrase else None)
    except TypeError as exc:
        raise CadenaError(
            "The case signing key is encrypted: set CADENA_KEY_PASSPHRASE to its passphrase."
        ) from exc
    except ValueError as exc:
        raise CadenaError(
            f"Could not unlock the case signing key {path}: wrong CADENA_KEY_PASSPHRASE?"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CadenaError(f"{path} is not an Ed25519 key.")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise CadenaError(f"{path} is not an Ed25519 public key.")
    return key


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
