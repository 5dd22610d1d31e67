"""What our own node refuses to sign: statements that break the channel's rules.

Runs inside the send transaction before anything is signed, so a refusal
leaves nothing behind. The peer's node does not refuse validly signed
entries on these grounds (that would jam its log forever); it records an
alarm instead (see ``derive``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from detente.errors import SuspendedError, ValidationError
from detente.link.outgoing import Draft
from detente.node.kinds import is_safety_floor
from detente.store import logs, obligations
from detente.store.channels import ChannelRow
from detente.wire.kinds import KindRegistry


class SendPolicy:
    """The channel rules for our own drafts."""

    def __init__(self, me: str, registry: KindRegistry) -> None:
        self.me = me
        self.registry = registry

    def __call__(self, conn: Connection, row: ChannelRow, drafts: Sequence[Draft]) -> None:
        active = obligations.active_suspensions(conn, row.channel_id)
        acked: set[str] = set()
        for draft in drafts:
            self._refs(conn, row, draft)
            self._suspension(active, draft)
            if draft.kind == "acknowledge":
                self._acknowledge(conn, row, draft)
                if draft.body["ref"] in acked:
                    raise ValidationError("acknowledged twice in one batch", field="body.ref")
                acked.add(draft.body["ref"])
            elif draft.kind == "respond":
                self._known(conn, row, draft.body["ref"], "body.ref")

    def _known(self, conn: Connection, row: ChannelRow, ref: str, field: str) -> None:
        found = logs.entry_by_id(conn, ref)
        if found is None or found.channel_id != row.channel_id:
            raise ValidationError(f"no entry {ref[:16]}… on this channel", field=field)

    def _refs(self, conn: Connection, row: ChannelRow, draft: Draft) -> None:
        for index, ref in enumerate(draft.refs):
            self._known(conn, row, ref, f"refs[{index}]")

    def _suspension(self, active: list[dict[str, Any]], draft: Draft) -> None:
        if draft.kind == "suspend":
            if any(s["party"] == self.me for s in active):
                raise ValidationError("dialogue is already suspended by us", field="kind")
            return
        if draft.kind == "resume":
            mine = [s for s in active if s["party"] == self.me]
            if not any(s["entry_id"] == draft.body["ref"] for s in mine):
                raise ValidationError("not an active suspension of ours", field="body.ref")
            return
        if active and not is_safety_floor(self.registry, draft.kind, draft.body):
            who = ", ".join(f"{s['party']} ({s['reason']})" for s in active)
            raise SuspendedError(
                f"dialogue on this channel is suspended by {who}; only safety-floor kinds "
                "(link checks, receipts, acknowledgements, encounter alerts, activity notices, "
                "distress and emergency) may be sent",
                field="kind",
            )

    def _acknowledge(self, conn: Connection, row: ChannelRow, draft: Draft) -> None:
        ref = draft.body["ref"]
        found = logs.entry_by_id(conn, ref)
        if found is None or found.channel_id != row.channel_id:
            raise ValidationError(f"no entry {ref[:16]}… on this channel", field="body.ref")
        if found.party == self.me:
            raise ValidationError("one acknowledges the other party's entries", field="body.ref")
        if not self.registry.needs_ack(found.kind):
            raise ValidationError(
                f"a {found.kind} entry needs no acknowledgement", field="body.ref"
            )
        done = obligations.ack_of(conn, ref, self.me)
        if done is not None:
            raise ValidationError(
                f"already acknowledged by {self.me} ({done[1]})", field="body.ref"
            )
