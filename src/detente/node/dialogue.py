"""Dialogue on a channel: meetings and joint statements folded from both logs.

The folds live in ``detente.dialogue`` and are pure; this module feeds them
the channel's stored entries (both parties' logs merged in time order),
checks our drafts against them before signing, and builds the views.
A peer's entry that does not fit the fold is kept in the log but left out of
the view, with its reason, rather than breaking the view for everyone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from detente.dialogue.bodies import JointStatementBody, statement_text_sha256
from detente.dialogue.items import DialogueItem
from detente.dialogue.meetings import meeting_states
from detente.dialogue.statements import joint_statement_states
from detente.errors import DetenteError, ValidationError
from detente.link.outgoing import Draft
from detente.store.channels import ChannelRow
from detente.store.schema import entries
from detente.wire.entry import now_t
from detente.wire.kinds import KindRegistry

MEETING_KINDS = ("meeting_proposal", "meeting_response", "readout")
STATEMENT_KINDS = ("joint_statement", "endorse")


def channel_items(
    conn: Connection, registry: KindRegistry, channel_id: str, kinds: Sequence[str]
) -> list[DialogueItem]:
    """Both logs' entries of ``kinds`` as dialogue items, in time order."""
    rows = conn.execute(
        select(entries.c.id, entries.c.party, entries.c.payload)
        .where(entries.c.channel_id == channel_id, entries.c.kind.in_(list(kinds)))
        .order_by(entries.c.t, entries.c.party, entries.c.seq)
    )
    items = []
    for row in rows:
        payload = json.loads(row.payload)
        body = registry.validate(payload["kind"], payload["body"])
        items.append(DialogueItem(row.id, row.party, payload["t"], body))
    return items


@dataclass
class Folded:
    """The folds' views plus the items they could not take, with the reason."""

    meetings: dict[str, Any] = field(default_factory=dict)
    statements: dict[str, Any] = field(default_factory=dict)
    rejected: list[dict[str, str]] = field(default_factory=list)


def fold(items: list[DialogueItem], parties: Sequence[str]) -> Folded:
    """Fold leniently: an item that breaks a rule is set aside, not fatal."""
    out = Folded()
    meeting_items: list[DialogueItem] = []
    statement_items: list[DialogueItem] = []
    for item in items:
        is_meeting = item.kind in MEETING_KINDS
        bucket = meeting_items if is_meeting else statement_items
        try:
            if is_meeting:
                meeting_states([*meeting_items, item])
            else:
                joint_statement_states([*statement_items, item], parties)
        except DetenteError as exc:
            out.rejected.append({"entry_id": item.entry_id, "reason": str(exc)})
            continue
        bucket.append(item)
    out.meetings = {k: v.to_json() for k, v in meeting_states(meeting_items).items()}
    out.statements = {
        k: v.to_json() for k, v in joint_statement_states(statement_items, parties).items()
    }
    return out


class DialoguePolicy:
    """Refuses our own dialogue drafts that the folds would reject, before signing."""

    def __init__(self, me: str, registry: KindRegistry) -> None:
        self.me = me
        self.registry = registry

    def __call__(self, conn: Connection, row: ChannelRow, drafts: Sequence[Draft]) -> None:
        mine = [d for d in drafts if d.kind in (*MEETING_KINDS, *STATEMENT_KINDS)]
        if not mine:
            return
        meetings = channel_items(conn, self.registry, row.channel_id, MEETING_KINDS)
        statements = channel_items(conn, self.registry, row.channel_id, STATEMENT_KINDS)
        for draft in mine:
            if draft.kind in MEETING_KINDS:
                meetings.append(self._item(draft))
                meeting_states(meetings)
            else:
                statements.append(self._item(draft))
                joint_statement_states(statements, [m.party for m in row.members])

    def _item(self, draft: Draft) -> DialogueItem:
        body = self.registry.validate(draft.kind, draft.body)
        return DialogueItem("f" * 64, self.me, now_t(), body)


def endorsement_body(conn: Connection, registry: KindRegistry, statement_id: str) -> dict[str, str]:
    """The endorse body for a stored joint statement, bound to its exact words."""
    row = conn.execute(select(entries.c.payload).where(entries.c.id == statement_id)).first()
    if row is None:
        raise ValidationError(f"no joint statement {statement_id[:16]}…", field="ref")
    payload = json.loads(row.payload)
    if payload["kind"] != "joint_statement":
        raise ValidationError(f"entry is a {payload['kind']}, not a joint statement", field="ref")
    body = registry.validate("joint_statement", payload["body"])
    assert isinstance(body, JointStatementBody)
    return {"ref": statement_id, "text_sha256": statement_text_sha256(body)}
