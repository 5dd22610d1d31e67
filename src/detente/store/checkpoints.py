"""Queries on signed checkpoints and the cosignatures witnesses put on them.

Every validly signed checkpoint a node sees is kept, ours and our peers':
two rows of one party with one size and different roots are equivocation,
and both rows are the proof. The signed bytes are stored as received, so a
checkpoint read back verifies exactly as it did on arrival.

It also answers what span of each log an evidence bundle must cover.

This module never verifies a signature and never decides what is
equivocation; it only stores and finds what the witness hands it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, false, func, insert, or_, select

from detente.log.checkpoint import Checkpoint, Cosignature, SignedCheckpoint
from detente.store.schema import checkpoints, cosignatures, entries, receipts
from detente.wire.entry import format_t
from detente.wire.keys import b64decode, b64encode


@dataclass(frozen=True, slots=True)
class StoredCheckpoint:
    """A checkpoint as stored, with the cosignatures it has gathered."""

    signed: SignedCheckpoint
    received_t: float
    cosignatures: tuple[Cosignature, ...]

    @property
    def checkpoint(self) -> Checkpoint:
        return self.signed.checkpoint

    def witnessed_by(self, party: str) -> bool:
        return any(c.witness == party for c in self.cosignatures)

    def to_dict(self) -> dict[str, object]:
        cp = self.checkpoint
        return {
            "channel": cp.channel,
            "party": cp.party,
            "size": cp.size,
            "root": cp.root,
            "t": cp.t,
            "received_t": self.received_t,
            "checkpoint": self.signed.wire(),
            "cosignatures": [c.model_dump() for c in self.cosignatures],
        }


def _signed(row: object) -> SignedCheckpoint:
    m = row._mapping  # type: ignore[attr-defined]
    payload = m["payload"].encode("utf-8")
    return SignedCheckpoint(
        Checkpoint.model_validate_json(payload), payload, b64decode(m["sig"], field="sig")
    )


def _cosignatures_of(conn: Connection, cp: Checkpoint) -> tuple[Cosignature, ...]:
    rows = conn.execute(
        select(cosignatures)
        .where(
            cosignatures.c.channel_id == cp.channel,
            cosignatures.c.party == cp.party,
            cosignatures.c.size == cp.size,
            cosignatures.c.root == cp.root,
        )
        .order_by(cosignatures.c.witness)
    )
    return tuple(_cosignature(r) for r in rows)


def _cosignature(row: object) -> Cosignature:
    # Stored as epoch seconds; a double holds a 2020s time to well under a
    # microsecond, so the signed timestamp text comes back exactly.
    m = row._mapping  # type: ignore[attr-defined]
    return Cosignature(
        witness=m["witness"],
        key=m["key_id"],
        t=format_t(datetime.fromtimestamp(float(m["t"]), UTC)),
        sig=m["sig"],
    )


def _stored(conn: Connection, row: object) -> StoredCheckpoint:
    signed = _signed(row)
    received_t = float(row._mapping["received_t"])  # type: ignore[attr-defined]
    return StoredCheckpoint(signed, received_t, _cosignatures_of(conn, signed.checkpoint))


def put(conn: Connection, signed: SignedCheckpoint, *, received_t: float) -> bool:
    """Keep a validly signed checkpoint; False if one of that size and root is already kept."""
    cp = signed.checkpoint
    if find(conn, cp.channel, cp.party, cp.size, cp.root) is not None:
        return False
    conn.execute(
        insert(checkpoints).values(
            channel_id=cp.channel,
            party=cp.party,
            size=cp.size,
            root=cp.root,
            t=cp.t_epoch,
            payload=signed.payload.decode("utf-8"),
            key_id=cp.key,
            sig=b64encode(signed.sig),
            received_t=received_t,
        )
    )
    return True


def put_cosignature(conn: Connection, checkpoint: Checkpoint, cosignature: Cosignature) -> bool:
    """Attach a (verified) cosignature to a kept checkpoint; False if that witness already did."""
    have = conn.execute(
        select(cosignatures.c.witness).where(
            cosignatures.c.channel_id == checkpoint.channel,
            cosignatures.c.party == checkpoint.party,
            cosignatures.c.size == checkpoint.size,
            cosignatures.c.root == checkpoint.root,
            cosignatures.c.witness == cosignature.witness,
        )
    ).first()
    if have is not None:
        return False
    conn.execute(
        insert(cosignatures).values(
            channel_id=checkpoint.channel,
            party=checkpoint.party,
            size=checkpoint.size,
            root=checkpoint.root,
            witness=cosignature.witness,
            key_id=cosignature.key,
            sig=cosignature.sig,
            t=cosignature.t_epoch,
        )
    )
    return True


def find(
    conn: Connection, channel_id: str, party: str, size: int, root: str
) -> StoredCheckpoint | None:
    row = conn.execute(
        select(checkpoints).where(
            checkpoints.c.channel_id == channel_id,
            checkpoints.c.party == party,
            checkpoints.c.size == size,
            checkpoints.c.root == root,
        )
    ).first()
    return _stored(conn, row) if row is not None else None


def at_size(conn: Connection, channel_id: str, party: str, size: int) -> list[StoredCheckpoint]:
    """Every kept checkpoint of that size: more than one is equivocation."""
    rows = conn.execute(
        select(checkpoints)
        .where(
            checkpoints.c.channel_id == channel_id,
            checkpoints.c.party == party,
            checkpoints.c.size == size,
        )
        .order_by(checkpoints.c.received_t)
    )
    return [_stored(conn, r) for r in rows]


_COSIGNED = select(checkpoints).join(
    cosignatures,
    (cosignatures.c.channel_id == checkpoints.c.channel_id)
    & (cosignatures.c.party == checkpoints.c.party)
    & (cosignatures.c.size == checkpoints.c.size)
    & (cosignatures.c.root == checkpoints.c.root),
)
"""Checkpoints, one row per cosignature of each (the two witnessed-checkpoint queries)."""


def latest_witnessed(
    conn: Connection, channel_id: str, party: str, witness: str
) -> StoredCheckpoint | None:
    """The largest checkpoint of ``party`` that ``witness`` countersigned."""
    row = conn.execute(
        _COSIGNED.where(
            checkpoints.c.channel_id == channel_id,
            checkpoints.c.party == party,
            cosignatures.c.witness == witness,
        )
        .order_by(checkpoints.c.size.desc())
        .limit(1)
    ).first()
    return _stored(conn, row) if row is not None else None


def witnessed_covering(
    conn: Connection,
    channel_id: str,
    party: str,
    min_size: int,
    *,
    keys: Mapping[str, str] | None = None,
) -> StoredCheckpoint | None:
    """The smallest checkpoint of ``party`` of at least ``min_size`` that another party cosigned.

    With ``keys`` (party -> key id), only a checkpoint signed with ``party``'s
    key there and cosigned by another party with its key there counts: an
    evidence bundle's verifier trusts the parties' current keys alone, so a
    checkpoint from before a rotation proves nothing to it.
    """
    query = _COSIGNED.where(
        checkpoints.c.channel_id == channel_id,
        checkpoints.c.party == party,
        checkpoints.c.size >= min_size,
        cosignatures.c.witness != party,
    )
    if keys is not None:
        query = query.where(
            checkpoints.c.key_id == keys.get(party, ""),
            or_(
                false(),
                *(
                    and_(cosignatures.c.witness == witness, cosignatures.c.key_id == key_id)
                    for witness, key_id in keys.items()
                    if witness != party
                ),
            ),
        )
    row = conn.execute(
        query.order_by(checkpoints.c.size, checkpoints.c.received_t).limit(1)
    ).first()
    return _stored(conn, row) if row is not None else None


def list_checkpoints(
    conn: Connection, channel_id: str, *, party: str | None = None, limit: int = 100
) -> list[StoredCheckpoint]:
    """Kept checkpoints of a channel, largest size first."""
    query = select(checkpoints).where(checkpoints.c.channel_id == channel_id)
    if party is not None:
        query = query.where(checkpoints.c.party == party)
    query = query.order_by(checkpoints.c.size.desc(), checkpoints.c.received_t).limit(limit)
    return [_stored(conn, r) for r in conn.execute(query)]


# What an evidence bundle covers ---------------------------------------------


def seq_span(
    conn: Connection,
    channel_id: str,
    party: str,
    *,
    from_t: float | None = None,
    to_t: float | None = None,
) -> tuple[int, int] | None:
    """First and last seq of ``party``'s entries signed within [from_t, to_t], if any."""
    query = select(func.min(entries.c.seq), func.max(entries.c.seq)).where(
        entries.c.channel_id == channel_id, entries.c.party == party
    )
    if from_t is not None:
        query = query.where(entries.c.t >= from_t)
    if to_t is not None:
        query = query.where(entries.c.t <= to_t)
    low, high = conn.execute(query).one()
    return None if low is None else (int(low), int(high))


def entry_places(conn: Connection, ids: list[str]) -> dict[str, tuple[str, str, int]]:
    """``id -> (channel, party, seq)`` for the entries that exist."""
    rows = conn.execute(
        select(entries.c.id, entries.c.channel_id, entries.c.party, entries.c.seq).where(
            entries.c.id.in_(ids)
        )
    )
    return {r.id: (r.channel_id, r.party, int(r.seq)) for r in rows}


def first_receipt_seq(
    conn: Connection, channel_id: str, by_party: str, of_party: str, seq: int
) -> int | None:
    """Seq, in ``by_party``'s log, of its first receipt covering ``of_party``'s entry ``seq``."""
    row = conn.execute(
        select(func.min(entries.c.seq))
        .select_from(receipts.join(entries, entries.c.id == receipts.c.receipt_id))
        .where(
            receipts.c.channel_id == channel_id,
            receipts.c.by_party == by_party,
            receipts.c.of_party == of_party,
            receipts.c.up_to_seq >= seq,
        )
    ).scalar()
    return None if row is None else int(row)
