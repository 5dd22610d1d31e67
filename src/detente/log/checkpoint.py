"""Signed checkpoints of a log and the witnesses' cosignatures over them.

A checkpoint is a party's signed statement "my log on this channel had
``size`` entries with Merkle root ``root`` at time ``t``". Like an entry it
is turned once into RFC 8785 canonical bytes and only those bytes are
signed, sent and stored; a receiver verifies the signature over the bytes it
received before parsing them.

A cosignature is a witness's signature over the SHA-256 of those exact
checkpoint bytes, so it vouches for one checkpoint and nothing else. Both
messages carry a ``type`` field, which an entry can never have (entries
forbid extra fields), so no signature can be replayed as another kind.

This module never does I/O and never decides whether a checkpoint is
consistent with a log: that is the witness's job (``detente.node.witness``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from detente.errors import SignatureError, ValidationError, WireError
from detente.types import JSONObject
from detente.wire.canonical import canonical_bytes, parse_canonical
from detente.wire.entry import ChannelId, HexId, KeyId, PartyCode, Timestamp, parse_t
from detente.wire.keys import SigningKey, VerifyKey, b64decode, b64encode

CHECKPOINT_TYPE: Final = "detente/checkpoint"
COSIGNATURE_TYPE: Final = "detente/cosignature"
MAX_CHECKPOINT_BYTES: Final = 4096

Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Checkpoint(BaseModel):
    """The signed part of a checkpoint: a tree head of one party's log."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["detente/checkpoint"] = CHECKPOINT_TYPE
    v: int = Field(default=1, ge=1, le=1)
    channel: ChannelId
    party: PartyCode
    key: KeyId
    size: int = Field(ge=0, le=2**53 - 1)
    root: HexId
    t: Timestamp

    @property
    def t_epoch(self) -> float:
        return parse_t(self.t).timestamp()

    def payload(self) -> bytes:
        return canonical_bytes(self.model_dump(mode="json"))


class Cosignature(BaseModel):
    """A witness's countersignature, as it travels and as bundles carry it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    witness: PartyCode
    key: KeyId
    t: Timestamp
    sig: str = Field(min_length=1, max_length=200)

    @property
    def t_epoch(self) -> float:
        return parse_t(self.t).timestamp()


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint with its exact signed bytes and the signer's signature."""

    checkpoint: Checkpoint
    payload: bytes
    sig: bytes

    @property
    def digest(self) -> str:
        """SHA-256 of the signed bytes: what a cosignature is over."""
        return hashlib.sha256(self.payload).hexdigest()

    def wire(self) -> JSONObject:
        """``{"payload": canonical text, "sig": b64url}``: the form sent and bundled."""
        return {"payload": self.payload.decode("utf-8"), "sig": b64encode(self.sig)}


def sign_checkpoint(checkpoint: Checkpoint, key: SigningKey) -> SignedCheckpoint:
    """Canonicalise and sign; the checkpoint must name the key that signs it."""
    if checkpoint.key != key.key_id:
        raise ValidationError(
            f"checkpoint names key {checkpoint.key}, signer is {key.key_id}", field="key"
        )
    payload = checkpoint.payload()
    return SignedCheckpoint(checkpoint, payload, key.sign(payload))


def open_checkpoint(
    wire: object, keys: dict[str, VerifyKey], *, field: str = "checkpoint"
) -> SignedCheckpoint:
    """Verify then parse a checkpoint in wire form; every failure names its field.

    ``keys`` maps the key ids allowed to sign it to their public keys; the
    key id is read from the payload only after the signature check, by
    trying the single key the caller allows when there is one.
    """
    if not isinstance(wire, dict) or set(wire) != {"payload", "sig"}:
        raise WireError("must be an object with exactly 'payload' and 'sig'", field=field)
    text, sig_text = wire["payload"], wire["sig"]
    if not isinstance(text, str) or not isinstance(sig_text, str):
        raise WireError("payload and sig must be strings", field=field)
    payload = text.encode("utf-8")
    if len(payload) > MAX_CHECKPOINT_BYTES:
        raise WireError(f"payload is {len(payload)} bytes; too large", field=f"{field}.payload")
    try:
        sig = b64decode(sig_text, field=f"{field}.sig")
    except ValidationError as exc:
        raise SignatureError(exc.reason, field=exc.field) from exc
    if not keys:
        raise SignatureError("no key is allowed to sign this checkpoint", field=f"{field}.sig")
    failures = []
    for verify_key in keys.values():
        try:
            verify_key.verify(sig, payload)
            break
        except SignatureError as exc:
            failures.append(exc.reason)
    else:
        raise SignatureError("; ".join(failures), field=f"{field}.sig")
    value = parse_canonical(payload, field=f"{field}.payload")
    try:
        checkpoint = Checkpoint.model_validate(value)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise WireError(first["msg"], field=f"{field}.payload.{loc}") from exc
    signer = keys.get(checkpoint.key)
    if signer is None or signer.public_bytes != verify_key.public_bytes:
        raise WireError(
            f"payload names key {checkpoint.key}, which did not sign it", field=f"{field}.key"
        )
    return SignedCheckpoint(checkpoint, payload, sig)


def _cosignature_message(digest: str, witness: str, key_id: str, t: str) -> bytes:
    return canonical_bytes(
        {
            "type": COSIGNATURE_TYPE,
            "v": 1,
            "checkpoint": digest,
            "witness": witness,
            "key": key_id,
            "t": t,
        }
    )


def cosign(signed: SignedCheckpoint, witness: str, key: SigningKey, t: str) -> Cosignature:
    """The witness's countersignature over exactly these checkpoint bytes."""
    message = _cosignature_message(signed.digest, witness, key.key_id, t)
    return Cosignature(witness=witness, key=key.key_id, t=t, sig=b64encode(key.sign(message)))


def verify_cosignature(
    signed: SignedCheckpoint, cosignature: Cosignature, key: VerifyKey, *, field: str
) -> None:
    """Raise ``SignatureError`` unless ``key`` countersigned exactly this checkpoint."""
    if cosignature.key != key.key_id:
        raise SignatureError(
            f"cosignature by {cosignature.witness} names key {cosignature.key}, "
            f"but {cosignature.witness}'s key is {key.key_id}",
            field=f"{field}.key",
        )
    try:
        sig = b64decode(cosignature.sig, field=f"{field}.sig")
    except ValidationError as exc:
        raise SignatureError(exc.reason, field=exc.field) from exc
    message = _cosignature_message(
        signed.digest, cosignature.witness, cosignature.key, cosignature.t
    )
    try:
        key.verify(sig, message)
    except SignatureError as exc:
        raise SignatureError(
            f"cosignature by {cosignature.witness} does not verify with key {key.key_id}",
            field=f"{field}.sig",
        ) from exc


def parse_cosignature(value: object, *, field: str) -> Cosignature:
    """A cosignature object from JSON, with the field at fault named."""
    try:
        return Cosignature.model_validate(value)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise WireError(first["msg"], field=f"{field}.{loc}" if loc else field) from exc
