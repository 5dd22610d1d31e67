"""Queries on logs: appending entries (own or mirrored) and reading them back.

The head row of a log is locked before appending so two writers (two worker
processes, or a push racing a pull) cannot both append sequence N. The
Merkle frontier (compact range) is kept in the head row, so a checkpoint
never needs to read the whole log.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, insert, select, update

from detente.log.compact import CompactRange
from detente.store.schema import entries, entry_refs, log_heads, receipts
from detente.wire.entry import GENESIS_PREV, SignedEntry
from detente.wire.keys import b64encode


@dataclass(frozen=True, slots=True)
class LogHead:
    """Where a log stands: its size, last entry id and Merkle frontier."""

    channel_id: str
    party: str
    size: int
    head_id: str
    compact: CompactRange

    @property
    def root_hex(self) -> str:
        return self.compact.root().hex()


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An entry row as stored: payload text and signature are the wire form."""

    channel_id: str
    party: str
    seq: int
    id: str
    prev: str
    t: float
    kind: str
    precedence: str
    tier: str
    key_id: str
    payload: str
    sig: str
    received_t: float

    def envelope(self) -> dict[str, str]:
        return {"key": self.key_id, "payload": self.payload, "sig": self.sig}


# Hot statements are built once: constructing a SQLAlchemy statement costs about
# three times what executing it on SQLite does, and these run for every entry.
_HEAD = select(log_heads).where(
    log_heads.c.channel_id == bindparam("channel_id"), log_heads.c.party == bindparam("party")
)
_HEAD_FOR_UPDATE = _HEAD.with_for_update()
_SET_HEAD = (
    update(log_heads)
    .where(
        log_heads.c.channel_id == bindparam("at_channel"),
        log_heads.c.party == bindparam("at_party"),
    )
    .values(size=bindparam("size"), head_id=bindparam("head_id"), compact=bindparam("compact"))
)
_INSERT_ENTRIES = insert(entries)
_INSERT_REFS = insert(entry_refs)
_INSERT_RECEIPTS = insert(receipts)
_ENTRIES_FROM = (
    select(entries)
    .where(
        entries.c.channel_id == bindparam("channel_id"),
        entries.c.party == bindparam("party"),
        entries.c.seq >= bindparam("from_seq"),
    )
    .order_by(entries.c.seq)
    .limit(bindparam("limit"))
)


def head(conn: Connection, channel_id: str, party: str, *, lock: bool = False) -> LogHead:
    """The log's head; with ``lock`` the row is held until the transaction ends."""
    # SQLite's BEGIN IMMEDIATE already serialises writers; elsewhere lock the row.
    query = _HEAD_FOR_UPDATE if lock and conn.dialect.name != "sqlite" else _HEAD
    row = conn.execute(query, {"channel_id": channel_id, "party": party}).first()
    if row is None:
        if lock:
            _create_head(conn, channel_id, party)
            return head(conn, channel_id, party, lock=True)
        return LogHead(channel_id, party, 0, GENESIS_PREV, CompactRange.from_hex_list(0, []))
    return LogHead(
        channel_id,
        party,
        int(row.size),
        row.head_id,
        CompactRange.from_hex_list(int(row.size), json.loads(row.compact)),
    )


def _create_head(conn: Connection, channel_id: str, party: str) -> None:
    stmt = insert(log_heads).values(
        channel_id=channel_id, party=party, size=0, head_id=GENESIS_PREV, compact="[]"
    )
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = (
            pg_insert(log_heads)
            .values(channel_id=channel_id, party=party, size=0, head_id=GENESIS_PREV, compact="[]")
            .on_conflict_do_nothing()
        )
    conn.execute(stmt)


def append(
    conn: Connection, at: LogHead, signed: Sequence[SignedEntry], received_t: float
) -> LogHead:
    """Append entries that continue ``at`` (caller checked sequence); returns the new head."""
    if not signed:
        return at
    compact = CompactRange.from_hex_list(at.compact.size, at.compact.to_hex_list())
    rows = []
    ref_rows: list[dict[str, str]] = []
    receipt_rows: list[dict[str, object]] = []
    for item in signed:
        e = item.entry
        compact.append(bytes.fromhex(item.id))
        rows.append(
            {
                "channel_id": e.channel,
                "party": e.party,
                "seq": e.seq,
                "id": item.id,
                "prev": e.prev,
                "t": e.t_epoch,
                "kind": e.kind,
                "precedence": e.precedence.value,
                "tier": e.tier.value,
                "key_id": e.key,
                "payload": item.payload.decode("utf-8"),
                "sig": b64encode(item.sig),
                "received_t": received_t,
            }
        )
        ref_rows.extend({"id": item.id, "ref": ref} for ref in dict.fromkeys(e.refs))
        if e.kind == "receipt":
            receipt_rows.append(
                {
                    "channel_id": e.channel,
                    "by_party": e.party,
                    "up_to_seq": int(e.body["up_to_seq"]),
                    "of_party": str(e.body["of"]),
                    "receipt_id": item.id,
                    "t": e.t_epoch,
                }
            )
    conn.execute(_INSERT_ENTRIES, rows)
    if ref_rows:
        conn.execute(_INSERT_REFS, ref_rows)
    if receipt_rows:
        conn.execute(_INSERT_RECEIPTS, receipt_rows)
    last = signed[-1]
    conn.execute(
        _SET_HEAD,
        {
            "at_channel": at.channel_id,
            "at_party": at.party,
            "size": last.entry.seq,
            "head_id": last.id,
            "compact": json.dumps(compact.to_hex_list()),
        },
    )
    return LogHead(at.channel_id, at.party, last.entry.seq, last.id, compact)


