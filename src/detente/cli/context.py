"""What every node-facing command needs: the data folder's settings and an API client."""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import httpx

from detente.errors import DetenteError
from detente.i18n.ui import gettext_for
from detente.link.tls import pinned_context
from detente.node.identity import load_token
from detente.node.settings import NodeSettings


def cli_lang() -> str:
    """The CLI speaks the operator's language: ``DETENTE_LANG`` (en, zh), else ``LANG``."""
    wanted = os.environ.get("DETENTE_LANG") or os.environ.get("LANG", "en")
    return "zh" if wanted.lower().startswith("zh") else "en"


def cli_gettext() -> Callable[[str], str]:
    return gettext_for(cli_lang())


data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The node's data folder.",
)


def load_settings(data_dir: Path) -> NodeSettings:
    try:
        return NodeSettings.load(data_dir.resolve())
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc


class NodeApi:
    """A small synchronous client of a running node's operator API."""

    def __init__(self, settings: NodeSettings) -> None:
        self.base = settings.local_url
        self.token = load_token(settings)
        self.verify: ssl.SSLContext | bool = (
            pinned_context(settings.tls_cert_path.read_text(encoding="ascii"))
            if settings.tls
            else True
        )

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = httpx.request(
                method,
                self.base + path,
                headers={"authorization": f"Bearer {self.token}"},
                timeout=30.0,
                verify=self.verify,
                **kwargs,
            )
        except httpx.HTTPError as exc:
            raise click.ClickException(
                f"cannot reach the node at {self.base} ({exc}); is 'detente node run' running?"
            ) from exc
        data = response.json()
        if response.status_code >= 400:
            field = data.get("field")
            reason = data.get("reason")
            raise click.ClickException(f"{field}: {reason}" if field else str(reason))
        return data
