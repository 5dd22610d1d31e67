"""Evidence bundles verify offline, and every kind of tampering fails with a precise reason."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from detente.log.checkpoint import Checkpoint, cosign, sign_checkpoint
from detente.log.evidence import build_log_run, encode_bundle, seal_bundle
from detente.log.evidence_verify import verify_bundle
from detente.log.tree import MerkleTree
from detente.wire.entry import GENESIS_PREV, Entry, SignedEntry, format_t, sign_entry
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey

CHANNEL = "5e" * 16
START = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


@dataclass
class World:
    """Two parties' logs of one conversation, built in memory with real keys."""

    keys: dict[str, SigningKey] = field(
        default_factory=lambda: {"US": SigningKey.generate(), "CN": SigningKey.generate()}
    )
    logs: dict[str, list[SignedEntry]] = field(default_factory=lambda: {"US": [], "CN": []})
    clock_s: int = 0

    def append(self, party: str, kind: str, body: dict[str, Any]) -> SignedEntry:
        log = self.logs[party]
        self.clock_s += 7
        key = self.keys[party]
        item = sign_entry(
            Entry(
                channel=CHANNEL,
                party=party,
                key=key.key_id,
                seq=len(log) + 1,
                prev=log[-1].id if log else GENESIS_PREV,
                t=format_t(START + timedelta(seconds=self.clock_s)),
                precedence=Precedence.ROUTINE,
                tier=Tier.OPERATIONAL,
                kind=kind,
                body=body,
            ),
            key,
        )
        log.append(item)
        return item

    def say(self, party: str, text: str) -> SignedEntry:
        return self.append(party, "text", {"text": text, "lang": "en"})

    def receipt(self, reader: str, author: str, *, up_to_id: str | None = None) -> SignedEntry:
        last = self.logs[author][-1]
        return self.append(
            reader,
            "receipt",
            {"of": author, "up_to_seq": last.entry.seq, "up_to_id": up_to_id or last.id},
        )


def conversation(rounds: int = 4) -> World:
    world = World()
    for n in range(rounds):
        world.say("US", f"US statement {n}")
        world.receipt("CN", "US")
        world.say("CN", f"CN statement {n}")
        world.receipt("US", "CN")
    return world


def bundle_of(
    world: World,
    runs: dict[str, tuple[int, int]] | None = None,
    *,
    exporter: str = "US",
) -> dict[str, Any]:
    runs = runs or {p: (1, len(log)) for p, log in world.logs.items()}
    parts = {}
    for party, (low, high) in runs.items():
        log = world.logs[party]
        tree = MerkleTree([bytes.fromhex(e.id) for e in log])
        key = world.keys[party]
        signed = sign_checkpoint(
            Checkpoint(
                channel=CHANNEL,
                party=party,
                key=key.key_id,
                size=len(log),
                root=tree.root().hex(),
                t=format_t(START + timedelta(hours=1)),
            ),
            key,
        )
        witness = "CN" if party == "US" else "US"
        cosignature = cosign(
            signed, witness, world.keys[witness], format_t(START + timedelta(hours=1, seconds=1))
        )
        parts[party] = build_log_run(
            tree,
            first_seq=low,
            envelopes=[e.envelope() for e in log[low - 1 : high]],  # type: ignore[misc]
            selected=(low, high),
            checkpoint=signed,
            cosignatures=[cosignature],
        )
    bundle = {
        "type": "detente/evidence",
        "v": 1,
        "channel": CHANNEL,
        "exported_by": exporter,
        "exported_t": format_t(START + timedelta(hours=2)),
        "parties": {
            p: {"name": f"{p} node", "key_id": k.key_id, "public_key": k.verify_key.b64()}
            for p, k in world.keys.items()
        },
        "selection": {"from": None, "to": None, "entries": None},
        "logs": parts,
    }
    return seal_bundle(bundle, world.keys[exporter])


def failures(bundle: dict[str, Any], **kw: Any) -> list[str]:
    report = verify_bundle(encode_bundle(bundle), **kw)
    assert not report.ok
    return report.failures


WORLD = conversation()
GOOD = bundle_of(WORLD)
GOOD_BYTES = encode_bundle(GOOD)
GOOD_REPORT = verify_bundle(GOOD_BYTES)


