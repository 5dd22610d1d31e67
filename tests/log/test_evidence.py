"""Evidence bundles verify offline, and every kind of tampering fails with a precise reason."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.log.checkpoint import Checkpoint, cosign, open_checkpoint, sign_checkpoint
from detente.log.evidence import build_log_run, earlier_key, encode_bundle, seal_bundle
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
    earlier: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"US": [], "CN": []})
    """Each party's ``earlier_keys`` records, as an exporter's keyring would list them."""
    clock_s: int = 0

    def append(
        self, party: str, kind: str, body: dict[str, Any], *, key: SigningKey | None = None
    ) -> SignedEntry:
        log = self.logs[party]
        self.clock_s += 7
        key = key or self.keys[party]
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

    def say(self, party: str, text: str, *, key: SigningKey | None = None) -> SignedEntry:
        return self.append(party, "text", {"text": text, "lang": "en"}, key=key)

    def rotate(self, party: str) -> SigningKey:
        """A ``key_rotation`` entry signed by the current key, then a new key; returns the old."""
        old, new = self.keys[party], SigningKey.generate()
        rotation = self.append(
            party,
            "key_rotation",
            {"new_key_id": new.key_id, "new_public_key": new.verify_key.b64()},
        )
        # As keyring.rotate records it: the old key signs up to the rotation entry.
        self.earlier[party].append(
            earlier_key(old.key_id, old.verify_key.b64(), rotation.entry.seq + 1)
        )
        self.keys[party] = new
        return old

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
        "parties": {p: party_of(world, p) for p in world.keys},
        "selection": {"from": None, "to": None, "entries": None},
        "logs": parts,
    }
    return seal_bundle(bundle, world.keys[exporter])


def party_of(world: World, party: str) -> dict[str, Any]:
    key = world.keys[party]
    info: dict[str, Any] = {
        "name": f"{party} node",
        "key_id": key.key_id,
        "public_key": key.verify_key.b64(),
    }
    if world.earlier[party]:
        info["earlier_keys"] = copy.deepcopy(world.earlier[party])
    return info


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


# Across key rotations ---------------------------------------------------------


def rotated_conversation() -> tuple[World, SigningKey]:
    """US rotates at its seq 5 (old key signs 1..5), then both talk on; returns US's old key."""
    world = conversation(rounds=2)
    old = world.rotate("US")
    world.receipt("CN", "US")
    for n in range(2):
        world.say("US", f"US statement {n} with the new key")
        world.receipt("CN", "US")
        world.say("CN", f"CN statement {n} after the rotation")
        world.receipt("US", "CN")
    return world, old


ROTATED, US_OLD = rotated_conversation()
ROTATED_BUNDLE = bundle_of(ROTATED)


def resealed(bundle: dict[str, Any]) -> dict[str, Any]:
    return seal_bundle(bundle, ROTATED.keys["US"])


def test_evidence_bundle_spanning_a_rotation_verifies_with_the_earlier_key_listed() -> None:
    assert ROTATED.logs["US"][4].entry.kind == "key_rotation"
    assert ROTATED.logs["US"][4].entry.key == US_OLD.key_id
    assert ROTATED.logs["US"][5].entry.key == ROTATED.keys["US"].key_id
    report = verify_bundle(
        encode_bundle(ROTATED_BUNDLE), keys={p: k.verify_key for p, k in ROTATED.keys.items()}
    )
    assert report.ok, report.failures
    assert report.parties["US"]["earlier_keys"] == [US_OLD.key_id]
    assert report.parties["CN"]["earlier_keys"] == []
    assert report.to_dict()["parties"]["US"]["earlier_keys"] == [US_OLD.key_id]  # type: ignore[index, call-overload]
    assert [e.seq for e in report.entries if e.party == "US"] == list(range(1, 10))
    first = report.entry("US", 1)
    assert first is not None and first.received_by == "CN"
    # A run after the rotation verifies too, and relies on no earlier key.
    later = verify_bundle(encode_bundle(bundle_of(ROTATED, {"US": (6, 9), "CN": (6, 9)})))
    assert later.ok, later.failures
    assert later.parties["US"]["earlier_keys"] == []


