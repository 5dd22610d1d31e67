"""Link checks: the node asks "are you there" on a schedule and notices silence.

A check counts as answered when the peer's receipt for it arrives within one
interval. ``link_check_missed_alarm`` consecutive unanswered checks open an
outage and raise a ``link_down`` alarm here. When the peer receipts anything
again, the outage closes and an ``outage_report`` entry tells the peer, whose
node records the same outage and raises its own alarm: both sides end with
the same record of who could not hear whom, and for how long.
"""

from __future__ import annotations

from detente.link.outgoing import Draft
from detente.node.deadlines import format_t_s
from detente.node.own_voice import speak
from detente.node.service import NodeService
from detente.store import alarms, logs, obligations
from detente.store.channels import ChannelRow
from detente.wire.enums import Precedence, Tier


class LinkCheckDuty:
    """One tick per second is enough; intervals come from each channel's terms."""

    def __init__(self, service: NodeService) -> None:
        self.service = service

    def tick(self, now: float) -> None:
        for row in self.service.channels():
            if row.state == "active":
                self._channel(row, now)

    def _channel(self, row: ChannelRow, now: float) -> None:
        terms = self.service.channel_settings(row).link
        interval, threshold = terms.link_check_interval_s, terms.link_check_missed_alarm
        me = self.service.party
        with self.service.db.reading() as conn:
            recent = logs.latest_of_kind(conn, row.channel_id, me, "link_check", threshold + 1)
        if not recent or now - recent[0].t >= interval:
            number = 1 + (_check_number(recent[0]) if recent else 0)
            speak(
                self.service,
                row.channel_id,
                [
                    Draft(
                        "link_check",
                        {"n": number, "interval_s": interval},
                        Precedence.ROUTINE,
                        Tier.OPERATIONAL,
                    )
                ],
                duty="link_checks",
            )
        for peer in row.peers:
            self._judge(row, peer.party, recent, interval, threshold, now)

    def _judge(
        self,
        row: ChannelRow,
        peer: str,
        recent: list[logs.StoredEntry],
        interval: float,
        threshold: int,
        now: float,
    ) -> None:
        with self.service.db.writing() as conn:
            outage = obligations.open_outage(conn, row.channel_id, peer)
            if outage is not None:
                outage_id, start_t, missed = outage
                # Contact is back when the peer receipts what we said since the outage began.
                first = logs.first_seq_since(conn, row.channel_id, self.service.party, start_t)
                back_t = logs.receipt_time(conn, row.channel_id, peer, first) if first else None
                if back_t is None:
                    overdue = sum(1 for c in recent if now - c.t > interval)
                    if overdue > missed:
                        obligations.update_outage(conn, outage_id, missed_checks=overdue)
                    return
                obligations.end_outage(conn, outage_id, back_t)
                alarms.clear_kind_ref(
                    conn, kind="link_down", ref=_outage_ref(row, peer, start_t), now_s=back_t
                )
                report = (start_t, back_t, missed)
            else:
                expired = [c for c in recent if now - c.t > interval][:threshold]
                if len(expired) < threshold:
                    return
                # Unanswered: still no receipt one interval on. A late receipt means a slow
                # link, not a dead one; counting it would open an outage already over.
                unanswered = [
                    c
                    for c in expired
                    if logs.receipt_time(conn, row.channel_id, peer, c.seq) is None
                ]
                if len(unanswered) < threshold:
                    return
                start_t = min(c.t for c in unanswered)
                obligations.start_outage(conn, row.channel_id, peer, start_t, len(unanswered))
                alarms.raise_alarm(
                    conn,
                    kind="link_down",
                    severity=4,
                    text=f"link to {peer} down: {len(unanswered)} link checks unanswered "
                    f"since {format_t_s(start_t)}",
                    ref=_outage_ref(row, peer, start_t),
                    channel_id=row.channel_id,
                    details={"peer": peer, "start_t": start_t},
                )
                return
        start_t, back_t, missed = report
        speak(
            self.service,
            row.channel_id,
            [
                Draft(
                    "outage_report",
                    {
                        "start_t": format_t_s(start_t),
                        "end_t": format_t_s(back_t),
                        "missed_checks": max(missed, 1),
                    },
                    Precedence.IMMEDIATE,
                    Tier.OPERATIONAL,
                )
            ],
            duty="link_checks",
        )
        with self.service.db.writing() as conn:
            alarms.raise_alarm(
                conn,
                kind="link_was_down",
                severity=4,
                text=f"link to {peer} was down from {format_t_s(start_t)} to "
                f"{format_t_s(back_t)} ({missed} link checks missed)",
                ref=_outage_ref(row, peer, start_t),
                channel_id=row.channel_id,
                details={"start_t": start_t, "end_t": back_t},
            )


def _outage_ref(row: ChannelRow, peer: str, start_t: float) -> str:
    import hashlib

    return hashlib.sha256(f"{row.channel_id}:{peer}:{start_t:.6f}".encode()).hexdigest()


def _check_number(stored: logs.StoredEntry) -> int:
    import json

    return int(json.loads(stored.payload)["body"]["n"])
