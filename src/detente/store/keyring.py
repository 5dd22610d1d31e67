"""Queries on member keys: which key may sign which sequence numbers of a log.

A rotation closes the old key at the rotation entry and opens the new one
after it; a revocation refuses a key from a sequence number on. Both are
statements in the logs; this table indexes them for the receive path.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, insert, select, update

from detente.store.schema import member_keys


@dataclass(frozen=True, slots=True)
class KeyRecord:
    party: str
    key_id: str
    public_key: str
    from_seq: int
    until_seq: int | None
    revoked_from_seq: int | None
    revoked_reason: str | None

    def problem_at(self, seq: int) -> str | None:
        """Why this key may not sign ``seq``, or None if it may."""
        if self.revoked_from_seq is not None and seq >= self.revoked_from_seq:
            return (
                f"key {self.key_id} was revoked from seq {self.revoked_from_seq}"
                f" ({self.revoked_reason or 'no reason given'})"
            )
        if seq < self.from_seq:
            return f"key {self.key_id} is valid only from seq {self.from_seq}"
        if self.until_seq is not None and seq >= self.until_seq:
            return f"key {self.key_id} was rotated out at seq {self.until_seq - 1}"
        return None


def ensure(conn: Connection, channel_id: str, party: str, key_id: str, public_key: str) -> None:
    """Record a member's initial key (valid from seq 1) if not yet known."""
    found = conn.execute(
        select(member_keys.c.key_id).where(
            member_keys.c.channel_id == channel_id,
            member_keys.c.party == party,
            member_keys.c.key_id == key_id,
        )
    ).first()
    if found is None:
        conn.execute(
            insert(member_keys).values(
                channel_id=channel_id,
                party=party,
                key_id=key_id,
                public_key=public_key,
                from_seq=1,
            )
        )


_KEYS_OF = (
    select(member_keys)
    .where(
        member_keys.c.channel_id == bindparam("channel_id"),
        member_keys.c.party == bindparam("party"),
    )
    .order_by(member_keys.c.from_seq)
)
"""Read for every peer request: built once (see ``logs.py`` for why)."""


def keys_of(conn: Connection, channel_id: str, party: str) -> list[KeyRecord]:
    rows = conn.execute(_KEYS_OF, {"channel_id": channel_id, "party": party})
    return [
        KeyRecord(
            r.party,
            r.key_id,
            r.public_key,
            int(r.from_seq),
            int(r.until_seq) if r.until_seq is not None else None,
            int(r.revoked_from_seq) if r.revoked_from_seq is not None else None,
            r.revoked_reason,
        )
        for r in rows
    ]


def rotate(
    conn: Connection,
    channel_id: str,
    party: str,
    old_key_id: str,
    at_seq: int,
    new_key_id: str,
    new_public_key: str,
) -> None:
    """The rotation entry at ``at_seq`` is the old key's last; the new key signs after it."""
    conn.execute(
        update(member_keys)
        .where(
            member_keys.c.channel_id == channel_id,
            member_keys.c.party == party,
            member_keys.c.key_id == old_key_id,
        )
        .values(until_seq=at_seq + 1)
    )
    conn.execute(
        insert(member_keys).values(
            channel_id=channel_id,
            party=party,
            key_id=new_key_id,
            public_key=new_public_key,
            from_seq=at_seq + 1,
        )
    )


def revoke(
    conn: Connection, channel_id: str, party: str, key_id: str, from_seq: int, reason: str
) -> None:
    conn.execute(
        update(member_keys)
        .where(
            member_keys.c.channel_id == channel_id,
            member_keys.c.party == party,
            member_keys.c.key_id == key_id,
        )
        .values(revoked_from_seq=from_seq, revoked_reason=reason)
    )
