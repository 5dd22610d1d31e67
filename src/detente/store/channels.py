"""Queries on keys, channels and their members."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from detente.store import keyring
from detente.store.schema import channel_members, channels, deliveries, keys


@dataclass(frozen=True, slots=True)
class Member:
    """One party's node on a channel."""

    party: str
    name: str
    key_id: str
    public_key: str
    endpoint: str
    is_self: bool
    tls_cert: str | None = None


@dataclass(frozen=True, slots=True)
class ChannelRow:
    channel_id: str
    doc: str
    state: str
    members: tuple[Member, ...]

    def member(self, party: str) -> Member | None:
        return next((m for m in self.members if m.party == party), None)

    @property
    def me(self) -> Member:
        return next(m for m in self.members if m.is_self)

    @property
    def peers(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if not m.is_self)


def add_key(conn: Connection, key_id: str, party: str, public_key: str) -> None:
    conn.execute(
        insert(keys).values(
            key_id=key_id, party=party, public_key=public_key, created_t=time.time()
        )
    )


def put_channel(
    conn: Connection, channel_id: str, doc: str, state: str, members: list[Member]
) -> None:
    """Create or replace a channel and its member list in one go."""
    exists = conn.execute(
        select(channels.c.channel_id).where(channels.c.channel_id == channel_id)
    ).first()
    if exists:
        conn.execute(
            update(channels).where(channels.c.channel_id == channel_id).values(doc=doc, state=state)
        )
        conn.execute(delete(channel_members).where(channel_members.c.channel_id == channel_id))
    else:
        conn.execute(
            insert(channels).values(
                channel_id=channel_id, doc=doc, state=state, created_t=time.time()
            )
        )
    conn.execute(
        insert(channel_members),
        [
            {
                "channel_id": channel_id,
                "party": m.party,
                "name": m.name,
                "key_id": m.key_id,
                "public_key": m.public_key,
                "endpoint": m.endpoint,
                "is_self": m.is_self,
                "tls_cert": m.tls_cert,
            }
            for m in members
        ],
    )
    for m in members:
        keyring.ensure(conn, channel_id, m.party, m.key_id, m.public_key)
        if m.is_self:
            continue
        have = conn.execute(
            select(deliveries.c.peer).where(
                deliveries.c.channel_id == channel_id, deliveries.c.peer == m.party
            )
        ).first()
        if not have:
            conn.execute(
                insert(deliveries).values(
                    channel_id=channel_id, peer=m.party, acked_seq=0, attempts=0
                )
            )


# Read for every request a peer makes: built once (see ``logs.py`` for why).
_CHANNEL = select(channels).where(channels.c.channel_id == bindparam("channel_id"))
_MEMBERS = (
    select(channel_members)
    .where(channel_members.c.channel_id == bindparam("channel_id"))
    .order_by(channel_members.c.party)
)


def get_channel(conn: Connection, channel_id: str) -> ChannelRow | None:
    row = conn.execute(_CHANNEL, {"channel_id": channel_id}).first()
    if row is None:
        return None
    members = conn.execute(_MEMBERS, {"channel_id": channel_id})
    return ChannelRow(
        row.channel_id,
        row.doc,
        row.state,
        tuple(
            Member(m.party, m.name, m.key_id, m.public_key, m.endpoint, bool(m.is_self), m.tls_cert)
            for m in members
        ),
    )


def list_channels(conn: Connection) -> list[ChannelRow]:
    ids = conn.execute(select(channels.c.channel_id).order_by(channels.c.created_t)).scalars()
    out = []
    for channel_id in list(ids):
        found = get_channel(conn, channel_id)
        if found is not None:
            out.append(found)
    return out


def set_member_key(
    conn: Connection, channel_id: str, party: str, key_id: str, public_key: str
) -> None:
    """The member's current key after a rotation (history stays in ``member_keys``)."""
    conn.execute(
        update(channel_members)
        .where(channel_members.c.channel_id == channel_id, channel_members.c.party == party)
        .values(key_id=key_id, public_key=public_key)
    )
