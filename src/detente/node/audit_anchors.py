"""Audit anchors: the node signs its audit log's newest chain value into each channel.

The audit log is hash-chained (``detente.store.audit_chain``), but a chain
kept only on our own disk can be recomputed by whoever owns the disk. Signed
into our log, the value is mirrored by the peer and fixed by its cosigned
checkpoints: a rival that would gladly show our records were rewritten, and
that we cannot make forget. The body is the chain value alone, so the peer
learns that our operators acted, never how much.

An anchor is signed on a channel at most once per ``audit_anchor_interval_s``
(node settings; the first one an interval after the duty starts), and only
if something other than the anchors themselves was recorded since that
channel's last anchor. Each anchor is itself audited (``node:audit_anchor``,
like every statement the node makes on its own); counting those records
would make every anchor call for the next, forever.

A channel whose terms do not pre-delegate ``audit_anchor`` gets none: an
anchor is not worth a person's release, and holding one per interval would
only fill the release queue.
"""

from __future__ import annotations

import json
from typing import Final

from detente.link.outgoing import Draft
from detente.node.own_voice import actor_name, speak
from detente.node.pre_delegation import pre_delegation_of
from detente.node.service import NodeService
from detente.store import audit, logs
from detente.store.channels import ChannelRow
from detente.wire.enums import Precedence, Tier

KIND: Final = "audit_anchor"
DUTY: Final = "audit_anchor"


class AuditAnchorDuty:
    """Ticked like the other duties; the interval comes from the node's settings."""

    def __init__(self, service: NodeService) -> None:
        self.service = service
        self.interval_s = service.settings.audit_anchor_interval_s
        self._started_t: float | None = None

    def tick(self, now: float) -> int:
        """Anchors signed by this tick."""
        if self._started_t is None:
            self._started_t = now
        return sum(
            1
            for row in self.service.channels()
            if row.state == "active" and self._channel(row, self._started_t, now)
        )

    def _channel(self, row: ChannelRow, started_t: float, now: float) -> bool:
        terms = self.service.channel_settings(row)
        if not pre_delegation_of(terms).covers(KIND, Precedence.ROUTINE, {}):
            return False
        with self.service.db.reading() as conn:
            recent = logs.latest_of_kind(conn, row.channel_id, self.service.party, KIND, 1)
            last = recent[0] if recent else None
            if now - (last.t if last else started_t) < self.interval_s:
                return False
            since = anchored_head(last.payload) if last else None
            if not audit.appended_since(conn, since, ignoring=actor_name(DUTY)):
                return False
            head = audit.latest_chain(conn)
        if head is None:
            return False
        draft = Draft(KIND, {"head": head}, Precedence.ROUTINE, Tier.OPERATIONAL)
        return bool(speak(self.service, row.channel_id, [draft], duty=DUTY).signed)


def anchored_head(payload: str) -> str | None:
    """The chain value a stored anchor entry carries; None if it carries none."""
    try:
        head = json.loads(payload)["body"]["head"]
    except (ValueError, KeyError, TypeError):
        return None
    return head if isinstance(head, str) else None
