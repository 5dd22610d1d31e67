"""Signed checkpoints and cosignatures: exact bytes, named failures, no cross-use."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import SignatureError, ValidationError, WireError
from detente.log.checkpoint import (
    Checkpoint,
    cosign,
    open_checkpoint,
    sign_checkpoint,
    verify_cosignature,
)
from detente.wire.entry import open_envelope
from detente.wire.keys import SigningKey

KEY = SigningKey.generate()
WITNESS = SigningKey.generate()
CHANNEL = "c0" * 16
T = "2026-11-27T07:30:00.123456Z"


def _checkpoint(size: int = 12, root: str = "ab" * 32, key: SigningKey = KEY) -> Checkpoint:
    return Checkpoint(channel=CHANNEL, party="CN", key=key.key_id, size=size, root=root, t=T)


def _keys(key: SigningKey = KEY) -> dict[str, object]:
    return {key.key_id: key.verify_key}


@settings(max_examples=100, deadline=None)
@given(size=st.integers(0, 2**53 - 1), root=st.binary(min_size=32, max_size=32))
def test_checkpoint_sign_then_open_round_trips(size: int, root: bytes) -> None:
    signed = sign_checkpoint(_checkpoint(size, root.hex()), KEY)
    opened = open_checkpoint(signed.wire(), _keys())  # type: ignore[arg-type]
    assert opened.checkpoint == signed.checkpoint
    assert opened.payload == signed.payload
    assert opened.digest == signed.digest


def test_checkpoint_payload_is_canonical_and_typed() -> None:
    payload = sign_checkpoint(_checkpoint(), KEY).payload
    data = json.loads(payload)
    assert data["type"] == "detente/checkpoint"
    assert list(data) == sorted(data)


def test_checkpoint_signed_by_other_key_is_refused() -> None:
    impostor = SigningKey.generate()
    signed = sign_checkpoint(_checkpoint(key=impostor), impostor)
    with pytest.raises(SignatureError) as caught:
        open_checkpoint(signed.wire(), _keys())  # type: ignore[arg-type]
    assert caught.value.field == "checkpoint.sig"
    assert KEY.key_id in caught.value.reason


def test_checkpoint_with_changed_payload_fails_signature() -> None:
    wire = sign_checkpoint(_checkpoint(size=12), KEY).wire()
    wire["payload"] = str(wire["payload"]).replace('"size":12', '"size":13')
    with pytest.raises(SignatureError):
        open_checkpoint(wire, _keys())  # type: ignore[arg-type]


def test_checkpoint_naming_other_key_than_signer_is_refused() -> None:
    other = SigningKey.generate()
    with pytest.raises(ValidationError) as caught:
        sign_checkpoint(_checkpoint(key=other), KEY)
    assert caught.value.field == "key"
    # Signed by KEY but naming ``other``: the payload's key did not sign it.
    payload = _checkpoint(key=other).payload()
    from detente.wire.keys import b64encode

    wire = {"payload": payload.decode(), "sig": b64encode(KEY.sign(payload))}
    with pytest.raises(WireError) as refused:
        open_checkpoint(wire, _keys())  # type: ignore[arg-type]
    assert refused.value.field == "checkpoint.key"


def test_checkpoint_wire_with_extra_field_is_refused() -> None:
    wire = sign_checkpoint(_checkpoint(), KEY).wire()
    wire["cosignatures"] = []
    with pytest.raises(WireError, match="exactly 'payload' and 'sig'"):
        open_checkpoint(wire, _keys())  # type: ignore[arg-type]


def test_checkpoint_signature_cannot_pass_as_entry() -> None:
    wire = sign_checkpoint(_checkpoint(), KEY).wire()
    envelope = {"key": KEY.key_id, **wire}
    with pytest.raises(WireError):
        open_envelope(envelope, _keys())  # type: ignore[arg-type]


def test_cosignature_verifies_for_exactly_that_checkpoint() -> None:
    signed = sign_checkpoint(_checkpoint(), KEY)
    cosignature = cosign(signed, "US", WITNESS, T)
    verify_cosignature(signed, cosignature, WITNESS.verify_key, field="c")
    other = sign_checkpoint(_checkpoint(root="cd" * 32), KEY)
    with pytest.raises(SignatureError) as caught:
        verify_cosignature(other, cosignature, WITNESS.verify_key, field="c")
    assert caught.value.reason == f"cosignature by US does not verify with key {WITNESS.key_id}"
    assert caught.value.field == "c.sig"


def test_cosignature_by_wrong_key_names_both_keys() -> None:
    signed = sign_checkpoint(_checkpoint(), KEY)
    cosignature = cosign(signed, "US", SigningKey.generate(), T)
    with pytest.raises(SignatureError) as caught:
        verify_cosignature(signed, cosignature, WITNESS.verify_key, field="c")
    assert caught.value.field == "c.key"
    assert WITNESS.key_id in caught.value.reason


def test_cosignature_with_changed_time_fails() -> None:
    signed = sign_checkpoint(_checkpoint(), KEY)
    cosignature = cosign(signed, "US", WITNESS, T)
    moved = cosignature.model_copy(update={"t": "2026-11-27T07:30:01.123456Z"})
    with pytest.raises(SignatureError):
        verify_cosignature(signed, moved, WITNESS.verify_key, field="c")
