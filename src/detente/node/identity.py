"""Creating a node's data folder: keys, config, database, the local operator token.

The private key file is written with mode 0600 and never printed or logged.
"""

from __future__ import annotations

import os
from pathlib import Path

from detente.errors import ConfigError
from detente.node.settings import NodeSettings
from detente.store import channels as channel_queries
from detente.store import tokens
from detente.store.database import Database
from detente.wire.keys import SigningKey, b64decode, b64encode


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def init_node(
    data_dir: Path,
    *,
    party: str,
    name: str,
    port: int = 8700,
    host: str = "127.0.0.1",
    db_url: str | None = None,
    public_url: str | None = None,
) -> NodeSettings:
    """Make keys, config and schema in ``data_dir``; refuses to overwrite a node."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    if (data_dir / "node.json").exists():
        raise ConfigError(f"{data_dir} already holds a node", field="data")
    settings = NodeSettings(
        party=party,
        name=name,
        data_dir=data_dir,
        db_url=db_url or f"sqlite:///{data_dir / 'node.sqlite'}",
        host=host,
        port=port,
        public_url=public_url or f"http://{host}:{port}",
    )
    key = SigningKey.generate()
    _write_secret(settings.key_path, b64encode(key.private_bytes()) + "\n")
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


def load_key(settings: NodeSettings) -> SigningKey:
    try:
        text = settings.key_path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"key file {settings.key_path} is missing", field="key") from None
    return SigningKey.from_private_bytes(b64decode(text, field="key"))


def load_token(settings: NodeSettings) -> str:
    try:
        return settings.token_path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"token file {settings.token_path} is missing", field="token") from None
