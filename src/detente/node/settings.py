"""A node's settings: read once from its data folder, then passed down frozen.

Nothing reads settings at import time; two nodes can run in one process.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from detente.errors import ConfigError

CONFIG_FILE = "node.json"
KEY_FILE = "node.key"
TOKEN_FILE = "operator.token"  # noqa: S105 - a file name, not a secret


class NodeSettings(BaseModel):
    """Everything a running node needs to know about itself."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    party: str = Field(pattern=r"^[A-Z]{2,8}$")
    name: str = Field(min_length=1, max_length=200)
    data_dir: Path
    db_url: str
    host: str = "127.0.0.1"
    port: int = Field(default=8700, ge=0, le=65535)
    public_url: str
    sqlite_synchronous: str = Field(default="FULL", pattern=r"^(OFF|NORMAL|FULL|EXTRA)$")
    max_request_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    run_duties: bool = True
    peer_rate_per_s: float = Field(default=100.0, gt=0)
    operator_rate_per_s: float = Field(default=50.0, gt=0)
    track_feeds: list[str] = Field(default_factory=list)
    """Live track feeds: ``tcp://host:port`` (we connect) or ``udp://host:port`` (we listen),
    optionally ``#fmt=ais|sbs|jsonl|modes``."""
    unit_registry: Path | None = None
    """YAML or JSON file of known units (identifiers, party, name, type)."""
    tls: bool = False
    """Serve https with DIR/tls.crt and DIR/tls.key; plain http only on loopback."""
    passphrase_file: Path | None = None
    """Where the key passphrase lives when not in the environment or the data folder."""
    audit_anchor_interval_s: float = Field(default=300.0, gt=0, le=7 * 86400)
    """How often, at most, the audit log's newest chain value is signed on each channel
    (``detente.node.audit_anchors``); only after something new was recorded."""

    @property
    def key_path(self) -> Path:
        return self.data_dir / KEY_FILE

    @property
    def tls_cert_path(self) -> Path:
        return self.data_dir / "tls.crt"

    @property
    def tls_key_path(self) -> Path:
        return self.data_dir / "tls.key"

    @property
    def local_url(self) -> str:
        """How tools on this machine reach the node (the CLI, tests)."""
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"

    @property
    def token_path(self) -> Path:
        return self.data_dir / TOKEN_FILE

    def save(self) -> None:
        data = self.model_dump(mode="json", exclude={"data_dir"})
        path = self.data_dir / CONFIG_FILE
        path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, data_dir: Path, **overrides: object) -> NodeSettings:
        path = data_dir / CONFIG_FILE
        if not path.is_file():
            raise ConfigError(
                f"no {CONFIG_FILE} in {data_dir}; run 'detente node init' first", field="data"
            )
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            raw.update({k: v for k, v in overrides.items() if v is not None})
            env_db = os.environ.get("DETENTE_DB_URL")
            if env_db and "db_url" not in overrides:
                raw["db_url"] = env_db
            return cls(data_dir=data_dir, **raw)
        except (ValueError, PydanticValidationError) as exc:
            raise ConfigError(f"{path} is not valid: {exc}", field="node.json") from exc
