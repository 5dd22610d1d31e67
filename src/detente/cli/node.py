"""``detente node``: create a node's data folder and run the node."""

from __future__ import annotations

import os
from pathlib import Path

import click

from detente.cli.context import data_option, load_settings
from detente.errors import DetenteError
from detente.node.identity import init_node
from detente.node.keystore import PASSPHRASE_ENV, find_passphrase, passphrase_beside_key


@click.group()
def node() -> None:
    """Create and run a node."""


@node.command("init")
@click.option("--party", required=True, help="Party code, e.g. US or CN.")
@click.option("--name", required=True, help="Human name of the node, e.g. 'INDOPACOM J3'.")
@data_option
@click.option("--port", type=int, default=8700, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--db", "db_url", default=None, help="Database URL (default: SQLite in DIR).")
@click.option("--public-url", default=None, help="URL peers use to reach this node.")
@click.option(
    "--http",
    "plain_http",
    is_flag=True,
    help="Serve plain HTTP instead of TLS (allowed on loopback only).",
)
@click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File holding the passphrase that encrypts the node key "
    "(default: $DETENTE_PASSPHRASE, else a random one in DIR/node.keypass).",
)
def init(
    party: str,
    name: str,
    data_dir: Path,
    port: int,
    host: str,
    db_url: str | None,
    public_url: str | None,
    passphrase_file: Path | None,
    plain_http: bool,
) -> None:
    """Make keys, config and database for a new node."""
    try:
        passphrase = (
            find_passphrase(data_dir, passphrase_file)
            if passphrase_file or os.environ.get(PASSPHRASE_ENV)
            else None
        )
        settings = init_node(
            data_dir,
            party=party,
            name=name,
            port=port,
            host=host,
            db_url=db_url,
            public_url=public_url,
            passphrase=passphrase,
            tls=not plain_http,
        )
        if passphrase_file is not None:
            # Remembered in node.json, so every later command finds the key's passphrase.
            settings = settings.model_copy(update={"passphrase_file": passphrase_file.resolve()})
            settings.save()
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    from detente.node.identity import load_key

    key = load_key(settings)
    click.echo(f"node {party} ({name}) created in {settings.data_dir}")
    click.echo(f"key id:      {key.key_id}")
    click.echo(f"fingerprint: {key.verify_key.fingerprint}")
    click.echo(f"endpoint:    {settings.public_url}")
    if settings.tls:
        from detente.link.tls import fingerprint

        cert = settings.tls_cert_path.read_text(encoding="ascii")
        click.echo(f"tls cert:    {fingerprint(cert)}")
    _warn_if_key_unprotected(settings.data_dir, passphrase_file)


def _warn_if_key_unprotected(data_dir: Path, passphrase_file: Path | None) -> None:
    """Say so, every time, when the passphrase sits beside the key it protects."""
    if passphrase_beside_key(data_dir, passphrase_file):
        click.secho(
            f"warning: the key's passphrase is in {data_dir / 'node.keypass'}, beside the key; "
            f"anyone who copies {data_dir} has the key. Move it off this machine and start "
            f"the node with --passphrase-file or {PASSPHRASE_ENV}.",
            fg="yellow",
            err=True,
        )


@node.command("run")
@data_option
@click.option("--port", type=int, default=None, help="Override the configured port.")
@click.option("--no-duties", is_flag=True, help="Serve only; another worker runs duties.")
@click.option("--log-level", default="warning", show_default=True)
@click.option(
    "--passphrase-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="File holding the key passphrase (see 'node init').",
)
@click.option(
    "--track-feed",
    "feeds",
    multiple=True,
    help="Live tracks: tcp://host:port or udp://host:port[#fmt=ais|sbs|jsonl]; repeat.",
)
@click.option(
    "--registry",
    "unit_registry",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Unit registry file (identifiers → party, name, type).",
)
def run(
    data_dir: Path,
    port: int | None,
    no_duties: bool,
    log_level: str,
    passphrase_file: Path | None,
    feeds: tuple[str, ...],
    unit_registry: Path | None,
) -> None:
    """Serve the peer and operator APIs and run the node's duties."""
    import uvicorn

    from detente.api.app import create_app

    settings = load_settings(data_dir)
    overrides: dict[str, object] = {}
    if port is not None:
        overrides["port"] = port
    if no_duties:
        overrides["run_duties"] = False
    if passphrase_file is not None:
        overrides["passphrase_file"] = passphrase_file.resolve()
    if feeds:
        overrides["track_feeds"] = list(feeds)
    if unit_registry is not None:
        overrides["unit_registry"] = unit_registry.resolve()
    if overrides:
        settings = settings.model_copy(update=overrides)
    app = create_app(settings)
    click.echo(f"node {settings.party} serving on {settings.local_url}", err=True)
    _warn_if_key_unprotected(settings.data_dir, settings.passphrase_file)
    tls: dict[str, object] = {}
    if settings.tls:
        tls = {
            "ssl_certfile": str(settings.tls_cert_path),
            "ssl_keyfile": str(settings.tls_key_path),
            "ssl_keyfile_password": find_passphrase(
                settings.data_dir, settings.passphrase_file
            ).decode(),
        }
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=False,
        timeout_keep_alive=15,
        timeout_graceful_shutdown=2,
        **tls,  # type: ignore[arg-type]
    )