def test_evidence_bundle_pinned_earlier_key_is_no_anchor() -> None:
    (failure,) = failures(ROTATED_BUNDLE, keys={"US": US_OLD.verify_key})[:1]
    assert failure == (
        f"parties.US.public_key: is key {ROTATED.keys['US'].key_id}, "
        f"not the key {US_OLD.key_id} you supplied for US"
    )


def test_evidence_bundle_without_earlier_keys_refuses_entries_of_the_old_key() -> None:
    bundle = copy.deepcopy(ROTATED_BUNDLE)
    del bundle["parties"]["US"]["earlier_keys"]
    found = failures(resealed(bundle))
    assert found[:5] == [
        f"logs.US.entries[{i}]: key {US_OLD.key_id!r} is not listed in parties.US, "
        "neither as its current key nor as an earlier one"
        for i in range(5)
    ]
    assert len(found) == 5


def test_evidence_bundle_earlier_key_signing_after_its_rotation_fails() -> None:
    """What a thief holding the rotated-out key would sign, even inside a genuine checkpoint."""
    world, old = rotated_conversation()
    forged = world.say("US", "signed with the rotated-out key", key=old)
    seq = forged.entry.seq
    found = failures(bundle_of(world))
    assert found == [
        f"logs.US.entries[{seq - 1}]: seq {seq} is signed by US's earlier key {old.key_id}, "
        "which had been rotated out at seq 5: it signs only seqs below 6"
    ]


def test_evidence_bundle_entry_of_a_revoked_earlier_key_fails() -> None:
    bundle = copy.deepcopy(ROTATED_BUNDLE)
    bundle["parties"]["US"]["earlier_keys"][0]["revoked_from_seq"] = 3
    found = failures(resealed(bundle))
    assert found == [
        f"logs.US.entries[{seq - 1}]: seq {seq} is signed by US's earlier key "
        f"{US_OLD.key_id}, which US revoked from seq 3"
        for seq in (3, 4, 5)
    ]


def test_evidence_bundle_checkpoint_signed_by_an_earlier_key_fails() -> None:
    """A checkpoint under the old key, even genuinely cosigned, is not the anchor."""
    bundle = copy.deepcopy(ROTATED_BUNDLE)
    log = ROTATED.logs["US"]
    stale = sign_checkpoint(
        Checkpoint(
            channel=CHANNEL,
            party="US",
            key=US_OLD.key_id,
            size=len(log),
            root=MerkleTree([bytes.fromhex(e.id) for e in log]).root().hex(),
            t=format_t(START + timedelta(hours=1)),
        ),
        US_OLD,
    )
    bundle["logs"]["US"]["checkpoint"] = stale.wire()
    bundle["logs"]["US"]["cosignatures"] = [
        cosign(stale, "CN", ROTATED.keys["CN"], format_t(START + timedelta(hours=1))).model_dump()
    ]
    assert failures(resealed(bundle)) == [
        f"logs.US.checkpoint.sig: names US's earlier key {US_OLD.key_id}, but only US's "
        f"current key {ROTATED.keys['US'].key_id} may sign the checkpoint, whose root "
        "vouches for what earlier keys signed"
    ]


def test_evidence_bundle_sealed_with_an_earlier_key_fails() -> None:
    assert failures(seal_bundle(ROTATED_BUNDLE, US_OLD)) == [
        f"sig: is made with US's earlier key {US_OLD.key_id}, but only its current key "
        f"{ROTATED.keys['US'].key_id} may seal a bundle"
    ]


def test_evidence_bundle_earlier_key_not_matching_its_id_fails() -> None:
    bundle = copy.deepcopy(ROTATED_BUNDLE)
    impostor = SigningKey.generate()
    bundle["parties"]["US"]["earlier_keys"][0]["public_key"] = impostor.verify_key.b64()
    found = failures(resealed(bundle))
    assert found[0] == (
        f"parties.US.earlier_keys[0].key_id: is not the id of the public key ({impostor.key_id})"
    )
    # The key left out, the entries it signed are signed by no listed key.
    assert found[1].startswith(f"logs.US.entries[0]: key {US_OLD.key_id!r} is not listed")


