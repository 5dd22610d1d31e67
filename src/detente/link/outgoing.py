"""Appending our own entries: validate, number, sign, store: one transaction.

The log is the outbox, so once this transaction commits the entry is both on
the record and queued for every peer; a crash before commit leaves nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from detente.store import logs
from detente.wire.entry import Entry, SignedEntry, now_t, sign_entry
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey
from detente.wire.kinds import KindRegistry


@dataclass(frozen=True, slots=True)
class Draft:
    """A statement before it has a place in the log."""

    kind: str
    body: dict[str, Any]
    precedence: Precedence = Precedence.ROUTINE
    tier: Tier = Tier.OPERATIONAL
    refs: tuple[str, ...] = field(default_factory=tuple)


def draft_place(drafts: Sequence[Draft], index: int) -> str:
    """How an error names one draft: ``message`` alone, ``messages[i]`` in a batch."""
    return f"messages[{index}]" if len(drafts) > 1 else "message"


def normalise(registry: KindRegistry, drafts: Sequence[Draft]) -> list[Draft]:
    """Validate every draft's body before anything is signed; the error names the draft."""
    out = []
    for index, draft in enumerate(drafts):
        where = f"messages[{index}].body" if len(drafts) > 1 else "body"
        body = registry.validate(draft.kind, draft.body, field=where)
        out.append(
            Draft(
                draft.kind,
                body.model_dump(mode="json"),
                draft.precedence,
                draft.tier,
                draft.refs,
            )
        )
    return out


def append_own(
    conn: Connection,
    *,
    channel_id: str,
    party: str,
    key: SigningKey,
    drafts: Sequence[Draft],
) -> list[SignedEntry]:
    """Sign and append ``drafts`` (already normalised) after the log's current head."""
    at = logs.head(conn, channel_id, party, lock=True)
    stamp = now_t()
    signed: list[SignedEntry] = []
    seq, prev = at.size, at.head_id
    for draft in drafts:
        entry = Entry(
            channel=channel_id,
            party=party,
            key=key.key_id,
            seq=seq + 1,
            prev=prev,
            t=stamp,
            precedence=draft.precedence,
            tier=draft.tier,
            kind=draft.kind,
            refs=list(draft.refs),
            body=draft.body,
        )
        item = sign_entry(entry, key)
        signed.append(item)
        seq, prev = seq + 1, item.id
    logs.append(conn, at, signed, received_t=time.time())
    return signed
