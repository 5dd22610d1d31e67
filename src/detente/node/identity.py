"""Creating a node's data folder: keys, config, database, the local operator token.

The private key file is written with mode 0600 and never printed or logged.
"""

from __future__ import annotations

from pathlib import Path

from detente.errors import ConfigError
from detente.link.tls import is_loopback, make_certificate
from detente.node.keystore import (
    KEYPASS_FILE,
    decrypt_key,
    encrypt_key,
    find_passphrase,
    new_keypass,
    write_secret,
)
from detente.node.settings import NodeSettings
from detente.store import channels as channel_queries
from detente.store import tokens
from detente.store.database import Database
from detente.wire.keys import SigningKey


def _write_secret(path: Path, text: str) -> None:
    write_secret(path, text.encode("utf-8"))


def init_node(
    data_dir: Path,
    *,
    party: str,
    name: str,
    port: int = 8700,
    host: str = "127.0.0.1",
    db_url: str | None = None,
    public_url: str | None = None,
    passphrase: bytes | None = None,
    tls: bool = True,
) -> NodeSettings:
    """Make keys, config and schema in ``data_dir``; refuses to overwrite a node.

    The key is stored encrypted. Without a ``passphrase`` a random one is
    written to ``node.keypass`` beside it (see ``keystore``).
    """
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    if (data_dir / "node.json").exists():
        raise ConfigError(f"{data_dir} already holds a node", field="data")
    if not tls and not is_loopback(host):
        raise ConfigError("plain http is only allowed on loopback; drop --http", field="host")
    scheme = "https" if tls else "http"
    settings = NodeSettings(
        party=party,
        name=name,
        data_dir=data_dir,
        db_url=db_url or f"sqlite:///{data_dir / 'node.sqlite'}",
        host=host,
        port=port,
        public_url=public_url or f"{scheme}://{host}:{port}",
        tls=tls,
    )
    key = SigningKey.generate()
    if passphrase is None:
        passphrase = new_keypass()
        write_secret(data_dir / KEYPASS_FILE, passphrase + b"\n")
    write_secret(settings.key_path, encrypt_key(key, passphrase))
    if tls:
        cert_pem, tls_key_pem = make_certificate(
            party, name, [host, "127.0.0.1", "localhost"], passphrase
        )
        settings.tls_cert_path.write_bytes(cert_pem)
        write_secret(settings.tls_key_path, tls_key_pem)
    db = Database(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        db.migrate()
        with db.writing() as conn:
            channel_queries.add_key(conn, key.key_id, party, key.verify_key.b64())
            token = tokens.issue(conn, operator="local-admin", role="administrator")
    finally:
        db.close()
    _write_secret(settings.token_path, token + "\n")
    settings.save()
    return settings


def load_key(settings: NodeSettings, passphrase_file: Path | None = None) -> SigningKey:
    """Decrypt the node key (see ``keystore`` for where the passphrase comes from)."""
    try:
        pem = settings.key_path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"key file {settings.key_path} is missing", field="key") from None
    passphrase_file = passphrase_file or settings.passphrase_file
    return decrypt_key(pem, find_passphrase(settings.data_dir, passphrase_file))


def load_token(settings: NodeSettings) -> str:
    try:
        return settings.token_path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"token file {settings.token_path} is missing", field="token") from None