def test_evidence_bundle_verifies_offline_and_exposes_entries() -> None:
    report = verify_bundle(GOOD_BYTES)
    assert report.ok, report.failures
    assert report.parties["US"]["key_id"] == WORLD.keys["US"].key_id
    assert len(report.entries) == 16
    first = report.entry("US", 1)
    assert first is not None
    assert first.body == {"text": "US statement 0", "lang": "en"}
    assert first.kind == "text" and first.refs == ()
    # CN's signed receipt dates it: CN had stored US seq 1 by the receipt's time.
    assert first.received_by == "CN"
    assert first.received_by_t == WORLD.logs["CN"][0].entry.t
    assert first.receipt_id == WORLD.logs["CN"][0].id
    assert report.logs["CN"]["witnesses"] == ["US"]


def test_evidence_bundle_of_a_middle_run_verifies() -> None:
    report = verify_bundle(encode_bundle(bundle_of(WORLD, {"US": (3, 6), "CN": (2, 5)})))
    assert report.ok, report.failures
    assert [e.seq for e in report.entries if e.party == "US"] == [3, 4, 5, 6]


def test_evidence_bundle_pinned_keys_must_match() -> None:
    keys = {"US": WORLD.keys["US"].verify_key, "CN": SigningKey.generate().verify_key}
    failure = failures(GOOD, keys=keys)[0]
    assert failure.startswith("parties.CN.public_key: is key ")
    assert "not the key" in failure
    assert verify_bundle(GOOD_BYTES, keys={p: k.verify_key for p, k in WORLD.keys.items()}).ok


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_evidence_bundle_with_any_byte_changed_fails(data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(GOOD_BYTES) - 1), label="offset")
    value = data.draw(st.integers(0, 255).filter(lambda b: b != GOOD_BYTES[at]), label="byte")
    changed = GOOD_BYTES[:at] + bytes([value]) + GOOD_BYTES[at + 1 :]
    report = verify_bundle(changed)
    assert not report.ok
    assert all(": " in f for f in report.failures)


def test_evidence_bundle_pretty_printed_is_refused_as_not_canonical() -> None:
    pretty = json.dumps(GOOD, indent=2).encode()
    (failure,) = verify_bundle(pretty).failures
    assert failure.startswith("bundle: not RFC 8785 canonical")


def test_evidence_bundle_removed_entry_is_named_even_when_resealed() -> None:
    bundle = copy.deepcopy(GOOD)
    del bundle["logs"]["CN"]["entries"][3]
    found = failures(seal_bundle(bundle, WORLD.keys["US"]))
    assert (
        "logs.CN.entries[3]: seq 5 where 4 was expected: seq 4 missing between 3 and 5"
        in (found[0])
    )
    assert any(f.startswith("logs.CN.range_proof: entries 1..7 do not lead") for f in found)
    # Not resealed: the exporter's signature fails as well.
    assert failures(bundle)[-1].startswith("sig: the exporter US's signature over the bundle")


def test_evidence_bundle_removed_last_entry_fails_range_proof() -> None:
    bundle = copy.deepcopy(GOOD)
    bundle["logs"]["US"]["entries"].pop()
    found = failures(seal_bundle(bundle, WORLD.keys["US"]))
    assert found == [
        "logs.US.selected: must be [a, b] with 1 <= a <= b <= 7",
        "logs.US.range_proof: entries 1..7 do not lead to the checkpoint root "
        f"{GOOD_REPORT.logs['US']['checkpoint']['root'][:16]}… of size 8: "
        "proof has 0 hashes, expected 4",
    ]


def test_evidence_bundle_changed_entry_fails_its_signature() -> None:
    bundle = copy.deepcopy(GOOD)
    envelope = bundle["logs"]["US"]["entries"][2]
    envelope["payload"] = envelope["payload"].replace("US statement 1", "US statement 9")
    found = failures(seal_bundle(bundle, WORLD.keys["US"]))
    assert found[0] == (
        f"logs.US.entries[2]: signature does not verify with US's key {WORLD.keys['US'].key_id}"
    )


