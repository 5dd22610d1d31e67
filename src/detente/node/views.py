"""Read models for people: inbox, outbox, delivery state. One query function per view,
shared by the JSON API, the CLI and (later) the dashboard pages.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from detente.node.service import NodeService
from detente.store import deliveries, logs
from detente.store.logs import StoredEntry
from detente.store.schema import entries


def iso(t: float | None) -> str | None:
    if t is None:
        return None
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def entry_view(row: StoredEntry) -> dict[str, Any]:
    payload = json.loads(row.payload)
    return {
        "id": row.id,
        "channel": row.channel_id,
        "party": row.party,
        "seq": row.seq,
        "t": iso(row.t),
        "received_t": iso(row.received_t),
        "kind": row.kind,
        "precedence": row.precedence,
        "tier": row.tier,
        "refs": payload.get("refs", []),
        "body": payload["body"],
    }


def _rows(
    service: NodeService, *, own: bool, limit: int, include_receipts: bool, channel_id: str | None
) -> list[StoredEntry]:
    query = select(entries).order_by(entries.c.received_t.desc(), entries.c.seq.desc())
    query = query.where(
        entries.c.party == service.party if own else entries.c.party != service.party
    )
    if not include_receipts:
        query = query.where(entries.c.kind != "receipt")
    if channel_id:
        query = query.where(entries.c.channel_id == channel_id)
    with service.db.reading() as conn:
        return [logs.stored_of(r) for r in conn.execute(query.limit(limit))]


def inbox(
    service: NodeService,
    *,
    limit: int = 100,
    include_receipts: bool = False,
    channel_id: str | None = None,
) -> list[dict[str, Any]]:
    """What peers said to us, newest first."""
    return [
        entry_view(r)
        for r in _rows(
            service,
            own=False,
            limit=limit,
            include_receipts=include_receipts,
            channel_id=channel_id,
        )
    ]


def outbox(
    service: NodeService,
    *,
    limit: int = 100,
    include_receipts: bool = False,
    channel_id: str | None = None,
) -> list[dict[str, Any]]:
    """What we said, newest first, with delivery and receipt state per peer."""
    rows = _rows(
        service, own=True, limit=limit, include_receipts=include_receipts, channel_id=channel_id
    )
    out = []
    with service.db.reading() as conn:
        channel_peers: dict[str, list[str]] = {}
        for row in rows:
            if row.channel_id not in channel_peers:
                found = service.channel(row.channel_id)
                channel_peers[row.channel_id] = [p.party for p in found.peers]
            view = entry_view(row)
            view["delivery"] = {}
            for peer in channel_peers[row.channel_id]:
                cursor = deliveries.get(conn, row.channel_id, peer)
                receipt_t = logs.receipt_time(conn, row.channel_id, peer, row.seq)
                view["delivery"][peer] = {
                    "delivered": cursor.acked_seq >= row.seq,
                    "receipted_t": iso(receipt_t),
                }
            out.append(view)
    return out


def delivery_state(service: NodeService) -> list[dict[str, Any]]:
    """Per channel and peer: our log size, what the peer confirmed and receipted."""
    out = []
    for row in service.channels():
        with service.db.reading() as conn:
            own = logs.head(conn, row.channel_id, service.party)
            for peer in row.peers:
                cursor = deliveries.get(conn, row.channel_id, peer.party)
                receipted, receipted_t = logs.receipted_up_to(conn, row.channel_id, peer.party)
                mirror = logs.head(conn, row.channel_id, peer.party)
                out.append(
                    {
                        "channel": row.channel_id,
                        "state": row.state,
                        "peer": peer.party,
                        "peer_name": peer.name,
                        "own_size": own.size,
                        "delivered_seq": cursor.acked_seq,
                        "receipted_seq": receipted,
                        "receipted_t": iso(receipted_t),
                        "peer_log_size": mirror.size,
                        "last_error": cursor.last_error,
                    }
                )
    return out
