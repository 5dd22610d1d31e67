"""Building an evidence bundle from a node's database (``detente evidence export``).

For each party's log the bundle carries one contiguous run of entries: the
entries selected (by time window or by id), stretched to take in the other
party's receipts of the other log's selection, so "when it was received" is
provable too. Each run is tied to the smallest witnessed checkpoint that
covers it by a range proof; the format and its checks are in
``detente.log.evidence``.

After a key rotation the bundle lists each party's earlier keys from this
node's keyring, so entries signed before the rotation still verify, but it
anchors them only in a checkpoint signed with the party's current key and
cosigned with the witness's current key (and carries only such
cosignatures): that is all a verifier pinning current keys can trust. Right
after a rotation no such checkpoint exists until the next round (every
``checkpoint_interval_s``) or ``detente checkpoint now`` makes one.

Memory is bounded by one log's leaf hashes (one MerkleTree per log, 32
bytes a leaf) plus the selected entries; entries are read page by page.
This module never signs anything but the bundle, never asks a peer, and
refuses to export a run no witnessed checkpoint with current keys covers yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import Connection

from detente.errors import NotFoundError, ValidationError
from detente.log.evidence import (
    BUNDLE_TYPE,
    BUNDLE_VERSION,
    EARLIER_KEYS,
    build_log_run,
    earlier_key,
    seal_bundle,
)
from detente.log.tree import MerkleTree
from detente.store import channels as channel_queries
from detente.store import checkpoints as stored_checkpoints
from detente.store import keyring, logs
from detente.store.channels import ChannelRow, Member
from detente.store.database import Database
from detente.types import ProgressFn
from detente.wire.entry import format_t, now_t
from detente.wire.keys import SigningKey

PAGE: Final = 2000

Progress = ProgressFn
"""Called as entries are read, for a progress bar."""


@dataclass(frozen=True, slots=True)
class Selection:
    """What to export: a time window (either end open) or named entries."""

    from_t: datetime | None = None
    to_t: datetime | None = None
    entry_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.entry_ids and (self.from_t or self.to_t):
            raise ValidationError("select by time or by entries, not both", field="entries")
        for name in ("from_t", "to_t"):
            moment = getattr(self, name)
            if moment is not None and moment.tzinfo is None:
                raise ValidationError("must carry a timezone (e.g. Z)", field=name)
        if self.from_t and self.to_t and self.from_t > self.to_t:
            raise ValidationError("the window ends before it starts", field="to_t")

    def to_json(self) -> dict[str, Any]:
        return {
            "from": format_t(self.from_t) if self.from_t else None,
            "to": format_t(self.to_t) if self.to_t else None,
            "entries": list(self.entry_ids) if self.entry_ids else None,
        }


def export_bundle(
    db: Database,
    *,
    party: str,
    key: SigningKey,
    selection: Selection,
    channel_id: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The signed bundle for ``selection``, JSON-ready; write it with ``encode_bundle``."""
    with db.reading() as conn:
        row = _channel(conn, selection, channel_id)
        spans = _selected_spans(conn, row, selection)
        runs = _runs_with_receipts(conn, row, spans)
        log_parts = {
            member: _log_part(conn, row, member, runs[member], spans.get(member), progress)
            for member in sorted(runs)
        }
        parties = {m.party: _party(conn, row.channel_id, m) for m in row.members}
    bundle: dict[str, Any] = {
        "type": BUNDLE_TYPE,
        "v": BUNDLE_VERSION,
        "channel": row.channel_id,
        "exported_by": party,
        "exported_t": now_t(),
        "parties": parties,
        "selection": selection.to_json(),
        "logs": log_parts,
    }
    return seal_bundle(bundle, key)


def _party(conn: Connection, channel_id: str, member: Member) -> dict[str, Any]:
    """A party's current key and, if it rotated, the earlier keys its older entries carry."""
    info: dict[str, Any] = {
        "name": member.name,
        "key_id": member.key_id,
        "public_key": member.public_key,
    }
    earlier = [
        earlier_key(r.key_id, r.public_key, r.until_seq, r.revoked_from_seq)
        for r in keyring.keys_of(conn, channel_id, member.party)
        if r.until_seq is not None and r.key_id != member.key_id
    ]
    if earlier:
        info[EARLIER_KEYS] = earlier
    return info


def _current_keys(row: ChannelRow) -> dict[str, str]:
    """Party -> current key id: the only keys a bundle's checkpoints may be signed with."""
    return {m.party: m.key_id for m in row.members}


def _channel(conn: Connection, selection: Selection, channel_id: str | None) -> ChannelRow:
    if selection.entry_ids:
        places = stored_checkpoints.entry_places(conn, list(selection.entry_ids))
        for i, entry in enumerate(selection.entry_ids):
            if entry not in places:
                raise NotFoundError(f"no entry {entry[:16]}… on this node", field=f"entries[{i}]")
        found = {channel for channel, _, _ in places.values()}
        if len(found) > 1:
            raise ValidationError("the entries belong to different channels", field="entries")
        channel_id = found.pop()
    if channel_id is None:
        active = [r for r in channel_queries.list_channels(conn) if r.state == "active"]
        if len(active) != 1:
            raise ValidationError(
                f"this node has {len(active)} active channels; name one", field="channel"
            )
        return active[0]
    row = channel_queries.get_channel(conn, channel_id)
    if row is None:
        raise NotFoundError(f"no channel {channel_id[:40]!r} on this node", field="channel")
    return row


