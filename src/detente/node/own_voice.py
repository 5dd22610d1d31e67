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

from detente.errors import ForbiddenError
from detente.link.outgoing import Draft, normalise
from detente.node.authority import load_rules
from detente.node.pre_delegation import require_pre_delegated
from detente.node.release import Submitted
from detente.node.service import NodeService
from detente.store import alarms, audit, held
from detente.store.audit import AuditAction, Outcome
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
    actor = actor_name(duty)
    try:
        require_pre_delegated(service.channel_settings(row), drafts)
    except ForbiddenError as exc:
        return Submitted(held=_hold(service, channel_id, drafts, actor, str(exc)))
    signed = service.send(channel_id, drafts)
    with service.db.writing() as conn:
        audit.record(
            conn,
            operator=actor,
            role=NODE_ROLE,
            action=AuditAction.SEND,
            target=channel_id,
            outcome=Outcome.OK,
            source=NODE_ROLE,
            detail="pre-delegated; signed " + " ".join(s.id for s in signed),
        )
    return Submitted(signed=tuple(signed))


def _hold(
    service: NodeService, channel_id: str, drafts: Sequence[Draft], actor: str, reason: str
) -> held.HeldRow:
    ready = normalise(service.registry, drafts)
    releasers = load_rules(service.settings.data_dir).releasers(ready)
    with service.db.writing() as conn:
        earlier = held.find_same(conn, channel_id, actor, ready)
        if earlier is not None:
            return earlier
        kept = held.hold(
            conn,
            channel_id=channel_id,
            operator=actor,
            role=NODE_ROLE,
            drafts=ready,
            releasers=releasers,
            reason=reason,
        )
        audit.record(
            conn,
            operator=actor,
            role=NODE_ROLE,
            action=AuditAction.HOLD,
            target=kept.held_id,
            outcome=Outcome.HELD,
            source=NODE_ROLE,
            detail=f"send on {channel_id}: {reason}",
        )
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
