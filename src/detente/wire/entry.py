"""The signed entry: what one party says on a channel, and how it travels.

An entry is built as a pydantic model, turned once into RFC 8785 canonical
bytes, signed, and from then on only those bytes travel and are stored. A
receiver verifies the signature over the bytes it received *before* parsing
them, and never re-serialises a parsed model to check a signature.

An entry's identity is its RFC 6962 leaf hash, SHA-256(0x00 || payload), so
the id a peer computes is the hash that sits in the Merkle tree.

This module never does I/O and never decides whether an entry is acceptable
in sequence; that is the link protocol's job.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from detente.errors import SignatureError, UnknownKeyError, ValidationError, WireError
from detente.types import EntryId, JSONObject
from detente.wire.canonical import canonical_bytes
from detente.wire.enums import Precedence, Tier
from detente.wire.keys import SigningKey, VerifyKey, b64decode, b64encode

SCHEMA_VERSION: Final = 1
GENESIS_PREV: Final = "0" * 64
MAX_PAYLOAD_BYTES: Final = 64 * 1024
MAX_REFS: Final = 32

PartyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,8}$")]
HexId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
KeyId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
ChannelId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
KindName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Timestamp = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
]


def format_t(moment: datetime) -> str:
    """The one timestamp form entries carry: UTC, microseconds, ``Z``."""
    if moment.tzinfo is None:
        raise ValidationError("timestamps must be timezone-aware", field="t")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_t(text: str) -> datetime:
    """Inverse of ``format_t`` (``fromisoformat`` is C-fast and accepts ``Z`` since 3.11)."""
    return datetime.fromisoformat(text)


class Entry(BaseModel):
    """The signed part of an entry. Field order does not matter: JCS sorts keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: int = Field(default=SCHEMA_VERSION, ge=SCHEMA_VERSION, le=SCHEMA_VERSION)
    channel: ChannelId
    party: PartyCode
    key: KeyId
    seq: int = Field(ge=1, le=2**53 - 1)
    prev: HexId
    t: Timestamp
    precedence: Precedence
    tier: Tier
    kind: KindName
    refs: list[HexId] = Field(default_factory=list, max_length=MAX_REFS)
    body: dict[str, Any]

    @property
    def t_epoch(self) -> float:
        return parse_t(self.t).timestamp()

    def payload(self) -> bytes:
        """The canonical bytes that are signed, sent and hashed."""
        data = canonical_bytes(self.model_dump(mode="json"))
        if len(data) > MAX_PAYLOAD_BYTES:
            raise ValidationError(
                f"entry is {len(data)} bytes; the limit is {MAX_PAYLOAD_BYTES}", field="body"
            )
        return data


def entry_id(payload: bytes) -> EntryId:
    """The RFC 6962 leaf hash of the payload, hex: an entry's identity."""
    return hashlib.sha256(b"\x00" + payload).hexdigest()


@dataclass(frozen=True, slots=True)
class SignedEntry:
    """An entry as it travels and is stored: exact payload bytes plus signature."""

    entry: Entry
    payload: bytes
    sig: bytes
    id: EntryId

    def envelope(self) -> JSONObject:
        """The JSON object sent on the wire; ``payload`` is the canonical text as-is."""
        return {
            "key": self.entry.key,
            "payload": self.payload.decode("utf-8"),
            "sig": b64encode(self.sig),
        }


def sign_entry(entry: Entry, key: SigningKey) -> SignedEntry:
    """Canonicalise and sign. The entry must name the key that signs it."""
    if entry.key != key.key_id:
        raise ValidationError(f"entry names key {entry.key}, signer is {key.key_id}", field="key")
    payload = entry.payload()
    return SignedEntry(entry=entry, payload=payload, sig=key.sign(payload), id=entry_id(payload))


def open_envelope(envelope: object, keys: dict[str, VerifyKey], *, index: int = 0) -> SignedEntry:
    """Verify then parse one envelope.

    ``keys`` maps key ids the channel lists to their public keys. The signature
    is checked over the received bytes before any of them is parsed.
    """
    where = f"entries[{index}]"
    if not isinstance(envelope, dict):
        raise WireError("each entry must be an object", field=where)
    extra = set(envelope) - {"key", "payload", "sig"}
    if extra:
        raise WireError(f"unknown field(s) {sorted(extra)}", field=where)
    key_id, text, sig_text = envelope.get("key"), envelope.get("payload"), envelope.get("sig")
    if not isinstance(key_id, str) or not isinstance(text, str) or not isinstance(sig_text, str):
        raise WireError("key, payload and sig must be strings", field=where)
    try:
        payload = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise WireError("payload is not valid UTF-8", field=f"{where}.payload") from exc
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise WireError(
            f"payload is {len(payload)} bytes; the limit is {MAX_PAYLOAD_BYTES}",
            field=f"{where}.payload",
        )
    verify_key = keys.get(key_id)
    if verify_key is None:
        raise UnknownKeyError(f"key {key_id[:40]!r} is not listed by the channel", field=where)
    try:
        sig = b64decode(sig_text, field=f"{where}.sig")
    except ValidationError as exc:
        raise SignatureError(exc.reason, field=exc.field) from exc
    try:
        verify_key.verify(sig, payload)
    except SignatureError as exc:
        raise SignatureError(exc.reason, field=f"{where}.sig") from exc
    entry = _parse_payload(payload, where)
    if entry.key != key_id:
        raise WireError("payload names a different key than the envelope", field=f"{where}.key")
    if canonical_bytes(json.loads(payload)) != payload:
        raise WireError("payload is not RFC 8785 canonical JSON", field=f"{where}.payload")
    return SignedEntry(entry=entry, payload=payload, sig=sig, id=entry_id(payload))


def _parse_payload(payload: bytes, where: str) -> Entry:
    try:
        return Entry.model_validate_json(payload)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise WireError(first["msg"], field=f"{where}.payload.{loc}") from exc


def now_t() -> str:
    """The current time in entry form."""
    return format_t(datetime.now(UTC))