def stored_of(row: object) -> StoredEntry:
    """A selected ``entries`` row as a ``StoredEntry`` (for queries built elsewhere)."""
    m = row._mapping  # type: ignore[attr-defined]
    return StoredEntry(**{k: m[k] for k in StoredEntry.__slots__})


def entries_from(
    conn: Connection, channel_id: str, party: str, from_seq: int, limit: int
) -> list[StoredEntry]:
    """Entries of one log from ``from_seq`` on, in sequence."""
    rows = conn.execute(
        _ENTRIES_FROM,
        {"channel_id": channel_id, "party": party, "from_seq": from_seq, "limit": limit},
    )
    return [stored_of(r) for r in rows]


def entry_by_id(conn: Connection, entry_id: str) -> StoredEntry | None:
    row = conn.execute(select(entries).where(entries.c.id == entry_id)).first()
    return stored_of(row) if row is not None else None


def entries_by_seq(
    conn: Connection, channel_id: str, party: str, seqs: Sequence[int]
) -> dict[int, StoredEntry]:
    rows = conn.execute(
        select(entries).where(
            entries.c.channel_id == channel_id,
            entries.c.party == party,
            entries.c.seq.in_(list(seqs)),
        )
    )
    return {int(r.seq): stored_of(r) for r in rows}


def leaf_ids(conn: Connection, channel_id: str, party: str, size: int) -> list[str]:
    """Entry ids (leaf hashes) of the first ``size`` entries, for proofs and verification."""
    rows = conn.execute(
        select(entries.c.id)
        .where(entries.c.channel_id == channel_id, entries.c.party == party, entries.c.seq <= size)
        .order_by(entries.c.seq)
    )
    return [r.id for r in rows]


def receipted_up_to(conn: Connection, channel_id: str, by_party: str) -> tuple[int, float | None]:
    """How far ``by_party`` has receipted the other side's log, and when."""
    row = conn.execute(
        select(func.max(receipts.c.up_to_seq)).where(
            receipts.c.channel_id == channel_id, receipts.c.by_party == by_party
        )
    ).scalar()
    if row is None:
        return 0, None
    t = conn.execute(
        select(receipts.c.t).where(
            receipts.c.channel_id == channel_id,
            receipts.c.by_party == by_party,
            receipts.c.up_to_seq == row,
        )
    ).scalar()
    return int(row), float(t) if t is not None else None


def receipt_time(conn: Connection, channel_id: str, by_party: str, seq: int) -> float | None:
    """When ``by_party`` first receipted entry ``seq`` of the other side."""
    t = conn.execute(
        select(func.min(receipts.c.t)).where(
            receipts.c.channel_id == channel_id,
            receipts.c.by_party == by_party,
            receipts.c.up_to_seq >= seq,
        )
    ).scalar()
    return float(t) if t is not None else None


def count_entries(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(entries)).scalar() or 0)


def latest_of_kind(
    conn: Connection, channel_id: str, party: str, kind: str, limit: int
) -> list[StoredEntry]:
    """The newest ``limit`` entries of one kind in one log, newest first."""
    rows = conn.execute(
        select(entries)
        .where(entries.c.channel_id == channel_id, entries.c.party == party, entries.c.kind == kind)
        .order_by(entries.c.seq.desc())
        .limit(limit)
    )
    return [stored_of(r) for r in rows]


def payloads_of_kind(
    conn: Connection, channel_id: str, party: str, kind: str
) -> list[tuple[int, str, str]]:
    """``(seq, id, payload)`` of every entry of one kind in one log, in sequence order."""
    rows = conn.execute(
        select(entries.c.seq, entries.c.id, entries.c.payload)
        .where(entries.c.channel_id == channel_id, entries.c.party == party, entries.c.kind == kind)
        .order_by(entries.c.seq)
    )
    return [(int(r.seq), str(r.id), str(r.payload)) for r in rows]


def first_seq_since(conn: Connection, channel_id: str, party: str, since_t: float) -> int | None:
    """The first entry of a log made at or after ``since_t``."""
    seq = conn.execute(
        select(func.min(entries.c.seq)).where(
            entries.c.channel_id == channel_id, entries.c.party == party, entries.c.t >= since_t
        )
    ).scalar()
    return int(seq) if seq is not None else None


def count_signed_from(
    conn: Connection, channel_id: str, party: str, key_id: str, from_seq: int
) -> int:
    """Entries of a log signed by ``key_id`` at or after ``from_seq`` (void after revocation)."""
    return int(
        conn.execute(
            select(func.count())
            .select_from(entries)
            .where(
                entries.c.channel_id == channel_id,
                entries.c.party == party,
                entries.c.key_id == key_id,
                entries.c.seq >= from_seq,
            )
        ).scalar()
        or 0
    )