def _selected_spans(
    conn: Connection, row: ChannelRow, selection: Selection
) -> dict[str, tuple[int, int]]:
    spans: dict[str, tuple[int, int]] = {}
    if selection.entry_ids:
        places = stored_checkpoints.entry_places(conn, list(selection.entry_ids))
        for _, author, seq in places.values():
            low, high = spans.get(author, (seq, seq))
            spans[author] = (min(low, seq), max(high, seq))
        return spans
    for member in row.members:
        span = stored_checkpoints.seq_span(
            conn,
            row.channel_id,
            member.party,
            from_t=selection.from_t.timestamp() if selection.from_t else None,
            to_t=selection.to_t.timestamp() if selection.to_t else None,
        )
        if span is not None:
            spans[member.party] = span
    if not spans:
        raise NotFoundError("no entry on this channel falls in the window", field="from")
    return spans


def _runs_with_receipts(
    conn: Connection, row: ChannelRow, spans: dict[str, tuple[int, int]]
) -> dict[str, tuple[int, int]]:
    """Stretch each log's run to hold the other parties' receipts of the selection."""
    runs = dict(spans)
    current = _current_keys(row)
    for author, (low, high) in spans.items():
        for reader in row.members:
            if reader.party == author:
                continue
            for seq in (low, high):
                found = stored_checkpoints.first_receipt_seq(
                    conn, row.channel_id, reader.party, author, seq
                )
                witnessed = found is not None and (
                    stored_checkpoints.witnessed_covering(
                        conn, row.channel_id, reader.party, found, keys=current
                    )
                    is not None
                )
                # A receipt no witnessed checkpoint covers yet cannot be proven; the
                # entry then goes without a receipt rather than failing the export.
                if found is not None and witnessed:
                    a, b = runs.get(reader.party, (found, found))
                    runs[reader.party] = (min(a, found), max(b, found))
    return runs


def _log_part(
    conn: Connection,
    row: ChannelRow,
    party: str,
    run: tuple[int, int],
    selected: tuple[int, int] | None,
    progress: Progress | None,
) -> dict[str, Any]:
    low, high = run
    current = _current_keys(row)
    covering = stored_checkpoints.witnessed_covering(
        conn, row.channel_id, party, high, keys=current
    )
    if covering is None:
        raise _no_checkpoint(conn, row.channel_id, party, high, current)
    size = covering.checkpoint.size
    leaves = [bytes.fromhex(x) for x in logs.leaf_ids(conn, row.channel_id, party, size)]
    if len(leaves) != size:
        raise NotFoundError(
            f"{party}'s log holds {len(leaves)} entries here, fewer than its checkpoint's {size}",
            field=f"logs.{party}",
        )
    envelopes = _envelopes(conn, row.channel_id, party, low, high, progress)
    return build_log_run(
        MerkleTree(leaves),
        first_seq=low,
        envelopes=envelopes,
        selected=selected,
        checkpoint=covering.signed,
        cosignatures=[
            c
            for c in covering.cosignatures
            if c.witness != party and current.get(c.witness) == c.key
        ],
    )


def _no_checkpoint(
    conn: Connection, channel_id: str, party: str, high: int, current: dict[str, str]
) -> NotFoundError:
    """Why the run cannot be anchored yet, and what makes it exportable."""
    retry = (
        f"run 'detente checkpoint now' on {party}'s node (or wait for its next round, every "
        "checkpoint_interval_s, 60 s by default, which the peer witnesses) and export again"
    )
    if stored_checkpoints.witnessed_covering(conn, channel_id, party, high) is None:
        reason = f"no witnessed checkpoint of {party}'s log covers seq {high} yet"
    else:
        reason = (
            f"the witnessed checkpoints of {party}'s log that cover seq {high} were signed or "
            f"cosigned with keys rotated out since; a bundle needs one signed with {party}'s "
            f"current key {current[party]} and cosigned with the other party's current key"
        )
    return NotFoundError(f"{reason}; {retry}", field=f"logs.{party}.checkpoint")


def _envelopes(
    conn: Connection,
    channel_id: str,
    party: str,
    low: int,
    high: int,
    progress: Progress | None,
) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    seq = low
    total = high - low + 1
    while seq <= high:
        page = logs.entries_from(conn, channel_id, party, seq, min(PAGE, high - seq + 1))
        if not page:
            break
        out.extend(r.envelope() for r in page)
        seq = page[-1].seq + 1
        if progress is not None:
            progress(f"{party} entries", len(out), total)
    return out


def parse_moment(text: str, *, field: str) -> datetime:
    """An ISO-8601 moment from the command line; a date alone means its start, UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{text!r:.40} is not an ISO-8601 time", field=field) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def entries_argument(values: Sequence[str]) -> tuple[str, ...]:
    """Entry ids as given (full 64-hex ids), checked."""
    out = []
    for i, value in enumerate(values):
        text = value.strip().lower()
        if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
            raise ValidationError("an entry id is 64 hex digits", field=f"entries[{i}]")
        out.append(text)
    return tuple(out)
