"""The node's use cases: send, receive, serve pulls. HTTP and schedulers call these.

Each use case is one database transaction; hooks run after commit so a slow
listener never holds a lock, and a failed one never un-stores an entry.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from detente.errors import ChannelError, EquivocationError, NotFoundError, ValidationError
from detente.link.incoming import EntryCheck, ReceiveResult, store_batch, verify_batch
from detente.link.outgoing import Draft, append_own, normalise
from detente.node.channel_settings import ChannelSettings
from detente.node.derive import derive
from detente.node.dialogue import DialoguePolicy
from detente.node.identity import load_key
from detente.node.kinds import default_registry
from detente.node.policy import SendPolicy
from detente.node.settings import NodeSettings
from detente.store import alarms, keyring, logs
from detente.store import channels as channel_queries
from detente.store.channels import ChannelRow
from detente.store.database import Database
from detente.store.keyring import KeyRecord
from detente.wire.entry import SignedEntry
from detente.wire.keys import SigningKey, VerifyKey
from detente.wire.kinds import KindRegistry

log = logging.getLogger(__name__)

DraftCheck = Callable[[Connection, ChannelRow, Sequence[Draft]], None]
"""A policy hook on our own drafts (the whole batch, in order), inside the send
transaction, before anything is signed; raises to refuse them all."""

Deriver = Callable[[Connection, ChannelRow, Sequence[SignedEntry]], None]
"""Indexes what stored entries state, inside the storing transaction."""

StoredHook = Callable[[ChannelRow, Sequence[SignedEntry]], None]
"""Called after commit with entries just stored (ours or a peer's)."""

AlsoWrite = Callable[[Connection, Sequence[SignedEntry]], None]
"""More rows for the sending transaction (an audit record): they commit with the entries."""


class NodeService:
    """One node: its identity, its database, and what it does with entries."""

    def __init__(
        self,
        settings: NodeSettings,
        *,
        key: SigningKey | None = None,
        registry: KindRegistry | None = None,
        db: Database | None = None,
    ) -> None:
        self.settings = settings
        self.party = settings.party
        self.key = key or load_key(settings)
        self.registry = registry or default_registry()
        self.db = db or Database(settings.db_url, sqlite_synchronous=settings.sqlite_synchronous)
        self.checks: list[EntryCheck] = []
        self.draft_checks: list[DraftCheck] = [
            SendPolicy(self.party, self.registry),
            DialoguePolicy(self.party, self.registry),
        ]
        self.derivers: list[Deriver] = [self._derive]
        self.on_stored: list[StoredHook] = []
        self.on_own_appended: list[Callable[[str], None]] = []
        # Held while the node's key changes: a checkpoint signed between the rotation
        # entry and the switch would carry the old key at the new head for good.
        self.key_lock = threading.RLock()

    def migrate(self) -> None:
        self.db.migrate()

    def close(self) -> None:
        self.db.close()

    # channels ---------------------------------------------------------------

    def channels(self) -> list[ChannelRow]:
        with self.db.reading() as conn:
            return channel_queries.list_channels(conn)

    def channel(self, channel_id: str) -> ChannelRow:
        with self.db.reading() as conn:
            row = channel_queries.get_channel(conn, channel_id)
        if row is None:
            raise ChannelError(f"no channel {channel_id[:40]!r} on this node", field="channel")
        return row

    def active_channel(self, channel_id: str) -> ChannelRow:
        row = self.channel(channel_id)
        if row.state != "active":
            raise ChannelError(f"channel {channel_id} is {row.state}, not active", field="channel")
        return row

    def channel_for(self, *, channel_id: str | None = None, peer: str | None = None) -> ChannelRow:
        """Resolve the channel an operator means: by id, or the active one with ``peer``."""
        if channel_id:
            return self.active_channel(channel_id)
        if not peer:
            raise ValidationError("name a channel or a peer party", field="to")
        for row in self.channels():
            if row.state == "active" and row.member(peer) and not row.member(peer).is_self:  # type: ignore[union-attr]
                return row
        raise NotFoundError(f"no active channel with {peer[:8]}", field="to")

    def channel_settings(self, row: ChannelRow) -> ChannelSettings:
        return ChannelSettings.model_validate_json(row.doc)

    def keyring(self, channel_id: str, party: str) -> list[KeyRecord]:
        with self.db.reading() as conn:
            return keyring.keys_of(conn, channel_id, party)

    def peer_key(
        self, row: ChannelRow, party: str, key_id: str, extra: Sequence[KeyRecord] = ()
    ) -> VerifyKey | None:
        """A key the peer may sign requests with: any of its keys not revoked."""
        member = row.member(party)
        if member is None or member.is_self:
            return None
        for record in [*self.keyring(row.channel_id, party), *extra]:
            if record.key_id == key_id and record.revoked_from_seq is None:
                return VerifyKey.from_b64(record.public_key)
        return None

    def verify_incoming(
        self, channel_id: str, sender: str, envelopes: Sequence[object]
    ) -> list[KeyRecord]:
        """The sender's keys as they stand after a batch (a rotation may introduce one)."""
        row = self.active_channel(channel_id)
        batch = verify_batch(
            row, sender, envelopes, self.registry, self.keyring(channel_id, sender)
        )
        return [
            KeyRecord(sender, b["new_key_id"], b["new_public_key"], 0, None, None, None)
            for b in (i.entry.body for i in batch if i.entry.kind == "key_rotation")
        ]

    # sending ----------------------------------------------------------------

    def send(
        self, channel_id: str, drafts: Sequence[Draft], *, also: AlsoWrite | None = None
    ) -> list[SignedEntry]:
        """Validate, sign and append our own entries; the courier delivers them.

        ``also`` writes in the same transaction, so a crash can never leave a
        signed statement without the audit record that says who made it.
        """
        if not drafts:
            raise ValidationError("nothing to send", field="messages")
        row = self.active_channel(channel_id)
        ready = normalise(self.registry, drafts)
        with self.db.writing() as conn:
            for draft_check in self.draft_checks:
                draft_check(conn, row, ready)
            signed = append_own(
                conn, channel_id=channel_id, party=self.party, key=self.key, drafts=ready
            )
            for deriver in self.derivers:
                deriver(conn, row, signed)
            if also is not None:
                also(conn, signed)
        self._after_store(row, signed)
        return signed

    # receiving --------------------------------------------------------------

    def receive(
        self,
        channel_id: str,
        sender: str,
        envelopes: Sequence[object],
        *,
        answered_inline: bool = False,
        row: ChannelRow | None = None,
    ) -> ReceiveResult:
        """Verify a peer's batch, then store it all or nothing, with our receipt.

        ``answered_inline``: the receipt goes back in the push response, so the
        courier is not woken to push it as well; were both done, the sender would
        verify and store the same receipt twice at once, on the path of every
        FLASH entry. If the response is lost, the next push round or the
        sender's pull still brings it. ``row``: the active channel, when the caller
        has just read it (the peer API does, to authenticate the request).
        """
        row = row if row is not None else self.active_channel(channel_id)
        batch = verify_batch(
            row, sender, envelopes, self.registry, self.keyring(channel_id, sender)
        )
        terms = self.channel_settings(row)
        try:
            with self.db.writing() as conn:
                result = store_batch(
                    conn,
                    channel=row,
                    sender=sender,
                    batch=batch,
                    key=self.key,
                    checks=self.checks,
                    max_skew_s=terms.link.max_clock_skew_s,
                )
                stored = [*result.new, *([result.receipt] if result.receipt else [])]
                for deriver in self.derivers:
                    deriver(conn, row, stored)
        except EquivocationError:
            self._keep_fork_proof(row, sender, batch)
            raise
        if result.new:
            self._after_store(row, result.new)
        if result.receipt is not None:
            self._after_store(row, [result.receipt], wake=not answered_inline)
        return result

    def _keep_fork_proof(self, row: ChannelRow, sender: str, batch: Sequence[SignedEntry]) -> None:
        """Two entries the peer signed for one sequence number: keep both, raise the alarm."""
        with self.db.writing() as conn:
            stored = logs.entries_by_seq(conn, row.channel_id, sender, [i.entry.seq for i in batch])
            for item in batch:
                held = stored.get(item.entry.seq)
                if held is None or held.id == item.id:
                    continue
                alarms.raise_alarm(
                    conn,
                    kind="equivocation",
                    severity=5,
                    text=f"{sender} signed two different entries for seq {item.entry.seq} "
                    f"of its log: proof of equivocation",
                    ref=item.id,
                    channel_id=row.channel_id,
                    details={
                        "stored": dict(held.envelope()),
                        "received": dict(item.envelope()),
                    },
                )
                return

    def _derive(self, conn: Connection, row: ChannelRow, stored: Sequence[SignedEntry]) -> None:
        derive(conn, row, stored, me=self.party, registry=self.registry)

    def _after_store(
        self, row: ChannelRow, stored: Sequence[SignedEntry], *, wake: bool = True
    ) -> None:
        # Wake the courier first: delivery latency must not wait for listeners.
        if wake and any(item.entry.party == self.party for item in stored):
            for nudge in self.on_own_appended:
                nudge(row.channel_id)
        for hook in self.on_stored:
            try:
                hook(row, stored)
            except Exception:  # a listener's bug must not fail a stored entry
                log.exception("on_stored hook failed")

    # serving pulls ------------------------------------------------------------

    def own_entries(
        self, channel_id: str, from_seq: int, limit: int
    ) -> tuple[list[dict[str, str]], int]:
        """Our log from ``from_seq``: envelopes as stored, byte for byte, and our size."""
        with self.db.reading() as conn:
            rows = logs.entries_from(conn, channel_id, self.party, from_seq, limit)
            size = logs.head(conn, channel_id, self.party).size
        return [r.envelope() for r in rows], size

    def mirror_size(self, channel_id: str, party: str) -> int:
        with self.db.reading() as conn:
            return logs.head(conn, channel_id, party).size

    def now(self) -> float:
        return time.time()