def test_evidence_bundle_checkpoint_signed_by_wrong_key_fails() -> None:
    bundle = copy.deepcopy(GOOD)
    impostor = SigningKey.generate()
    cp = Checkpoint(
        channel=CHANNEL,
        party="US",
        key=WORLD.keys["US"].key_id,
        size=8,
        root="ab" * 32,
        t=format_t(START),
    )
    forged = sign_checkpoint(cp.model_copy(update={"key": impostor.key_id}), impostor)
    bundle["logs"]["US"]["checkpoint"] = forged.wire()
    found = failures(seal_bundle(bundle, WORLD.keys["US"]))
    assert found == [
        f"logs.US.checkpoint.sig: signature does not verify with US's key {WORLD.keys['US'].key_id}"
    ]


def test_evidence_bundle_forged_checkpoint_by_owner_lacks_witness() -> None:
    """The owner re-signs a different root: its own signature holds, the witness's does not."""
    bundle = copy.deepcopy(GOOD)
    key = WORLD.keys["US"]
    forged = sign_checkpoint(
        Checkpoint(
            channel=CHANNEL, party="US", key=key.key_id, size=8, root="ab" * 32, t=format_t(START)
        ),
        key,
    )
    bundle["logs"]["US"]["checkpoint"] = forged.wire()
    found = failures(seal_bundle(bundle, key))
    assert found[0] == (
        f"logs.US.cosignatures[0].sig: cosignature by CN does not verify with key "
        f"{WORLD.keys['CN'].key_id}"
    )
    assert found[1] == (
        "logs.US.cosignatures: US's checkpoint carries no valid cosignature by another party"
    )
    assert found[2].startswith("logs.US.range_proof: entries 1..8 do not lead")


def test_evidence_bundle_swapped_range_proof_fails() -> None:
    bundle = copy.deepcopy(bundle_of(WORLD, {"US": (3, 6), "CN": (2, 5)}))
    other = bundle_of(WORLD, {"US": (3, 6), "CN": (3, 6)})
    bundle["logs"]["CN"]["range_proof"] = other["logs"]["CN"]["range_proof"]
    found = failures(seal_bundle(bundle, WORLD.keys["US"]))
    assert len(found) == 1
    assert found[0].startswith("logs.CN.range_proof: entries 2..5 do not lead to the checkpoint")


def test_evidence_bundle_receipt_naming_another_entry_fails() -> None:
    world = World()
    world.say("US", "first")
    world.receipt("CN", "US", up_to_id="99" * 32)
    found = failures(bundle_of(world))
    assert found == [
        "logs.CN.entries[0]: receipt says US seq 1 is 9999999999999999…, but the bundle's "
        f"US seq 1 is {world.logs['US'][0].id[:16]}…"
    ]


def test_evidence_bundle_foreign_entry_in_log_fails() -> None:
    bundle = copy.deepcopy(GOOD)
    bundle["logs"]["US"]["entries"][1] = bundle["logs"]["CN"]["entries"][1]
    found = failures(seal_bundle(bundle, WORLD.keys["US"]))
    assert found[0].startswith("logs.US.entries[1]: unknown_key") or found[0].startswith(
        "logs.US.entries[1]: key "
    )


def test_evidence_bundle_selection_naming_missing_entry_fails() -> None:
    bundle = copy.deepcopy(GOOD)
    bundle["selection"]["entries"] = ["77" * 32]
    assert failures(seal_bundle(bundle, WORLD.keys["US"])) == [
        "selection.entries[0]: entry 7777777777777777… is not in the bundle"
    ]


LONG = conversation(rounds=9)  # 18 entries in each log


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_evidence_bundle_any_contiguous_run_verifies_and_any_shift_fails(
    data: st.DataObject,
) -> None:
    runs = {}
    for party in ("US", "CN"):
        low = data.draw(st.integers(1, 18), label=f"{party} first")
        runs[party] = (low, data.draw(st.integers(low, 18), label=f"{party} last"))
    bundle = bundle_of(LONG, runs)
    assert verify_bundle(encode_bundle(bundle)).ok
    # Claiming the same entries sit one place later breaks the sequence and the proof.
    shifted = copy.deepcopy(bundle)
    shifted["logs"]["US"]["first_seq"] += 1
    found = failures(seal_bundle(shifted, LONG.keys["US"]))
    assert found[0].startswith("logs.US.entries[0]: seq ")
