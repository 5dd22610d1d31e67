"""Witnessed checkpoints: sign our log's tree head for each peer, and witness theirs.

Two halves, one rule. As a signer, the node periodically (and on demand)
signs a checkpoint of its own log on each channel, sends it to each peer and
keeps the cosignature that comes back. As a witness, it checks a peer's
checkpoint against everything it already knows of that peer's log:

1. another checkpoint of the same size with a different root → equivocation;
2. our mirror holds at least ``size`` entries → the root must be the root of
   our mirror at that size, else equivocation;
3. otherwise the checkpoint must extend the best state we know (the larger
   of our mirror and the last checkpoint we witnessed): the peer must prove
   consistency, and a proof that fails is equivocation.

Only then do we countersign. On equivocation both signed statements are
kept, a severity-5 ``equivocation`` alarm is raised and the request is
refused with ``EquivocationError``. The rules are the pure ``judge`` and
``judge_proof``; the rest is thin I/O around them.

This module never countersigns a checkpoint it has not checked, and never
treats a peer that cannot be reached as an equivocator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from detente.errors import (
    DetenteError,
    EquivocationError,
    ProofError,
    ProtocolError,
    ValidationError,
)
from detente.link.client import PeerClient
from detente.log.checkpoint import (
    Checkpoint,
    Cosignature,
    SignedCheckpoint,
    cosign,
    open_checkpoint,
    parse_cosignature,
    sign_checkpoint,
    verify_cosignature,
)
from detente.log.merkle import root_from_leaf_hashes, verify_consistency
from detente.node.service import NodeService
from detente.store import alarms, logs
from detente.store import checkpoints as stored_checkpoints
from detente.store.channels import ChannelRow, Member
from detente.types import JSONObject
from detente.wire.entry import now_t
from detente.wire.keys import VerifyKey

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_S: Final = 60.0
EQUIVOCATION_SEVERITY: Final = 5

ProofFetcher = Callable[[int, int], Awaitable[list[bytes]]]
"""Ask the peer for a consistency proof between two sizes of its log."""


@dataclass(frozen=True, slots=True)
class WitnessView:
    """What this node already knows of a peer's log, read in one transaction."""

    conflicting: tuple[SignedCheckpoint, ...]
    """Kept checkpoints of the same size with a different root."""
    mirror_size: int
    mirror_root_at_size: str | None
    """Our mirror's root at the checkpoint's size, when the mirror is that long."""
    base_size: int
    base_root: str
    """The best older state we trust: mirror head or last witnessed checkpoint."""
    base_what: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The witness's decision; ``proof_sizes`` set means "ask for this proof first"."""

    ok: bool
    reason: str
    proof_sizes: tuple[int, int] | None = None
    other: SignedCheckpoint | None = None


def judge(signed: SignedCheckpoint, view: WitnessView) -> Verdict:
    """Rules 1 and 2, and which consistency proof rule 3 needs."""
    cp = signed.checkpoint
    if view.conflicting:
        other = view.conflicting[0]
        return Verdict(
            False,
            f"{cp.party} signed two different checkpoints for size {cp.size}: "
            f"root {other.checkpoint.root[:16]}… (signed {other.checkpoint.t}) and "
            f"root {cp.root[:16]}… (signed {cp.t})",
            other=other,
        )
    if view.mirror_root_at_size is not None:
        if view.mirror_root_at_size != cp.root:
            return Verdict(
                False,
                f"{cp.party}'s checkpoint for size {cp.size} has root {cp.root[:16]}…, "
                f"but the {cp.size} entries it signed and we hold give "
                f"{view.mirror_root_at_size[:16]}…",
            )
        return Verdict(True, f"matches our mirror of {cp.party}'s log at size {cp.size}")
    if view.base_size == 0:
        return Verdict(True, f"first checkpoint of {cp.party}'s log; nothing to contradict")
    if view.base_size == cp.size:
        if view.base_root != cp.root:
            return Verdict(
                False,
                f"{cp.party}'s checkpoint for size {cp.size} contradicts "
                f"{view.base_what} ({view.base_root[:16]}…)",
            )
        return Verdict(True, f"equal to {view.base_what}")
    low, high = sorted((view.base_size, cp.size))
    return Verdict(True, "consistency proof needed", proof_sizes=(low, high))


def judge_proof(signed: SignedCheckpoint, view: WitnessView, proof: list[bytes]) -> Verdict:
    """Rule 3: the checkpoint and our best known state must lie on one log."""
    cp = signed.checkpoint
    if cp.size > view.base_size:
        old = (view.base_size, view.base_root)
        new = (cp.size, cp.root)
    else:
        old = (cp.size, cp.root)
        new = (view.base_size, view.base_root)
    try:
        verify_consistency(old[0], new[0], bytes.fromhex(old[1]), bytes.fromhex(new[1]), proof)
    except ProofError as exc:
        return Verdict(
            False,
            f"{cp.party}'s checkpoint for size {cp.size} is not consistent with "
            f"{view.base_what} at size {view.base_size}: {exc.reason}",
        )
    return Verdict(True, f"consistent with {view.base_what} at size {view.base_size}")


