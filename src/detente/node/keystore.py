"""The node's private key at rest: encrypted, never logged, never printed.

The key file is PKCS#8 PEM encrypted with a passphrase (cryptography's best
available scheme). The passphrase comes, in order, from ``--passphrase-file``,
the ``DETENTE_PASSPHRASE`` environment variable, or ``node.keypass`` in the
data folder. ``node init`` writes ``node.keypass`` only when no passphrase was
given, so unattended tests and demos work; an operations centre moves that
file to removable media (or uses a passphrase) so a stolen laptop does not
hold both the lock and the key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from detente.errors import ConfigError
from detente.wire.keys import SigningKey

PASSPHRASE_ENV = "DETENTE_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret
KEYPASS_FILE = "node.keypass"
MIN_PASSPHRASE = 12


def write_secret(path: Path, data: bytes) -> None:
    """Create ``path`` readable by its owner only; refuses to overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def new_keypass() -> bytes:
    return secrets.token_urlsafe(32).encode()


def encrypt_key(key: SigningKey, passphrase: bytes) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise ConfigError(
            f"the passphrase must have at least {MIN_PASSPHRASE} characters", field="passphrase"
        )
    private = Ed25519PrivateKey.from_private_bytes(key.private_bytes())
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )


def decrypt_key(pem: bytes, passphrase: bytes) -> SigningKey:
    try:
        private = serialization.load_pem_private_key(pem, password=passphrase)
    except (ValueError, TypeError) as exc:
        # ValueError covers a wrong passphrase; never echo the passphrase or the file.
        raise ConfigError("cannot decrypt the node key: wrong passphrase?", field="key") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigError("the node key file does not hold an Ed25519 key", field="key")
    return SigningKey(private)


def passphrase_beside_key(data_dir: Path, passphrase_file: Path | None = None) -> bool:
    """Whether the key's passphrase would come from ``node.keypass`` in the data folder.

    Then whoever copies the folder has the key: encryption at rest protects
    nothing until the passphrase moves off the machine.
    """
    return (
        passphrase_file is None
        and not os.environ.get(PASSPHRASE_ENV)
        and (data_dir / KEYPASS_FILE).is_file()
    )


def find_passphrase(data_dir: Path, passphrase_file: Path | None = None) -> bytes:
    """The passphrase from the first source that has one."""
    if passphrase_file is not None:
        try:
            return passphrase_file.read_bytes().strip()
        except OSError as exc:
            raise ConfigError(
                f"cannot read {passphrase_file}: {exc.strerror}", field="passphrase-file"
            ) from exc
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env.encode()
    keypass = data_dir / KEYPASS_FILE
    if keypass.is_file():
        return keypass.read_bytes().strip()
    raise ConfigError(
        f"no passphrase for the node key: give --passphrase-file, set {PASSPHRASE_ENV}, "
        f"or put it in {keypass}",
        field="passphrase",
    )
