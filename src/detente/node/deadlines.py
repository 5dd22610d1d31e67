"""The deadline watch: acknowledgement clocks by precedence, alarms, escalation by tier.

A statement's clock starts when the reader's node stored it (our receipt for
the peer's statements, the peer's receipt for ours) and runs for the
channel's deadline for its precedence. A missed deadline raises an alarm on
both sides; the author's node escalates the item one tier up with an
``escalation`` entry, which restarts the clock at the new tier. An
acknowledgement by the reader stops it at any tier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from detente.link.outgoing import Draft
from detente.node.own_voice import speak
from detente.node.service import NodeService
from detente.store import alarms, obligations
from detente.store.channels import ChannelRow
from detente.store.obligations import OpenItem
from detente.wire.entry import format_t
from detente.wire.enums import Precedence, Tier

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Clock:
    """One tier's acknowledgement clock for one item; ``current`` is the newest tier."""

    item: OpenItem
    tier: Tier
    start_t: float
    deadline_t: float
    current: bool = True


def clocks_of(
    item: OpenItem,
    start_t: float | None,
    escalations: list[tuple[str, float]],
    deadlines_s: dict[Precedence, float],
) -> list[Clock]:
    """Pure: one clock per tier the item has stood at, oldest first; empty before it starts.

    Every earlier tier's clock is kept, not only the current one, because the
    reader learns of an escalation when it arrives: if that lands before the
    reader's own tick sees the lower tier's deadline pass, the missed tier
    must still be found (and alarmed) from the record.
    """
    if start_t is None:
        return []
    deadline_s = deadlines_s[Precedence(item.precedence)]
    tiers = [(Tier(item.tier), start_t)] + [(Tier(name), t) for name, t in escalations]
    last = len(tiers) - 1
    return [
        Clock(item, tier, since, since + deadline_s, current=i == last)
        for i, (tier, since) in enumerate(tiers)
    ]


def clock_of(
    item: OpenItem,
    start_t: float | None,
    escalations: list[tuple[str, float]],
    deadlines_s: dict[Precedence, float],
) -> Clock | None:
    """Pure: the current tier's clock, or None while the clock has not started."""
    clocks = clocks_of(item, start_t, escalations, deadlines_s)
    return clocks[-1] if clocks else None


def alarm_kind(tier: Tier) -> str:
    return f"deadline_missed:{tier.value}"


class DeadlineWatch:
    """One tick checks every open clock on every channel; run by the duty holder."""

    def __init__(self, service: NodeService) -> None:
        self.service = service

    def tick(self, now: float) -> int:
        """Returns how many deadlines were found missed in this tick."""
        missed = 0
        for row in self.service.channels():
            if row.state != "active":
                continue
            for peer in row.peers:
                missed += self._ours(row, peer.party, now)
                missed += self._theirs(row, peer.party, now)
        return missed

    def _clocks(self, row: ChannelRow, author: str, reader: str, now: float) -> list[Clock]:
        """Every missed clock, earlier tiers included (their alarms are raised once)."""
        terms = self.service.channel_settings(row)
        deadlines = terms.link.ack_deadlines_s
        earliest = now - min(deadlines.values())
        out: list[Clock] = []
        with self.service.db.reading() as conn:
            items = obligations.unacknowledged(
                conn,
                channel_id=row.channel_id,
                author=author,
                reader=reader,
                kinds=self.service.registry.ack_kinds(),
                not_after_t=earliest,
            )
            for item in items:
                start = item.receipt_t if author == self.service.party else item.received_t
                clocks = clocks_of(
                    item, start, obligations.escalations_of(conn, item.id), deadlines
                )
                out.extend(clock for clock in clocks if clock.deadline_t <= now)
        return out

    def _alarm(self, row: ChannelRow, peer: str, clock: Clock, direction: str) -> bool:
        """Raise the missed-deadline alarm (once per item and tier); True if new."""
        item = clock.item
        what = f"{item.precedence} {item.kind} #{item.seq} at {clock.tier.value} tier"
        text = (
            f"{peer} has not acknowledged our {what}"
            if direction == "out"
            else f"We have not acknowledged {peer}'s {what}"
        )
        with self.service.db.reading() as conn:
            known = alarms.find(conn, alarm_kind(clock.tier), item.id)
        if known is not None and known.is_open:
            return False  # every tick sees it again; no write lock for a repeat
        reader = peer if direction == "out" else self.service.party
        with self.service.db.writing() as conn:
            obligations.hold_item(conn, item.id)
            if obligations.ack_of(conn, item.id, reader) is not None:
                return False  # acknowledged since this tick read the open items
            raised = alarms.raise_alarm(
                conn,
                kind=alarm_kind(clock.tier),
                severity=3 if clock.tier is not Tier.POLICY else 4,
                text=f"{text} (deadline {format_t_s(clock.deadline_t)})",
                ref=item.id,
                channel_id=row.channel_id,
                details={
                    "tier": clock.tier.value,
                    "deadline_t": clock.deadline_t,
                    "direction": direction,
                    "peer": peer,
                },
            )
        return raised.created

    def _ours(self, row: ChannelRow, peer: str, now: float) -> int:
        """Our statements the peer has not acknowledged in time: alarm and escalate."""
        count = 0
        for clock in self._clocks(row, self.service.party, peer, now):
            count += int(self._alarm(row, peer, clock, "out"))
            # The current tier comes from recorded escalations, so a missed current clock
            # below policy has not been escalated yet (even if a crash came after the alarm).
            if clock.current and clock.tier is not Tier.POLICY:
                self._escalate(row, clock)
        return count

    def _escalate(self, row: ChannelRow, clock: Clock) -> None:
        up = clock.tier.up()
        body = {
            "ref": clock.item.id,
            "from_tier": clock.tier.value,
            "to_tier": up.value,
            "missed_deadline_t": format_t_s(clock.deadline_t),
            "reason": f"no acknowledgement within the {clock.item.precedence} deadline",
        }
        draft = Draft("escalation", body, Precedence(clock.item.precedence), up, (clock.item.id,))
        speak(self.service, row.channel_id, [draft], duty="deadlines")

    def _theirs(self, row: ChannelRow, peer: str, now: float) -> int:
        """The peer's statements we have not acknowledged in time: alarm here."""
        clocks = self._clocks(row, peer, self.service.party, now)
        return sum(int(self._alarm(row, peer, clock, "in")) for clock in clocks)


def format_t_s(t: float) -> str:
    from datetime import UTC, datetime

    return format_t(datetime.fromtimestamp(t, UTC))