def read_view(service: NodeService, signed: SignedCheckpoint) -> WitnessView:
    """Everything ``judge`` needs, from one read transaction."""
    cp = signed.checkpoint
    with service.db.reading() as conn:
        conflicting = tuple(
            s.signed
            for s in stored_checkpoints.at_size(conn, cp.channel, cp.party, cp.size)
            if s.checkpoint.root != cp.root
        )
        head = logs.head(conn, cp.channel, cp.party)
        at_size: str | None = None
        if head.size == cp.size:
            at_size = head.root_hex
        elif head.size > cp.size:
            leaves = logs.leaf_ids(conn, cp.channel, cp.party, cp.size)
            at_size = root_from_leaf_hashes([bytes.fromhex(x) for x in leaves]).hex()
        witnessed = stored_checkpoints.latest_witnessed(conn, cp.channel, cp.party, service.party)
    if witnessed is not None and witnessed.checkpoint.size > head.size:
        base = (
            witnessed.checkpoint.size,
            witnessed.checkpoint.root,
            "the last checkpoint we witnessed",
        )
    else:
        base = (head.size, head.root_hex, f"our mirror of {cp.party}'s log")
    return WitnessView(conflicting, head.size, at_size, *base)


def open_peer_checkpoint(row: ChannelRow, sender: str, wire: object) -> SignedCheckpoint:
    """Verify a checkpoint's signature with the sender's listed key, and its claims."""
    member = row.member(sender)
    if member is None or member.is_self:
        raise ProtocolError(f"party {sender} is not a peer on this channel", field="party")
    signed = open_checkpoint(wire, {member.key_id: VerifyKey.from_b64(member.public_key)})
    cp = signed.checkpoint
    if cp.party != sender:
        raise ProtocolError(f"checkpoint is of {cp.party}'s log, sent by {sender}", field="party")
    if cp.channel != row.channel_id:
        raise ProtocolError(f"checkpoint is for channel {cp.channel}", field="channel")
    if cp.size == 0:
        raise ValidationError("an empty log needs no witness", field="checkpoint.size")
    return signed


async def witness_checkpoint(
    service: NodeService, channel_id: str, sender: str, wire: object, fetch_proof: ProofFetcher
) -> Cosignature:
    """Check a peer's checkpoint and countersign it, or prove and raise equivocation."""
    row = await asyncio.to_thread(service.active_channel, channel_id)
    signed = open_peer_checkpoint(row, sender, wire)
    view = await asyncio.to_thread(read_view, service, signed)
    verdict = judge(signed, view)
    if verdict.ok and verdict.proof_sizes is not None:
        low, high = verdict.proof_sizes
        try:
            proof = await fetch_proof(low, high)
        except DetenteError as exc:
            raise ProtocolError(
                f"could not obtain a consistency proof {low}→{high} from {sender}: {exc}",
                field="proof",
            ) from exc
        verdict = judge_proof(signed, view, proof)
    return await asyncio.to_thread(_conclude, service, row, signed, view, verdict)


def _conclude(
    service: NodeService,
    row: ChannelRow,
    signed: SignedCheckpoint,
    view: WitnessView,
    verdict: Verdict,
) -> Cosignature:
    cp = signed.checkpoint
    now = service.now()
    with service.db.writing() as conn:
        # A checkpoint of this size may have arrived while we fetched a proof.
        late = [
            s.signed
            for s in stored_checkpoints.at_size(conn, cp.channel, cp.party, cp.size)
            if s.checkpoint.root != cp.root
        ]
        if verdict.ok and late:
            verdict = judge(signed, WitnessView(tuple(late), 0, None, 0, "", ""))
        stored_checkpoints.put(conn, signed, received_t=now)
        if verdict.ok:
            kept = stored_checkpoints.find(conn, cp.channel, cp.party, cp.size, cp.root)
            ours = [c for c in kept.cosignatures if c.witness == service.party] if kept else []
            if ours:  # a retry: answer with the cosignature already given
                return ours[0]
            cosignature = cosign(signed, service.party, service.key, now_t())
            stored_checkpoints.put_cosignature(conn, cp, cosignature)
            return cosignature
        _raise_equivocation(conn, row, signed, view, verdict, now)
    raise EquivocationError(verdict.reason + "; both signed statements are kept as proof")


def _raise_equivocation(
    conn: Any,
    row: ChannelRow,
    signed: SignedCheckpoint,
    view: WitnessView,
    verdict: Verdict,
    now: float,
) -> None:
    cp = signed.checkpoint
    details: JSONObject = {
        "party": cp.party,
        "size": cp.size,
        "checkpoint": signed.wire(),
        "mirror_size": view.mirror_size,
        "mirror_root_at_size": view.mirror_root_at_size,
        "base": {"size": view.base_size, "root": view.base_root, "what": view.base_what},
    }
    if verdict.other is not None:
        details["other_checkpoint"] = verdict.other.wire()
    alarms.raise_alarm(
        conn,
        "equivocation",
        EQUIVOCATION_SEVERITY,
        f"EQUIVOCATION by {cp.party}: {verdict.reason}",
        ref=signed.digest,
        channel_id=row.channel_id,
        details=details,
        now_s=now,
    )
    log.error("equivocation by %s on %s: %s", cp.party, row.channel_id, verdict.reason)


