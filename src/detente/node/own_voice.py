"""The node's own voice: what its duties say with no person, within the channel's terms.

Link checks, outage reports, escalations of missed deadlines, encounter
alerts and incidents opened from them are said by the node itself. Both
parties agreed in the channel terms which of these need no person's release
(``detente.node.pre_delegation``); this is the one path through which the
duties sign, so that agreement is enforced rather than only stated.

A statement the terms do not pre-delegate is not dropped: it is held for a
person to release, exactly like an operator's draft that needs a second
person, and an alarm says so. A duty asks again on every tick, so holding
the same drafts twice is refused here: one held row per statement, and a
rejected one stays rejected. Every automatic statement, sent or held, is in
the audit log under the operator name ``node:<duty>``.

This module must never sign except through ``NodeService.send``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from sqlalchemy import Connection

from detente.errors import ForbiddenError
from detente.link.outgoing import Draft, normalise
from detente.node.authority import load_rules
from detente.node.pre_delegation import require_pre_delegated
from detente.node.release import Actor, Submitted, write_record
from detente.node.service import NodeService
from detente.store import alarms, held
from detente.store.audit import AuditAction, Outcome
from detente.wire.entry import SignedEntry
from detente.wire.enums import Precedence

NODE_ROLE: Final = "node"
"""The role recorded for the node's own statements; no token can hold it."""

HELD_ALARM: Final = "held_for_release"


def actor_name(duty: str) -> str:
    return f"node:{duty}"


def speak(
    service: NodeService, channel_id: str, drafts: Sequence[Draft], *, duty: str
) -> Submitted:
    """Sign ``drafts`` if the channel pre-delegates them, else hold them for a person."""
    row = service.active_channel(channel_id)
    actor = Actor(operator=actor_name(duty), role=NODE_ROLE, source=NODE_ROLE)
    try:
        require_pre_delegated(service.channel_settings(row), drafts)
    except ForbiddenError as exc:
        return Submitted(held=_hold(service, channel_id, drafts, actor, str(exc)))

    def record(conn: Connection, signed: Sequence[SignedEntry]) -> None:
        detail = "pre-delegated; signed " + " ".join(s.id for s in signed)
        write_record(conn, actor, AuditAction.SEND, channel_id, Outcome.OK, detail)

    return Submitted(signed=tuple(service.send(channel_id, drafts, also=record)))


def _hold(
    service: NodeService, channel_id: str, drafts: Sequence[Draft], actor: Actor, reason: str
) -> held.HeldRow:
    ready = normalise(service.registry, drafts)
    releasers = load_rules(service.settings.data_dir).releasers(ready)
    with service.db.writing() as conn:
        earlier = held.find_same(conn, channel_id, actor.operator, ready)
        if earlier is not None:
            return earlier
        kept = held.hold(
            conn,
            channel_id=channel_id,
            operator=actor.operator,
            role=actor.role,
            drafts=ready,
            releasers=releasers,
            reason=reason,
        )
        detail = f"send on {channel_id}: {reason}"
        write_record(conn, actor, AuditAction.HOLD, kept.held_id, Outcome.HELD, detail)
        who = ", ".join(releasers) if releasers else "no role (change the authority rules)"
        kinds = ", ".join(d.kind for d in ready)
        urgent = any(d.precedence is Precedence.FLASH for d in ready)
        alarms.raise_alarm(
            conn,
            kind=HELD_ALARM,
            severity=4 if urgent else 3,
            text=f"the node held its own {kinds}: not pre-delegated by the channel terms; "
            f"may be released by {who}",
            ref=kept.held_id,
            channel_id=channel_id,
            details={"held_id": kept.held_id, "reason": reason, "releasers": list(releasers)},
        )
    return kept
