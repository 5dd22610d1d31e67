"""What the dashboard pages show, as plain JSON-able data: one function per page.

Each page's HTML and its ``.json`` twin are built from the same function
here, so what a person sees and what a program reads cannot drift apart.
Deadline clocks are computed like the node's deadline watch does
(``detente.node.deadlines.clock_of``), from the channel's agreed deadlines
and the receipt time. This module only reads; it must never write.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from sqlalchemy import Connection, select

from detente.i18n.summaries import summarise
from detente.node import views
from detente.node.deadlines import clock_of
from detente.node.health import node_health
from detente.node.service import NodeService
from detente.node.verification import verify_node_logs
from detente.store import alarms, logs, obligations
from detente.store.channels import ChannelRow
from detente.store.obligations import OpenItem
from detente.store.schema import entries
from detente.wire.enums import Precedence


def _open_items(
    service: NodeService, conn: Connection, row: ChannelRow, *, author: str, reader: str
) -> dict[str, OpenItem]:
    items = obligations.unacknowledged(
        conn,
        channel_id=row.channel_id,
        author=author,
        reader=reader,
        kinds=service.registry.ack_kinds(),
    )
    return {item.id: item for item in items}


def _clock(
    service: NodeService, conn: Connection, row: ChannelRow, item: OpenItem, start_t: float | None
) -> dict[str, Any] | None:
    deadlines = service.channel_settings(row).link.ack_deadlines_s
    clock = clock_of(item, start_t, obligations.escalations_of(conn, item.id), deadlines)
    if clock is None:
        return None
    return {
        "tier": clock.tier.value,
        "start_t": clock.start_t,
        "deadline_t": clock.deadline_t,
    }


def _annotated(
    service: NodeService, items: list[dict[str, Any]], lang: str, *, inbound: bool
) -> list[dict[str, Any]]:
    """Add summary, acknowledgement and deadline clock to entry views."""
    ack_kinds = set(service.registry.ack_kinds())
    channels = {row.channel_id: row for row in service.channels()}
    open_by_channel: dict[str, dict[str, OpenItem]] = {}
    with service.db.reading() as conn:
        for item in items:
            row = channels.get(item["channel"])
            local_tz = service.channel_settings(row).local_tz if row else None
            item["summary"] = summarise(item["kind"], item["body"], lang, local_tz)
            item["needs_ack"] = item["kind"] in ack_kinds
            item["ack"] = None
            item["clock"] = None
            if row is None or not item["needs_ack"]:
                continue
            reader = service.party if inbound else item.get("reader") or _first_peer(row)
            author = item["party"]
            key = f"{row.channel_id}/{author}/{reader}"
            if key not in open_by_channel:
                open_by_channel[key] = _open_items(service, conn, row, author=author, reader=reader)
            found = open_by_channel[key].get(item["id"])
            if found is None:
                acked = obligations.ack_of(conn, item["id"], reader)
                if acked is not None:
                    item["ack"] = {"id": acked[0], "role": acked[1], "t": acked[2]}
                continue
            start = found.received_t if inbound else found.receipt_t
            item["clock"] = _clock(service, conn, row, found, start)
    return items


def _first_peer(row: ChannelRow) -> str:
    return row.peers[0].party if row.peers else row.me.party


def inbox_view(service: NodeService, lang: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """What peers said, newest first, with summary, acknowledgement and deadline."""
    return _annotated(service, views.inbox(service, limit=limit), lang, inbound=True)


def outbox_view(service: NodeService, lang: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """What we said, with delivery, the peer's acknowledgement and the deadline running."""
    return _annotated(service, views.outbox(service, limit=limit), lang, inbound=False)


def running_deadlines(service: NodeService) -> list[dict[str, Any]]:
    """Every open acknowledgement clock, both directions, soonest first."""
    out: list[dict[str, Any]] = []
    for row in service.channels():
        if row.state != "active":
            continue
        with service.db.reading() as conn:
            for peer in row.peers:
                for author, reader in ((service.party, peer.party), (peer.party, service.party)):
                    for item in _open_items(
                        service, conn, row, author=author, reader=reader
                    ).values():
                        start = item.receipt_t if author == service.party else item.received_t
                        clock = _clock(service, conn, row, item, start)
                        if clock is None:
                            continue
                        out.append(
                            {
                                "id": item.id,
                                "channel": row.channel_id,
                                "author": author,
                                "reader": reader,
                                "kind": item.kind,
                                "precedence": item.precedence,
                                **clock,
                            }
                        )
    return sorted(out, key=lambda d: float(d["deadline_t"]))


def status_view(service: NodeService) -> dict[str, Any]:
    """Channel status: link and delivery state, health figures, running deadlines, alarms."""
    health = node_health(service)
    return {
        "party": service.party,
        "now_t": time.time(),
        "delivery": views.delivery_state(service),
        "health": health,
        "deadlines": running_deadlines(service),
        "precedences": [p.value for p in Precedence],
    }


def alarms_view(service: NodeService, *, open_only: bool = False) -> list[dict[str, Any]]:
    with service.db.reading() as conn:
        found = alarms.list_open(conn) if open_only else alarms.list_all(conn)
        return [asdict(a) for a in found]


def log_view(service: NodeService, *, limit: int = 50) -> dict[str, Any]:
    """Both logs of every channel (latest entries) and their verification from stored bytes."""
    report = verify_node_logs(service).to_dict()
    out = []
    for row in service.channels():
        with service.db.reading() as conn:
            for member in row.members:
                head = logs.head(conn, row.channel_id, member.party)
                latest = conn.execute(
                    select(
                        entries.c.seq,
                        entries.c.id,
                        entries.c.t,
                        entries.c.kind,
                        entries.c.precedence,
                        entries.c.tier,
                    )
                    .where(entries.c.channel_id == row.channel_id, entries.c.party == member.party)
                    .order_by(entries.c.seq.desc())
                    .limit(limit)
                ).all()
                out.append(
                    {
                        "channel": row.channel_id,
                        "party": member.party,
                        "own": member.party == service.party,
                        "size": head.size,
                        "head_id": head.head_id,
                        "entries": [
                            {
                                "seq": int(r.seq),
                                "id": r.id,
                                "t": views.iso(float(r._mapping["t"])),
                                "kind": r.kind,
                                "precedence": r.precedence,
                                "tier": r.tier,
                            }
                            for r in latest
                        ],
                    }
                )
    return {"verification": report, "logs": out}