# the signer's side ------------------------------------------------------------


def own_checkpoint(service: NodeService, channel_id: str) -> SignedCheckpoint | None:
    """The signed checkpoint of our log at its current size (signed once per size)."""
    with service.key_lock, service.db.writing() as conn:
        head = logs.head(conn, channel_id, service.party)
        if head.size == 0:
            return None
        kept = stored_checkpoints.find(conn, channel_id, service.party, head.size, head.root_hex)
        if kept is not None:
            return kept.signed
        signed = sign_checkpoint(
            Checkpoint(
                channel=channel_id,
                party=service.party,
                key=service.key.key_id,
                size=head.size,
                root=head.root_hex,
                t=now_t(),
            ),
            service.key,
        )
        stored_checkpoints.put(conn, signed, received_t=service.now())
        return signed


def _already_witnessed(service: NodeService, signed: SignedCheckpoint, peer: str) -> bool:
    cp = signed.checkpoint
    with service.db.reading() as conn:
        kept = stored_checkpoints.find(conn, cp.channel, cp.party, cp.size, cp.root)
    return kept is not None and kept.witnessed_by(peer)


def _keep_cosignature(
    service: NodeService, signed: SignedCheckpoint, peer: Member, answer: dict[str, Any]
) -> Cosignature:
    cosignature = parse_cosignature(answer.get("cosignature"), field="cosignature")
    if cosignature.witness != peer.party:
        raise ProtocolError(
            f"cosignature names witness {cosignature.witness}, expected {peer.party}",
            field="cosignature.witness",
        )
    verify_cosignature(
        signed, cosignature, VerifyKey.from_b64(peer.public_key), field="cosignature"
    )
    with service.db.writing() as conn:
        stored_checkpoints.put_cosignature(conn, signed.checkpoint, cosignature)
    return cosignature


class Witness:
    """The checkpoint duty: sign, send to each peer, keep cosignatures; on a timer."""

    def __init__(
        self,
        service: NodeService,
        client: PeerClient,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
    ) -> None:
        if interval_s <= 0:
            raise ValidationError("must be positive", field="checkpoint_interval_s")
        self.service = service
        self.client = client
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # a bad round must not end the duty
                log.exception("checkpoint round failed")
            await asyncio.sleep(self.interval_s)

    async def run_once(self) -> list[dict[str, Any]]:
        """One round over every active channel and peer; says what happened to each."""
        results: list[dict[str, Any]] = []
        for row in await asyncio.to_thread(self.service.channels):
            if row.state != "active":
                continue
            signed = await asyncio.to_thread(own_checkpoint, self.service, row.channel_id)
            if signed is None:
                continue
            for peer in row.peers:
                results.append(await self.send_to(row, peer, signed))
        return results

    async def send_to(
        self, row: ChannelRow, peer: Member, signed: SignedCheckpoint
    ) -> dict[str, Any]:
        cp = signed.checkpoint
        result: dict[str, Any] = {
            "channel": row.channel_id,
            "peer": peer.party,
            "size": cp.size,
            "root": cp.root,
        }
        if await asyncio.to_thread(_already_witnessed, self.service, signed, peer.party):
            result["status"] = "witnessed"
            return result
        try:
            answer = await self.client.call(
                peer.endpoint,
                "POST",
                f"/channels/{row.channel_id}/checkpoints",
                {"checkpoint": signed.wire()},
            )
            await asyncio.to_thread(_keep_cosignature, self.service, signed, peer, answer)
        except (DetenteError, OSError, Exception) as exc:
            result["status"] = "failed"
            result["error"] = f"{type(exc).__name__}: {exc}"
            return result
        result["status"] = "cosigned"
        return result


def proof_fetcher(client: PeerClient, peer: Member, channel_id: str) -> ProofFetcher:
    """Fetch a consistency proof of ``peer``'s log through the signed peer API."""

    async def fetch(low: int, high: int) -> list[bytes]:
        started = time.monotonic()
        answer = await client.call(
            peer.endpoint,
            "GET",
            f"/channels/{channel_id}/proofs/consistency?from={low}&to={high}",
        )
        proof = answer.get("proof")
        if not isinstance(proof, list) or not all(isinstance(p, str) for p in proof):
            raise ProtocolError("proof must be a list of hex strings", field="proof")
        try:
            hashes = [bytes.fromhex(p) for p in proof]
        except ValueError:
            raise ProtocolError("proof holds a non-hex hash", field="proof") from None
        log.debug("consistency proof %d→%d in %.3f s", low, high, time.monotonic() - started)
        return hashes

    return fetch
