"""Derived state, updated in the same transaction that stores an entry.

Acknowledgements, escalations, suspensions and reported outages are facts
stated in the logs; these tables only index them. Because they are written
with the entry, they never disagree with the logs.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from detente.node.kinds import is_safety_floor
from detente.store import alarms, keyring, logs, obligations
from detente.store import channels as channel_queries
from detente.store.channels import ChannelRow
from detente.wire.entry import SignedEntry, parse_t
from detente.wire.enums import Tier
from detente.wire.kinds import KindRegistry


def derive(
    conn: Connection,
    row: ChannelRow,
    stored: Sequence[SignedEntry],
    *,
    me: str,
    registry: KindRegistry,
) -> None:
    """Index what ``stored`` entries state; raise alarms the facts call for."""
    suspended: bool | None = None  # looked up once per batch, after this batch's own changes
    for item in stored:
        entry = item.entry
        body = entry.body
        t = entry.t_epoch
        if entry.kind == "acknowledge":
            obligations.hold_item(conn, body["ref"])  # see obligations.hold_item
            obligations.record_ack(
                conn,
                ref=body["ref"],
                party=entry.party,
                channel_id=row.channel_id,
                ack_id=item.id,
                role=body["role"],
                t=t,
            )
            for tier in Tier:
                alarms.clear_kind_ref(
                    conn, kind=f"deadline_missed:{tier.value}", ref=body["ref"], now_s=t
                )
        elif entry.kind == "escalation":
            obligations.record_escalation(
                conn,
                ref=body["ref"],
                tier=body["to_tier"],
                channel_id=row.channel_id,
                escalation_id=item.id,
                t=t,
            )
        elif entry.kind == "suspend":
            obligations.start_suspension(
                conn,
                entry_id=item.id,
                channel_id=row.channel_id,
                party=entry.party,
                reason=body["reason"],
                t=t,
            )
        elif entry.kind == "resume":
            obligations.end_suspension(conn, entry_id=body["ref"], resume_id=item.id, t=t)
        elif entry.kind == "key_rotation":
            keyring.rotate(
                conn,
                row.channel_id,
                entry.party,
                entry.key,
                entry.seq,
                body["new_key_id"],
                body["new_public_key"],
            )
            channel_queries.set_member_key(
                conn, row.channel_id, entry.party, body["new_key_id"], body["new_public_key"]
            )
        elif entry.kind == "key_revocation":
            keyring.revoke(
                conn,
                row.channel_id,
                entry.party,
                body["key_id"],
                int(body["from_seq"]),
                body["reason"],
            )
            void = logs.count_signed_from(
                conn, row.channel_id, entry.party, body["key_id"], int(body["from_seq"])
            )
            alarms.raise_alarm(
                conn,
                kind="key_revoked",
                severity=5 if void else 4,
                text=f"{entry.party} revoked key {body['key_id']} from seq {body['from_seq']}"
                f" ({body['reason']}); {void} stored entries signed with it from then on are void",
                ref=item.id,
                channel_id=row.channel_id,
                details={"key_id": body["key_id"], "from_seq": body["from_seq"], "void": void},
            )
        elif entry.kind == "outage_report" and entry.party != me:
            start, end = parse_t(body["start_t"]).timestamp(), parse_t(body["end_t"]).timestamp()
            obligations.record_outage(
                conn, row.channel_id, entry.party, start, end, int(body["missed_checks"])
            )
            alarms.raise_alarm(
                conn,
                kind="link_was_down",
                severity=4,
                text=f"{entry.party} reports the link was down from {body['start_t']} "
                f"to {body['end_t']} ({body['missed_checks']} link checks missed)",
                ref=item.id,
                channel_id=row.channel_id,
                details={"start_t": body["start_t"], "end_t": body["end_t"]},
            )
        if entry.party != me and not is_safety_floor(registry, entry.kind, entry.body):
            if suspended is None or entry.kind in ("suspend", "resume"):
                suspended = bool(obligations.active_suspensions(conn, row.channel_id))
            if suspended:
                alarms.raise_alarm(
                    conn,
                    kind="suspension_violation",
                    severity=3,
                    text=f"{entry.party} sent {entry.kind} while dialogue is suspended",
                    ref=item.id,
                    channel_id=row.channel_id,
                )
