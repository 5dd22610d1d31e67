"""``detente evidence export|verify`` and ``detente checkpoint now``.

Export reads the node's database directly (no running node needed) and
writes the bundle to stdout or a file, with a progress bar on stderr so the
bytes on stdout stay exactly the bundle. Verify needs nothing but the file
(and, best, the two parties' public keys obtained out of band); it exits 1
and lists every failure when the bundle does not hold.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from detente.cli.context import NodeApi, data_option, load_settings
from detente.cli.progress import progress_bars
from detente.errors import DetenteError
from detente.log.evidence import EvidenceReport, encode_bundle
from detente.log.evidence_verify import verify_bundle
from detente.node.evidence_export import (
    Selection,
    entries_argument,
    export_bundle,
    parse_moment,
)
from detente.node.identity import load_key
from detente.store.database import Database
from detente.wire.keys import VerifyKey

format_option = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)


@click.group("evidence")
def evidence() -> None:
    """Export and verify evidence bundles a third party can check offline."""


@evidence.command("export")
@data_option
@click.option("--from", "from_text", default=None, help="Window start, ISO-8601 (UTC if no zone).")
@click.option("--to", "to_text", default=None, help="Window end, ISO-8601 (UTC if no zone).")
@click.option("--entries", "entry_ids", multiple=True, help="Entry id to include (repeatable).")
@click.argument("more_ids", nargs=-1)
@click.option("--channel", "channel_id", default=None, help="Channel id (default: the only one).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of stdout.",
)
def export(
    data_dir: Path,
    from_text: str | None,
    to_text: str | None,
    entry_ids: tuple[str, ...],
    more_ids: tuple[str, ...],
    channel_id: str | None,
    output: Path | None,
) -> None:
    """Write entries, signatures, proofs and witnessed checkpoints as one bundle.

    Select a time window (--from/--to) or entries (--entries ID [ID...]).
    """
    if more_ids and not entry_ids:
        raise click.UsageError("entry ids follow --entries")
    settings = load_settings(data_dir)
    try:
        selection = Selection(
            from_t=parse_moment(from_text, field="from") if from_text else None,
            to_t=parse_moment(to_text, field="to") if to_text else None,
            entry_ids=entries_argument([*entry_ids, *more_ids]),
        )
        key = load_key(settings)
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    db = Database(settings.db_url)
    console = Console(stderr=True)
    try:
        with progress_bars() as step:
            bundle = export_bundle(
                db,
                party=settings.party,
                key=key,
                selection=selection,
                channel_id=channel_id,
                progress=step,
            )
    except DetenteError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        db.close()
    data = encode_bundle(bundle)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(data)
    counts = ", ".join(f"{p}: {len(run['entries'])}" for p, run in bundle["logs"].items())
    console.print(f"exported {counts} entries of channel {bundle['channel']}")


def _pinned(values: tuple[str, ...]) -> dict[str, VerifyKey]:
    keys = {}
    for value in values:
        party, sep, text = value.partition("=")
        if not sep or not party:
            raise click.BadParameter(f"{value!r}: expected PARTY=PUBLIC_KEY", param_hint="--key")
        try:
            keys[party.strip()] = VerifyKey.from_b64(text.strip())
        except DetenteError as exc:
            raise click.BadParameter(f"{party}: {exc.reason}", param_hint="--key") from exc
    return keys


@evidence.command("verify")
@click.argument("bundle_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--key",
    "key_values",
    multiple=True,
    help="PARTY=PUBLIC_KEY (base64url) obtained out of band; repeat for each party.",
)
@format_option
def verify(bundle_file: Path, key_values: tuple[str, ...], fmt: str) -> None:
    """Check a bundle with no node and no network; explain each failure."""
    report = verify_bundle(bundle_file.read_bytes(), keys=_pinned(key_values))
    if fmt == "json":
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(report)
    if not report.ok:
        raise SystemExit(1)


def _print_report(report: EvidenceReport) -> None:
    console = Console()
    parties = Table(
        "party", "name", "key id", "fingerprint", "pinned", "earlier keys used", title="Parties"
    )
    for party, info in report.parties.items():
        earlier = ", ".join(info.get("earlier_keys") or []) or "-"
        parties.add_row(
            party, info["name"], info["key_id"], info["fingerprint"], info["pinned"], earlier
        )
    console.print(parties)
    logs = Table("log", "entries", "selected", "checkpoint", "witnessed by", title="Logs")
    for party, run in report.logs.items():
        cp = run["checkpoint"]
        selected = run["selected"]
        logs.add_row(
            party,
            f"{run['first_seq']}..{run['last_seq']}",
            f"{selected[0]}..{selected[1]}" if selected else "all",
            f"size {cp['size']} at {cp['t']}",
            ", ".join(run["witnesses"]),
        )
    console.print(logs)
    entries = Table("party", "seq", "t", "kind", "received by", "id", title="Selected entries")
    for e in report.entries:
        if e.selected:
            received = f"{e.received_by} by {e.received_by_t}" if e.received_by else "—"
            entries.add_row(e.party, str(e.seq), e.t, e.kind, received, e.id[:16] + "…")
    console.print(entries)
    if report.ok:
        console.print("[green]bundle verified[/]: every signature, the hash chains, the ranges")
        if not all(info["pinned"] == "yes" for info in report.parties.values()):
            console.print(
                "[yellow]compare the fingerprints above with the parties' keys out of band, "
                "or pass --key PARTY=KEY for each[/]"
            )
        return
    console.print(f"[red]bundle does NOT verify: {len(report.failures)} failure(s)[/]")
    for failure in report.failures:
        # The failure's own text may hold brackets: styled apart, never read as markup.
        console.print(Text.assemble(("  ✗ ", "red"), str(failure)), highlight=False)


@click.group("checkpoint")
def checkpoint() -> None:
    """Witnessed checkpoints of this node's logs."""


@checkpoint.command("now")
@data_option
@format_option
def checkpoint_now(data_dir: Path, fmt: str) -> None:
    """Sign a checkpoint of our log now and have every peer witness it (node must run)."""
    results = NodeApi(load_settings(data_dir)).request("POST", "/api/v1/checkpoints/now")
    if fmt == "json":
        click.echo(json.dumps(results, indent=2))
        return
    table = Table("channel", "peer", "size", "root", "status")
    failed = False
    for r in results["results"]:
        status = r["status"] if r["status"] != "failed" else f"failed: {r.get('error')}"
        failed = failed or r["status"] == "failed"
        table.add_row(r["channel"][:12] + "…", r["peer"], str(r["size"]), r["root"][:16], status)
    Console().print(table)
    if failed:
        raise SystemExit(1)
