"""Channel health: is the channel working, and who is slow or silent?

Per channel and direction (out: what we said and how the peer handled it;
in: what the peer said and how we handled it): receipt latency and human
acknowledgement latency (p50/p95), open and missed deadlines, the longest
silence, outages and availability. Computed from the logs on request, so
the figures are the record's, not a counter that can drift.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

from sqlalchemy import Connection, func, select

from detente.node.service import NodeService
from detente.store import alarms, obligations
from detente.store.channels import ChannelRow
from detente.store.schema import acks, entries, receipts

WINDOW = 5000  # most recent statements per direction used for latency figures


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no data."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[rank]


def _receipt_latencies(conn: Connection, channel_id: str, author: str, reader: str) -> list[float]:
    """Seconds from each statement to the reader's first receipt covering it."""
    own = conn.execute(
        select(entries.c.seq, entries.c.t)
        .where(
            entries.c.channel_id == channel_id,
            entries.c.party == author,
            entries.c.kind != "receipt",
        )
        .order_by(entries.c.seq.desc())
        .limit(WINDOW)
    ).all()
    if not own:
        return []
    first_seq = min(r.seq for r in own)
    marks = conn.execute(
        select(receipts.c.up_to_seq, receipts.c.t)
        .where(
            receipts.c.channel_id == channel_id,
            receipts.c.by_party == reader,
            receipts.c.of_party == author,
            receipts.c.up_to_seq >= first_seq,
        )
        .order_by(receipts.c.up_to_seq)
    ).all()
    # The first receipt covering seq s is the earliest receipt with up_to_seq >= s.
    suffix_min = [0.0] * len(marks)
    best = float("inf")
    for k in range(len(marks) - 1, -1, -1):
        best = min(best, float(marks[k]._mapping["t"]))
        suffix_min[k] = best
    out = []
    i = 0
    for seq, t in sorted((int(r.seq), float(r._mapping["t"])) for r in own):
        while i < len(marks) and marks[i].up_to_seq < seq:
            i += 1
        if i == len(marks):
            break
        out.append(max(0.0, suffix_min[i] - t))
    return out


def _ack_latencies(conn: Connection, channel_id: str, author: str, reader: str) -> list[float]:
    rows = conn.execute(
        select(entries.c.received_t, entries.c.t, acks.c.t.label("ack_t"))
        .select_from(entries.join(acks, acks.c.ref == entries.c.id))
        .where(
            entries.c.channel_id == channel_id, entries.c.party == author, acks.c.party == reader
        )
        .order_by(entries.c.seq.desc())
        .limit(WINDOW)
    ).all()
    return [max(0.0, float(r.ack_t) - float(r._mapping["t"])) for r in rows]


def _longest_silence(conn: Connection, channel_id: str, author: str, now: float) -> float:
    rows = (
        conn.execute(
            select(entries.c.received_t)
            .where(entries.c.channel_id == channel_id, entries.c.party == author)
            .order_by(entries.c.seq)
        )
        .scalars()
        .all()
    )
    if not rows:
        return 0.0
    times = [float(t) for t in rows]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    gaps.append(now - times[-1])
    return max(gaps)


def _duration(outage: dict[str, Any], now: float) -> float:
    end = outage["end_t"]
    return (float(end) if end is not None else now) - float(outage["start_t"])


def _missed(missed: list[alarms.Alarm], peer: str, direction: str) -> int:
    return sum(
        1
        for a in missed
        if a.details.get("peer") == peer and a.details.get("direction") == direction
    )


def _figures(values: list[float]) -> dict[str, float | int | None]:
    return {
        "count": len(values),
        "p50_s": percentile(values, 50),
        "p95_s": percentile(values, 95),
    }


def channel_health(
    service: NodeService, row: ChannelRow, now: float | None = None
) -> dict[str, Any]:
    now = time.time() if now is None else now
    me = service.party
    kinds = service.registry.ack_kinds()
    out: dict[str, Any] = {"channel": row.channel_id, "state": row.state, "peers": []}
    with service.db.reading() as conn:
        created = conn.execute(
            select(func.min(entries.c.received_t)).where(entries.c.channel_id == row.channel_id)
        ).scalar()
        suspended = obligations.active_suspensions(conn, row.channel_id)
        out["suspended_by"] = [
            {"party": s["party"], "reason": s["reason"], "since_t": s["start_t"]} for s in suspended
        ]
        out["suspensions"] = obligations.list_suspensions(conn, row.channel_id)
        missed = [
            a
            for a in alarms.list_all(conn, limit=10_000)
            if a.channel_id == row.channel_id and a.kind.startswith("deadline_missed")
        ]
        for peer in row.peers:
            p = peer.party
            outages = [o for o in obligations.list_outages(conn, row.channel_id) if o["peer"] == p]
            span = max(1.0, now - float(created)) if created else 1.0
            down = sum(_duration(o, now) for o in outages)
            current = next((o for o in outages if o["end_t"] is None), None)
            open_out = obligations.unacknowledged(
                conn, channel_id=row.channel_id, author=me, reader=p, kinds=kinds
            )
            open_in = obligations.unacknowledged(
                conn, channel_id=row.channel_id, author=p, reader=me, kinds=kinds
            )
            out["peers"].append(
                {
                    "peer": p,
                    "availability": round(max(0.0, 1 - down / span), 6),
                    "current_outage": current,
                    "outages": len(outages),
                    "out": {
                        "receipt_latency": _figures(
                            _receipt_latencies(conn, row.channel_id, me, p)
                        ),
                        "ack_latency": _figures(_ack_latencies(conn, row.channel_id, me, p)),
                        "open_deadlines": len(open_out),
                        "missed_deadlines": _missed(missed, p, "out"),
                    },
                    "in": {
                        "receipt_latency": _figures(
                            _receipt_latencies(conn, row.channel_id, p, me)
                        ),
                        "ack_latency": _figures(_ack_latencies(conn, row.channel_id, p, me)),
                        "open_deadlines": len(open_in),
                        "missed_deadlines": _missed(missed, p, "in"),
                        "longest_silence_s": round(
                            _longest_silence(conn, row.channel_id, p, now), 3
                        ),
                    },
                }
            )
    return out


def node_health(service: NodeService) -> dict[str, Any]:
    now = time.time()
    with service.db.reading() as conn:
        open_alarms = alarms.list_open(conn)
    return {
        "party": service.party,
        "t": now,
        "channels": [
            channel_health(service, row, now) for row in service.channels() if row.state == "active"
        ],
        "open_alarms": [
            {
                "kind": a.kind,
                "severity": a.severity,
                "text": a.text,
                "raised_t": a.raised_t,
                "channel": a.channel_id,
                "ref": a.ref,
            }
            for a in open_alarms
        ],
    }