def test_evidence_bundle_entries_re_signed_with_a_made_up_earlier_key_fail() -> None:
    """A consistent but invented earlier key cannot rewrite history: the root holds the leaves."""
    bundle = copy.deepcopy(ROTATED_BUNDLE)
    impostor = SigningKey.generate()
    bundle["parties"]["US"]["earlier_keys"].append(
        earlier_key(impostor.key_id, impostor.verify_key.b64(), 6)
    )
    genuine = ROTATED.logs["US"][0].entry
    altered = genuine.model_copy(
        update={"key": impostor.key_id, "body": {"text": "US never said this", "lang": "en"}}
    )
    bundle["logs"]["US"]["entries"][0] = sign_entry(altered, impostor).envelope()
    found = failures(resealed(bundle))
    assert "logs.US.entries[1]: prev " in found[0] and "the hash chain is broken" in found[0]
    assert any(f.startswith("logs.US.range_proof: entries 1..9 do not lead") for f in found)


def test_evidence_bundle_cosignature_by_an_earlier_key_of_the_witness_fails() -> None:
    world = conversation(rounds=2)
    cn_old = world.rotate("CN")
    world.receipt("US", "CN")
    world.say("CN", "CN after its rotation")
    world.receipt("US", "CN")
    bundle = bundle_of(world)
    assert verify_bundle(encode_bundle(bundle)).ok
    us_key = world.keys["US"]
    signed = open_checkpoint(bundle["logs"]["US"]["checkpoint"], {us_key.key_id: us_key.verify_key})
    invented = SigningKey.generate()
    for old in (cn_old, invented):  # a stolen old key, or one the exporter made up and listed
        forged = copy.deepcopy(bundle)
        forged["parties"]["CN"]["earlier_keys"] = [
            *world.earlier["CN"],
            *([earlier_key(old.key_id, old.verify_key.b64(), 1)] if old is invented else []),
        ]
        forged["logs"]["US"]["cosignatures"] = [
            cosign(signed, "CN", old, format_t(START + timedelta(hours=1))).model_dump()
        ]
        assert failures(seal_bundle(forged, us_key)) == [
            f"logs.US.cosignatures[0].key: names CN's earlier key {old.key_id}, but only CN's "
            f"current key {world.keys['CN'].key_id} may witness: the exporter alone lists "
            "earlier keys, and could make one up",
            "logs.US.cosignatures: US's checkpoint carries no valid cosignature by another party",
        ]


@pytest.mark.parametrize(
    ("field_", "value", "expected"),
    [
        ("until_seq", 0, "parties.US.earlier_keys[0].until_seq: must be an integer of at least 1"),
        (
            "until_seq",
            True,
            "parties.US.earlier_keys[0].until_seq: must be an integer of at least 1",
        ),
        (
            "revoked_from_seq",
            "3",
            "parties.US.earlier_keys[0].revoked_from_seq: must be an integer of at least 1",
        ),
        (
            "note",
            "x",
            "parties.US.earlier_keys[0]: must be an object with exactly key_id, public_key "
            "and until_seq (and revoked_from_seq if the key was revoked)",
        ),
    ],
)
def test_evidence_bundle_malformed_earlier_key_fails(
    field_: str, value: Any, expected: str
) -> None:
    bundle = copy.deepcopy(ROTATED_BUNDLE)
    bundle["parties"]["US"]["earlier_keys"][0][field_] = value
    assert failures(resealed(bundle))[0] == expected


def test_evidence_bundle_current_key_listed_as_earlier_fails() -> None:
    bundle = copy.deepcopy(ROTATED_BUNDLE)
    current = ROTATED.keys["US"]
    bundle["parties"]["US"]["earlier_keys"].append(
        earlier_key(current.key_id, current.verify_key.b64(), 6)
    )
    bundle["parties"]["CN"]["earlier_keys"] = {}
    found = failures(resealed(bundle))
    assert found == [
        "parties.CN.earlier_keys: must be a list",
        "parties.US.earlier_keys[1].key_id: is the party's current key, not an earlier one",
    ]
