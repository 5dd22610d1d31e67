"""Signing and opening entries: the bytes that travel are the bytes that are verified."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import SignatureError, UnknownKeyError, ValidationError, WireError
from detente.wire.entry import GENESIS_PREV, Entry, entry_id, now_t, open_envelope, sign_entry
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey

CHANNEL = "ab" * 16


def make_entry(key: SigningKey, **changes: object) -> Entry:
    fields: dict[str, object] = {
        "channel": CHANNEL,
        "party": "US",
        "key": key.key_id,
        "seq": 1,
        "prev": GENESIS_PREV,
        "t": now_t(),
        "precedence": Precedence.FLASH,
        "tier": Tier.OPERATIONAL,
        "kind": "text",
        "body": {"text": "hello 你好", "lang": "en"},
    }
    fields.update(changes)
    return Entry.model_validate(fields)


def test_open_envelope_round_trip_keeps_identity() -> None:
    key = SigningKey.generate()
    signed = sign_entry(make_entry(key), key)
    opened = open_envelope(signed.envelope(), {key.key_id: key.verify_key})
    assert opened.id == signed.id == entry_id(signed.payload)
    assert opened.entry == signed.entry


def test_open_envelope_rejects_changed_payload_byte() -> None:
    key = SigningKey.generate()
    envelope = sign_entry(make_entry(key), key).envelope()
    envelope["payload"] = str(envelope["payload"]).replace("hello", "hellO")
    with pytest.raises(SignatureError) as info:
        open_envelope(envelope, {key.key_id: key.verify_key})
    assert info.value.field == "entries[0].sig"


def test_open_envelope_rejects_unknown_key() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    envelope = sign_entry(make_entry(key), key).envelope()
    with pytest.raises(UnknownKeyError):
        open_envelope(envelope, {other.key_id: other.verify_key})


def test_open_envelope_rejects_signature_of_another_key_under_listed_id() -> None:
    key, thief = SigningKey.generate(), SigningKey.generate()
    entry = make_entry(key)
    payload = entry.payload()
    from detente.wire.keys import b64encode

    envelope = {
        "key": key.key_id,
        "payload": payload.decode(),
        "sig": b64encode(thief.sign(payload)),
    }
    with pytest.raises(SignatureError):
        open_envelope(envelope, {key.key_id: key.verify_key})


def test_open_envelope_rejects_non_canonical_payload_even_if_signed() -> None:
    key = SigningKey.generate()
    entry = make_entry(key)
    loose = json.dumps(entry.model_dump(mode="json"), indent=1).encode()
    from detente.wire.keys import b64encode

    envelope = {"key": key.key_id, "payload": loose.decode(), "sig": b64encode(key.sign(loose))}
    with pytest.raises(WireError, match="canonical"):
        open_envelope(envelope, {key.key_id: key.verify_key})


def test_open_envelope_rejects_extra_envelope_field() -> None:
    key = SigningKey.generate()
    envelope = dict(sign_entry(make_entry(key), key).envelope())
    envelope["note"] = "x"
    with pytest.raises(WireError, match="unknown field"):
        open_envelope(envelope, {key.key_id: key.verify_key})


def test_sign_entry_refuses_key_mismatch() -> None:
    key, other = SigningKey.generate(), SigningKey.generate()
    with pytest.raises(ValidationError) as info:
        sign_entry(make_entry(other), key)
    assert info.value.field == "key"


def test_entry_rejects_oversized_body() -> None:
    key = SigningKey.generate()
    with pytest.raises(ValidationError, match="limit"):
        make_entry(key, body={"text": "x" * 70_000, "lang": "en"}).payload()


def test_signing_key_repr_hides_secret() -> None:
    key = SigningKey.generate()
    assert key.private_bytes().hex() not in repr(key)


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=1, max_size=200), flip=st.integers(min_value=0, max_value=10_000))
def test_open_envelope_any_tampered_byte_fails(text: str, flip: int) -> None:
    key = SigningKey.generate()
    signed = sign_entry(make_entry(key, body={"text": text, "lang": "en"}), key)
    raw = bytearray(signed.payload)
    raw[flip % len(raw)] ^= 0x01
    try:
        tampered = raw.decode("utf-8")
    except UnicodeDecodeError:
        return  # cannot even travel as JSON text
    envelope = {"key": key.key_id, "payload": tampered, "sig": signed.envelope()["sig"]}
    with pytest.raises((SignatureError, WireError)):
        open_envelope(envelope, {key.key_id: key.verify_key})
