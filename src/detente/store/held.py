"""Held messages: drafts above their author's authority, waiting for a second person.

A held draft is not signed and not in any log; it is a row here until a
release signs it (through ``NodeService.send``) or a rejection discards it.
The state moves once, ``held`` to ``released`` or ``rejected``, by a
conditional UPDATE, so two people pressing "release" at once sign it once.

This module must never sign or send; ``detente.node.release`` does that.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from detente.link.outgoing import Draft
from detente.store.schema import held_messages
from detente.wire.enums import Precedence, Tier

HELD = "held"
RELEASED = "released"
REJECTED = "rejected"


def drafts_to_json(drafts: Sequence[Draft]) -> str:
    return json.dumps(
        [
            {
                "kind": d.kind,
                "body": d.body,
                "precedence": d.precedence.value,
                "tier": d.tier.value,
                "refs": list(d.refs),
            }
            for d in drafts
        ],
        ensure_ascii=False,
    )


def drafts_from_json(text: str) -> list[Draft]:
    return [
        Draft(
            item["kind"],
            item["body"],
            Precedence(item["precedence"]),
            Tier(item["tier"]),
            tuple(item["refs"]),
        )
        for item in json.loads(text)
    ]


@dataclass(frozen=True, slots=True)
class HeldRow:
    held_id: str
    channel_id: str
    operator: str
    role: str
    drafts: list[Draft]
    releasers: tuple[str, ...]
    reason: str
    state: str
    created_t: float
    decided_by: str | None
    decided_role: str | None
    decided_t: float | None
    decision_note: str | None
    entry_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.held_id,
            "channel": self.channel_id,
            "operator": self.operator,
            "role": self.role,
            "messages": json.loads(drafts_to_json(self.drafts)),
            "releasers": list(self.releasers),
            "reason": self.reason,
            "state": self.state,
            "created_t": self.created_t,
            "decided_by": self.decided_by,
            "decided_role": self.decided_role,
            "decided_t": self.decided_t,
            "decision_note": self.decision_note,
            "entry_ids": self.entry_ids,
        }


def _row(row: Any) -> HeldRow:
    return HeldRow(
        held_id=row.held_id,
        channel_id=row.channel_id,
        operator=row.operator,
        role=row.role,
        drafts=drafts_from_json(row.drafts),
        releasers=tuple(r for r in row.releasers.split(",") if r),
        reason=row.reason,
        state=row.state,
        created_t=row.created_t,
        decided_by=row.decided_by,
        decided_role=row.decided_role,
        decided_t=row.decided_t,
        decision_note=row.decision_note,
        entry_ids=json.loads(row.entry_ids) if row.entry_ids else [],
    )


def hold(
    conn: Connection,
    *,
    channel_id: str,
    operator: str,
    role: str,
    drafts: Sequence[Draft],
    releasers: Sequence[str],
    reason: str,
) -> HeldRow:
    held_id = secrets.token_hex(16)
    conn.execute(
        insert(held_messages).values(
            held_id=held_id,
            channel_id=channel_id,
            operator=operator,
            role=role,
            drafts=drafts_to_json(drafts),
            releasers=",".join(releasers),
            reason=reason,
            state=HELD,
            created_t=time.time(),
        )
    )
    found = get(conn, held_id)
    assert found is not None
    return found


def find_same(
    conn: Connection, channel_id: str, operator: str, drafts: Sequence[Draft]
) -> HeldRow | None:
    """A row of the same drafts by the same drafter still held or already rejected.

    For drafters that ask again until answered (the node's duties): one row per
    statement, and a person's rejection is not undone by the next ask.
    """
    row = conn.execute(
        select(held_messages)
        .where(
            held_messages.c.channel_id == channel_id,
            held_messages.c.operator == operator,
            held_messages.c.drafts == drafts_to_json(drafts),
            held_messages.c.state.in_([HELD, REJECTED]),
        )
        .limit(1)
    ).first()
    return _row(row) if row else None


def get(conn: Connection, held_id: str) -> HeldRow | None:
    row = conn.execute(select(held_messages).where(held_messages.c.held_id == held_id)).first()
    return _row(row) if row else None


def list_held(conn: Connection, *, state: str | None = HELD, limit: int = 100) -> list[HeldRow]:
    """Oldest first for ``held`` (the queue order), newest first for the rest."""
    query = select(held_messages).limit(limit)
    if state is not None:
        query = query.where(held_messages.c.state == state)
    order = held_messages.c.created_t
    query = query.order_by(order.asc() if state == HELD else order.desc())
    return [_row(r) for r in conn.execute(query)]


def decide(
    conn: Connection,
    held_id: str,
    *,
    state: str,
    operator: str,
    role: str,
    note: str | None = None,
) -> bool:
    """Move ``held`` to ``state`` once; False when someone else decided first."""
    result = conn.execute(
        update(held_messages)
        .where(held_messages.c.held_id == held_id, held_messages.c.state == HELD)
        .values(
            state=state,
            decided_by=operator,
            decided_role=role,
            decided_t=time.time(),
            decision_note=note,
        )
    )
    return result.rowcount == 1


def undo_decision(conn: Connection, held_id: str) -> None:
    """Back to ``held`` after a release whose send was refused (e.g. a suspended channel)."""
    conn.execute(
        update(held_messages)
        .where(held_messages.c.held_id == held_id, held_messages.c.state == RELEASED)
        .values(state=HELD, decided_by=None, decided_role=None, decided_t=None)
    )


def set_entries(conn: Connection, held_id: str, entry_ids: Sequence[str]) -> None:
    conn.execute(
        update(held_messages)
        .where(held_messages.c.held_id == held_id)
        .values(entry_ids=json.dumps(list(entry_ids)))
    )
