"""Ed25519 keys: signing, verification, and the fingerprints people compare out of band.

A key's id is derived from its public bytes, so nobody can claim an id for a
key they do not hold. This module never logs, prints or serialises a private
key except through ``private_bytes`` for the key file.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from detente.errors import SignatureError, ValidationError

SIGNATURE_LEN = 64
PUBLIC_KEY_LEN = 32


def b64encode(data: bytes) -> str:
    """URL-safe base64 without padding: the one binary-to-text form on the wire."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str, *, field: str) -> bytes:
    """Strict inverse of ``b64encode``; anything else is a named error."""
    if not isinstance(text, str) or len(text) > 4096:
        raise ValidationError("must be a base64url string", field=field)
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValidationError("is not valid base64url", field=field) from exc
    if b64encode(data) != text:
        raise ValidationError("is not canonical base64url (no padding)", field=field)
    return data


def key_id_of(public_bytes: bytes) -> str:
    """The first 128 bits of SHA-256 of the raw public key, hex."""
    return hashlib.sha256(public_bytes).hexdigest()[:32]


def fingerprint_of(public_bytes: bytes) -> str:
    """The full SHA-256 of the public key in groups of four, for reading aloud."""
    digest = hashlib.sha256(public_bytes).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


@dataclass(frozen=True)
class VerifyKey:
    """A public key the channel lists for a party.

    Verification uses libsodium (PyNaCl): about twice OpenSSL's rate here, and
    signature checks are what a receiving node spends most of its time on.
    """

    public_bytes: bytes

    def __post_init__(self) -> None:
        if len(self.public_bytes) != PUBLIC_KEY_LEN:
            raise ValidationError("an Ed25519 public key has 32 bytes", field="public_key")
        try:
            native = nacl.signing.VerifyKey(self.public_bytes)
        except (nacl.exceptions.ValueError, nacl.exceptions.TypeError) as exc:
            raise ValidationError("not an Ed25519 public key", field="public_key") from exc
        object.__setattr__(self, "_native", native)

    @classmethod
    def from_b64(cls, text: str) -> VerifyKey:
        return cls(b64decode(text, field="public_key"))

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_bytes)

    @property
    def fingerprint(self) -> str:
        return fingerprint_of(self.public_bytes)

    def b64(self) -> str:
        return b64encode(self.public_bytes)

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise ``SignatureError`` unless ``signature`` is this key's over ``data``."""
        if len(signature) != SIGNATURE_LEN:
            raise SignatureError("an Ed25519 signature has 64 bytes", field="sig")
        native: nacl.signing.VerifyKey = self._native  # type: ignore[attr-defined]
        try:
            native.verify(data, signature)
        except nacl.exceptions.BadSignatureError as exc:
            raise SignatureError(
                f"signature does not verify with key {self.key_id}", field="sig"
            ) from exc


class SigningKey:
    """A node's private key. Its repr never shows the secret."""

    __slots__ = ("_native", "_private", "verify_key")

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.verify_key = VerifyKey(raw)
        seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        self._native = nacl.signing.SigningKey(seed)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_private_bytes(cls, raw: bytes) -> SigningKey:
        if len(raw) != 32:
            raise ValidationError("an Ed25519 private key has 32 bytes", field="private_key")
        return cls(Ed25519PrivateKey.from_private_bytes(raw))

    def private_bytes(self) -> bytes:
        return self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    @property
    def key_id(self) -> str:
        return self.verify_key.key_id

    def sign(self, data: bytes) -> bytes:
        return bytes(self._native.sign(data).signature)

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"
