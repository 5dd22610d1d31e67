"""Receiving a peer's entries: verify everything, then store all or nothing.

Signatures are checked over the exact received bytes before parsing; bodies
are validated by kind; the sequence rules run under the mirror's head lock so
a push racing a pull cannot store an entry twice. The receipt for what was
stored is appended to our own log in the same transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import Connection

from detente.errors import KeyValidityError, ProtocolError, SignatureError, ValidationError
from detente.link.kinds import KeyRotationBody, rotation_statement
from detente.link.outgoing import Draft, append_own
from detente.link.protocol import needs_receipt, plan_receive
from detente.store import logs
from detente.store.channels import ChannelRow
from detente.store.keyring import KeyRecord
from detente.wire.canonical import canonical_bytes
from detente.wire.entry import SignedEntry, open_envelope
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey, VerifyKey, b64decode
from detente.wire.kinds import KindRegistry

MAX_BATCH = 5000

EntryCheck = Callable[[Connection, ChannelRow, SignedEntry], None]
"""A policy hook run inside the receive transaction; raises to refuse the batch."""


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    new: tuple[SignedEntry, ...]
    duplicates: int
    head_size: int
    head_id: str
    receipt: SignedEntry | None


def verify_batch(
    channel: ChannelRow,
    sender: str,
    envelopes: Sequence[object],
    registry: KindRegistry,
    keyring: Sequence[KeyRecord],
) -> list[SignedEntry]:
    """Open every envelope with the sender's keys and validate its body.

    Keys are checked against the sequence numbers they may sign, and a key
    rotation inside the batch takes effect for the entries after it.
    """
    member = channel.member(sender)
    if member is None or member.is_self:
        raise ProtocolError(f"party {sender} is not a peer on this channel", field="party")
    if len(envelopes) > MAX_BATCH:
        raise ValidationError(
            f"{len(envelopes)} entries; the limit is {MAX_BATCH}", field="entries"
        )
    records = {k.key_id: k for k in keyring} or {
        member.key_id: KeyRecord(sender, member.key_id, member.public_key, 1, None, None, None)
    }
    keys = {kid: VerifyKey.from_b64(r.public_key) for kid, r in records.items()}
    opened = []
    for index, envelope in enumerate(envelopes):
        item = open_envelope(envelope, keys, index=index)
        problem = records[item.entry.key].problem_at(item.entry.seq)
        if problem is not None:
            raise KeyValidityError(problem, field=f"entries[{index}].key")
        body = registry.validate(item.entry.kind, item.entry.body, field=f"entries[{index}].body")
        if isinstance(body, KeyRotationBody):
            new = _rotation(item, body, records, index)
            records[item.entry.key] = replace(records[item.entry.key], until_seq=item.entry.seq + 1)
            records[new.key_id] = new
            keys[new.key_id] = VerifyKey.from_b64(new.public_key)
        opened.append(item)
    return opened


def _rotation(
    item: SignedEntry, body: KeyRotationBody, records: dict[str, KeyRecord], index: int
) -> KeyRecord:
    """The new key's record, after checking it agreed to take over the log."""
    where = f"entries[{index}].body"
    if body.new_key_id in records:
        raise ValidationError("the new key was used before", field=f"{where}.new_key_id")
    new_key = VerifyKey.from_b64(body.new_public_key)
    if new_key.key_id != body.new_key_id:
        raise ValidationError(
            "new_key_id does not match new_public_key", field=f"{where}.new_key_id"
        )
    statement = rotation_statement(
        item.entry.channel, item.entry.party, item.entry.key, body.new_key_id
    )
    try:
        new_key.verify(
            b64decode(body.new_key_sig, field=f"{where}.new_key_sig"), canonical_bytes(statement)
        )
    except SignatureError as exc:
        raise SignatureError(
            "the new key did not sign the rotation", field=f"{where}.new_key_sig"
        ) from exc
    return KeyRecord(
        item.entry.party, body.new_key_id, body.new_public_key, item.entry.seq + 1, None, None, None
    )


def store_batch(
    conn: Connection,
    *,
    channel: ChannelRow,
    sender: str,
    batch: Sequence[SignedEntry],
    key: SigningKey,
    checks: Sequence[EntryCheck] = (),
    now_s: float | None = None,
    max_skew_s: float = 300.0,
) -> ReceiveResult:
    """Apply the protocol rules and store; the caller's transaction makes it atomic."""
    at = logs.head(conn, channel.channel_id, sender, lock=True)
    # Read the clock only under the head lock, so received_t follows storage order
    # even when a push and a pull of the same entries wait on each other.
    now = time.time() if now_s is None else now_s
    overlap = [i.entry.seq for i in batch if i.entry.seq <= at.size]
    stored = logs.entries_by_seq(conn, channel.channel_id, sender, overlap) if overlap else {}
    plan = plan_receive(
        channel_id=channel.channel_id,
        sender=sender,
        head_size=at.size,
        head_id=at.head_id,
        batch=batch,
        stored_ids={seq: row.id for seq, row in stored.items()},
        now_s=now,
        max_skew_s=max_skew_s,
    )
    for item in plan.new:
        for check in checks:
            check(conn, channel, item)
    new_head = logs.append(conn, at, plan.new, received_t=now)
    receipt = None
    if needs_receipt(plan.new):
        last = plan.new[-1]
        (receipt,) = append_own(
            conn,
            channel_id=channel.channel_id,
            party=channel.me.party,
            key=key,
            drafts=[
                Draft(
                    "receipt",
                    {"of": sender, "up_to_seq": last.entry.seq, "up_to_id": last.id},
                    Precedence.ROUTINE,
                    Tier.OPERATIONAL,
                )
            ],
        )
    return ReceiveResult(plan.new, plan.duplicates, new_head.size, new_head.head_id, receipt)
