"""Evidence bundles: who said what and when it was received, checkable by anyone offline.

A bundle holds, for each party's log on one channel, a contiguous run of
entries exactly as signed, a checkpoint of that log signed by its owner and
countersigned by the other party, and a range proof: the hashes left and
right of the run that, together with the run's own entries, rebuild the
checkpoint's Merkle root. So a third party holding the two public keys can
check every signature, that no entry between the first and the last was
left out (sequence numbers, the hash chain and the root all agree), and
when each entry was received (the other party's signed receipts ride along
in its own log). The file is RFC 8785 canonical JSON signed by the
exporting node, so any changed byte is caught even in fields no party
signed (names, the selection).

Layout (``v`` 1)::

    {"type": "detente/evidence", "v": 1, "channel": id, "exported_by": party,
     "exported_t": t,
     "parties": {P: {"name", "key_id", "public_key",
                     "earlier_keys"?: [{"key_id", "public_key", "until_seq",
                                        "revoked_from_seq"?}]}},
     "selection": {"from": t|null, "to": t|null, "entries": [id]|null},
     "logs": {P: {"first_seq": a, "selected": [a', b']|null, "entries": [envelope],
                  "checkpoint": {"payload", "sig"}, "cosignatures": [cosignature],
                  "range_proof": {"left": [hex], "right": [hex]}}},
     "sig": b64url}

Across key rotations: ``parties.P.key_id``/``public_key`` is P's current
key, the trust anchor a reader pins, and the only key of P that may sign
P's checkpoint, cosign the other log's checkpoint or seal the bundle.
``earlier_keys`` (optional, omitted when P never rotated) lists, oldest
first and as the exporter's keyring holds them, the keys P signed older
entries with; each may sign only entries of P's log with seq below its
``until_seq`` (one past the ``key_rotation`` entry it signed last) and,
when P revoked it, below ``revoked_from_seq``. Accepting keys only the
exporter vouches for is sound because P's checkpoint, signed with the
current key and cosigned with the other party's current key, fixes every
entry's leaf hash: an earlier key can sign nothing the current key has not
already committed to. An earlier key never counts as a witness, though:
only the exporter vouches for it, and an exporter could list a made-up
"earlier key" of the other party and forge that party's cosignature.

This module holds the format: building and sealing a bundle, and the
report a check produces. The check itself is ``detente.log.evidence_verify``.
Neither does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from detente.log.checkpoint import (
    Cosignature,
    SignedCheckpoint,
)
from detente.log.compact import CompactRange
from detente.log.tree import MerkleTree
from detente.types import JSONObject
from detente.wire.canonical import canonical_bytes
from detente.wire.keys import SigningKey, b64encode

BUNDLE_TYPE: Final = "detente/evidence"
BUNDLE_VERSION: Final = 1
TOP_FIELDS: Final = frozenset(
    {"type", "v", "channel", "exported_by", "exported_t", "parties", "selection", "logs", "sig"}
)
LOG_FIELDS: Final = frozenset(
    {"first_seq", "selected", "entries", "checkpoint", "cosignatures", "range_proof"}
)
PARTY_FIELDS: Final = frozenset({"name", "key_id", "public_key"})
EARLIER_KEYS: Final = "earlier_keys"
EARLIER_KEY_FIELDS: Final = frozenset({"key_id", "public_key", "until_seq"})
REVOKED_FROM: Final = "revoked_from_seq"


def signing_bytes(bundle: Mapping[str, Any]) -> bytes:
    """What the exporter signs: the canonical bundle without its ``sig``."""
    return canonical_bytes({k: v for k, v in bundle.items() if k != "sig"})


def earlier_key(
    key_id: str, public_key: str, until_seq: int, revoked_from_seq: int | None = None
) -> dict[str, Any]:
    """One ``earlier_keys`` record; ``revoked_from_seq`` only when the key was revoked."""
    record: dict[str, Any] = {"key_id": key_id, "public_key": public_key, "until_seq": until_seq}
    if revoked_from_seq is not None:
        record[REVOKED_FROM] = revoked_from_seq
    return record


def build_log_run(
    tree: MerkleTree,
    *,
    first_seq: int,
    envelopes: Sequence[Mapping[str, str]],
    selected: tuple[int, int] | None,
    checkpoint: SignedCheckpoint,
    cosignatures: Sequence[Cosignature],
) -> dict[str, Any]:
    """One log's part of a bundle; ``tree`` holds at least the checkpoint's leaves."""
    last_seq = first_seq + len(envelopes) - 1
    size = checkpoint.checkpoint.size
    left = CompactRange.from_leaf_hashes(tree.leaf_hash(i) for i in range(first_seq - 1))
    return {
        "first_seq": first_seq,
        "selected": list(selected) if selected else None,
        "entries": [dict(e) for e in envelopes],
        "checkpoint": checkpoint.wire(),
        "cosignatures": [c.model_dump() for c in cosignatures],
        "range_proof": {
            "left": left.to_hex_list(),
            "right": [h.hex() for h in tree.consistency_proof(last_seq, size)],
        },
    }


def seal_bundle(bundle: dict[str, Any], key: SigningKey) -> dict[str, Any]:
    """Sign the bundle as its exporter (any earlier ``sig`` is replaced)."""
    sealed = {k: v for k, v in bundle.items() if k != "sig"}
    sealed["sig"] = b64encode(key.sign(signing_bytes(sealed)))
    return sealed


def encode_bundle(bundle: Mapping[str, Any]) -> bytes:
    """The file form: canonical JSON and one newline. Pretty-printing breaks it on purpose."""
    return canonical_bytes(dict(bundle)) + b"\n"


@dataclass(frozen=True, slots=True)
class VerifiedEntry:
    """One entry whose signature, place in its log and inclusion were checked."""

    party: str
    seq: int
    id: str
    t: str
    kind: str
    precedence: str
    tier: str
    refs: tuple[str, ...]
    body: JSONObject
    selected: bool
    received_by: str | None = None
    received_by_t: str | None = None
    """The other party's receipt time: it had stored the entry no later than this."""
    receipt_id: str | None = None

    def to_dict(self) -> JSONObject:
        return {
            "party": self.party,
            "seq": self.seq,
            "id": self.id,
            "t": self.t,
            "kind": self.kind,
            "precedence": self.precedence,
            "tier": self.tier,
            "refs": list(self.refs),
            "body": self.body,
            "selected": self.selected,
            "received_by": self.received_by,
            "received_by_t": self.received_by_t,
            "receipt_id": self.receipt_id,
        }


@dataclass
class EvidenceReport:
    """Everything the check found; ``ok`` only when there is no failure at all."""

    failures: list[str] = field(default_factory=list)
    channel: str | None = None
    exported_by: str | None = None
    exported_t: str | None = None
    parties: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per party: ``name``, ``key_id``, ``fingerprint``, ``pinned`` (strings) and
    ``earlier_keys``, the ids of earlier keys that signed an entry of the bundle."""
    logs: dict[str, dict[str, Any]] = field(default_factory=dict)
    entries: list[VerifiedEntry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def fail(self, where: str, reason: str) -> None:
        self.failures.append(f"{where}: {reason}")

    def entry(self, party: str, seq: int) -> VerifiedEntry | None:
        return next((e for e in self.entries if e.party == party and e.seq == seq), None)

    def to_dict(self) -> JSONObject:
        return {
            "ok": self.ok,
            "failures": list(self.failures),
            "channel": self.channel,
            "exported_by": self.exported_by,
            "exported_t": self.exported_t,
            "parties": {p: dict(v) for p, v in self.parties.items()},
            "logs": dict(self.logs),
            "entries": [e.to_dict() for e in self.entries],
        }
