"""The peer API for checkpoints: witnessing and the proofs witnesses ask for.

``POST /channels/{id}/checkpoints`` takes the caller's signed checkpoint and
answers with our cosignature, or 409 with the reason when it equivocates.
The two proof endpoints serve Merkle proofs over our own log, so a peer can
check that a checkpoint of ours extends the one it witnessed before.
Every request is signed (``detente.api.peer.authenticate``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request

from detente.api.body import parse_json, read_limited
from detente.api.peer import authenticate
from detente.api.state import peer_client, service_of
from detente.errors import ProofError, ValidationError, WireError
from detente.log.tree import MerkleTree
from detente.node.service import NodeService
from detente.node.witness import proof_fetcher, witness_checkpoint
from detente.store import logs

router = APIRouter(prefix="/peer/v1")

MAX_CHECKPOINT_REQUEST_BYTES = 16 * 1024


@router.post("/channels/{channel_id}/checkpoints")
async def receive_checkpoint(channel_id: str, request: Request) -> dict[str, Any]:
    """Witness the caller's checkpoint of its own log."""
    service = service_of(request)
    raw = await read_limited(request, MAX_CHECKPOINT_REQUEST_BYTES)
    sender = await authenticate(request, channel_id, raw)
    data = parse_json(raw)
    if not isinstance(data, dict) or set(data) != {"checkpoint"}:
        raise WireError("body must be an object with exactly the field 'checkpoint'", field="body")
    row = await asyncio.to_thread(service.active_channel, channel_id)
    peer = row.member(sender)
    assert peer is not None  # authenticate() proved the sender is a listed peer
    fetch = proof_fetcher(peer_client(request), peer, channel_id)
    cosignature = await witness_checkpoint(service, channel_id, sender, data["checkpoint"], fetch)
    return {"cosignature": cosignature.model_dump()}


def _int_param(request: Request, name: str) -> int:
    text = request.query_params.get(name)
    if text is None:
        raise ValidationError("is required", field=name)
    try:
        value = int(text)
    except ValueError:
        raise ValidationError("must be an integer", field=name) from None
    if value < 0:
        raise ValidationError("must not be negative", field=name)
    return value


def _tree(service: NodeService, channel_id: str, size: int) -> MerkleTree:
    with service.db.reading() as conn:
        have = logs.head(conn, channel_id, service.party).size
        if size > have:
            raise ProofError(f"our log has {have} entries, fewer than {size}", field="size")
        leaves = logs.leaf_ids(conn, channel_id, service.party, size)
    return MerkleTree([bytes.fromhex(x) for x in leaves])


@router.get("/channels/{channel_id}/proofs/consistency")
async def consistency(channel_id: str, request: Request) -> dict[str, Any]:
    """PROOF(from, D[to]) over our own log (RFC 6962 section 2.1.2)."""
    service = service_of(request)
    await authenticate(request, channel_id, b"")
    low, high = _int_param(request, "from"), _int_param(request, "to")
    if low > high:
        raise ValidationError(f"from {low} is beyond to {high}", field="from")
    if low == 0 and high > 0:
        raise ProofError("no consistency proof exists from an empty tree", field="from")
    tree = await asyncio.to_thread(_tree, service, channel_id, high)
    proof = tree.consistency_proof(low, high)
    return {
        "from": low,
        "to": high,
        "root_from": tree.root(low).hex(),
        "root_to": tree.root(high).hex(),
        "proof": [h.hex() for h in proof],
    }


@router.get("/channels/{channel_id}/proofs/inclusion")
async def inclusion(channel_id: str, request: Request) -> dict[str, Any]:
    """PATH(seq - 1, D[size]) over our own log (RFC 6962 section 2.1.1)."""
    service = service_of(request)
    await authenticate(request, channel_id, b"")
    seq, size = _int_param(request, "seq"), _int_param(request, "size")
    if not 1 <= seq <= size:
        raise ValidationError(f"seq {seq} is not within 1..{size}", field="seq")
    tree = await asyncio.to_thread(_tree, service, channel_id, size)
    return {
        "seq": seq,
        "size": size,
        "leaf": tree.leaf_hash(seq - 1).hex(),
        "root": tree.root(size).hex(),
        "proof": [h.hex() for h in tree.inclusion_proof(seq - 1, size)],
    }
