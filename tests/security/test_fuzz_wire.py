"""Property-based fuzzing of the wire decoder and the strict JSON reader (hypothesis).

The only exceptions allowed out of ``open_envelope`` and ``parse_json`` are
``DetenteError`` subclasses, whatever the bytes: random envelopes, random
bytes, and (the peer's attack) arbitrary payloads *validly signed* by a
listed key, so the parser behind the signature check is fuzzed too. A
tampered envelope never opens.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.api.body import parse_json
from detente.errors import DetenteError, SignatureError, WireError
from detente.wire.canonical import canonical_bytes
from detente.wire.entry import GENESIS_PREV, Entry, now_t, open_envelope, sign_entry
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey, b64encode

KEY = SigningKey.generate()
KEYS = {KEY.key_id: KEY.verify_key}
CHANNEL = "ab" * 16

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def valid_entry_dict() -> dict[str, Any]:
    entry = Entry(
        channel=CHANNEL,
        party="CN",
        key=KEY.key_id,
        seq=1,
        prev=GENESIS_PREV,
        t=now_t(),
        precedence=Precedence.ROUTINE,
        tier=Tier.OPERATIONAL,
        kind="text",
        body={"text": "hello", "lang": "en"},
    )
    payload: dict[str, Any] = json.loads(sign_entry(entry, KEY).payload)
    return payload


VALID = sign_entry(Entry.model_validate(valid_entry_dict()), KEY)


def refusal(call: Callable[[], object]) -> DetenteError | None:
    """The DetenteError ``call`` raised, or None; any other exception fails the test."""
    try:
        call()
    except DetenteError as exc:
        return exc
    return None


def decode(envelope: object) -> None:
    refused = refusal(lambda: open_envelope(envelope, KEYS, index=7))
    if refused is not None:
        assert refused.reason  # every refusal says why
        return
    opened = open_envelope(envelope, KEYS, index=7)
    # Whatever opened was signed by KEY over exactly these bytes.
    assert isinstance(envelope, dict)
    assert opened.payload == envelope["payload"].encode("utf-8")


@settings(max_examples=200)
@given(envelope=JSON)
def test_fuzz_open_envelope_arbitrary_json(envelope: object) -> None:
    decode(envelope)


@settings(max_examples=200)
@given(
    key=st.one_of(st.just(KEY.key_id), st.text(max_size=40), JSON),
    payload=st.one_of(st.text(max_size=200), JSON),
    sig=st.one_of(st.text(max_size=100), JSON),
)
def test_fuzz_open_envelope_arbitrary_fields(key: object, payload: object, sig: object) -> None:
    decode({"key": key, "payload": payload, "sig": sig})


@settings(max_examples=200)
@given(
    changes=st.dictionaries(
        st.sampled_from([*sorted(valid_entry_dict()), "extra", "v2"]), JSON, max_size=3
    ),
    canonical=st.booleans(),
)
def test_fuzz_open_envelope_signed_arbitrary_payload(
    changes: dict[str, Any], canonical: bool
) -> None:
    """The peer signs whatever it likes with its real key; the parser must still only refuse."""
    body = {**valid_entry_dict(), **changes}
    try:
        payload = canonical_bytes(body) if canonical else json.dumps(body).encode("utf-8")
    except DetenteError:
        return
    envelope = {
        "key": KEY.key_id,
        "payload": payload.decode("utf-8"),
        "sig": b64encode(KEY.sign(payload)),
    }
    decode(envelope)


@settings(max_examples=200)
@given(
    position=st.integers(min_value=0),
    replacement=st.characters(),
    field=st.sampled_from(["payload", "sig"]),
)
def test_fuzz_open_envelope_tampered_never_opens(
    position: int, replacement: str, field: str
) -> None:
    envelope = VALID.envelope()
    text = str(envelope[field])
    at = position % len(text)
    if text[at] == replacement:
        return
    envelope[field] = text[:at] + replacement + text[at + 1 :]
    refused = refusal(lambda: open_envelope(envelope, KEYS))
    # Refused as a bad signature, or earlier as bad bytes (a sig no longer base64url).
    assert isinstance(refused, (SignatureError, WireError)), f"a tampered {field} opened"
    assert refused.field is not None


@settings(max_examples=200)
@given(raw=st.binary(max_size=400))
def test_fuzz_parse_json_arbitrary_bytes(raw: bytes) -> None:
    refused = refusal(lambda: parse_json(raw))
    assert refused is None or (isinstance(refused, WireError) and refused.field == "body")


@settings(max_examples=200)
@given(value=JSON, cut=st.integers(min_value=0), noise=st.binary(max_size=8))
def test_fuzz_parse_json_mangled_documents(value: object, cut: int, noise: bytes) -> None:
    raw = json.dumps(value).encode("utf-8")
    at = cut % (len(raw) + 1)
    mangled = raw[:at] + noise + raw[at:]
    refused = refusal(lambda: parse_json(mangled))
    if refused is not None:
        assert isinstance(refused, WireError) and refused.field == "body"
        return
    if not noise:
        assert parse_json(mangled) == json.loads(raw)


def test_fuzz_parse_json_nesting_bomb_is_refused() -> None:
    for depth in (10_000, 200_000):
        with pytest.raises(WireError, match="nested too deeply"):
            parse_json(b"[" * depth + b"]" * depth)
